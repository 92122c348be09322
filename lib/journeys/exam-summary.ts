// The summary's `exam` (--exam-window): how many of the users started their attempt, how many
// late (after the window) and the time to start. Built from k6's handleSummary data.
import { countOf as count, Metrics, trendOf as trend } from '../metric-values';
import type { Journey } from './journey-types';
import { EXAM_LATE, EXAM_NOT_STARTED, EXAM_START, EXAM_STARTED } from './exam-names';

export interface ExamSummary {
  /** VUs, each one user running the journey once. */
  users: number;
  window_sec: number;
  started: number;
  /** Started after the window's end. */
  late: number;
  /** The journey failed before its start step ended. */
  not_started: number;
  /** From the VU's planned moment to the end of its start step. */
  start_ms_p50: number | null;
  start_ms_p95: number | null;
  start_ms_p99: number | null;
}

/** The step whose end starts the exam: the first that creates something (a quiz attempt), else the first. */
export function examStartStep(journey: Journey): number {
  const i = journey.steps.findIndex((s) => s.creates.length > 0);
  return i < 0 ? 0 : i;
}

export function buildExamSummary(m: Metrics, users: number, windowSec: number): ExamSummary {
  return {
    users,
    window_sec: windowSec,
    started: count(m, EXAM_STARTED),
    late: count(m, EXAM_LATE),
    not_started: count(m, EXAM_NOT_STARTED),
    start_ms_p50: trend(m, EXAM_START, 'p(50)'),
    start_ms_p95: trend(m, EXAM_START, 'p(95)'),
    start_ms_p99: trend(m, EXAM_START, 'p(99)'),
  };
}

/** Metrics k6 must know of (as thresholds, which always pass) in an exam start, with whether each is a trend. */
export function examMetrics(): { name: string; trend: boolean }[] {
  return [
    { name: EXAM_START, trend: true },
    { name: EXAM_STARTED, trend: false },
    { name: EXAM_LATE, trend: false },
    { name: EXAM_NOT_STARTED, trend: false },
  ];
}
