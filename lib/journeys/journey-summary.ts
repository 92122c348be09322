// The summary's `journeys` (per journey: how many completed, why the others failed, each step's
// figures) and `journeys_created` (what the run wrote). Built from k6's handleSummary data.
import { submetric } from '../metric-names';
import { countOf as count, Metrics, trendOf as trend } from '../metric-values';
import type { JourneyOutline } from './journey-types';
import {
  CREATED,
  JOURNEY_DURATION,
  JOURNEY_FAILURE_REASONS,
  JOURNEYS,
  STEP_DB_READS,
  STEP_DB_WRITES,
  STEP_DURATION,
  STEP_FAILURES,
  STEP_REQUESTS,
} from './journey-metric-names';

export interface StepSummary {
  /** HTTP requests the step sent (a form post and the redirects it followed count apart). */
  requests: number;
  /** Successful steps' time in their requests. */
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
  latency_ms_p99: number | null;
  /** Successful steps' DB reads and writes from Moodle's footer, all of the step's pages added. */
  db_reads_median: number | null;
  db_writes_median: number | null;
  failures: number;
}

export interface JourneySummary {
  kind: string;
  /** Journeys the load phase started: completed + failed. */
  started: number;
  completed: number;
  failed: number;
  /** Completed journeys' time in their requests (think time not included). */
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
  latency_ms_p99: number | null;
  /** Failed journeys by the step that failed and why: {"post: form_error": 2}. */
  failure_reasons: Record<string, number>;
  steps: Record<string, StepSummary>;
}

function stepSelectors(journey: string, step: string) {
  const tags = ['step', step];
  return {
    requests: submetric(STEP_REQUESTS, 'journey', journey, ...tags),
    duration: submetric(STEP_DURATION, 'journey', journey, ...tags),
    reads: submetric(STEP_DB_READS, 'journey', journey, ...tags),
    writes: submetric(STEP_DB_WRITES, 'journey', journey, ...tags),
    failure: (reason: string) => submetric(STEP_FAILURES, 'journey', journey, ...tags, 'reason', reason),
  };
}

function journeySelectors(journey: string) {
  return {
    success: submetric(JOURNEYS, 'journey', journey, 'outcome', 'success'),
    failure: submetric(JOURNEYS, 'journey', journey, 'outcome', 'failure'),
    duration: submetric(JOURNEY_DURATION, 'journey', journey),
  };
}

/** Every kind the journeys' steps say they create. */
export function createdKinds(journeys: readonly JourneyOutline[]): string[] {
  const kinds = new Set<string>();
  for (const j of journeys) for (const s of j.steps) for (const k of s.creates) kinds.add(k);
  return [...kinds].sort();
}

function stepSummary(m: Metrics, journey: string, step: string, failureReasons: Record<string, number>): StepSummary {
  const s = stepSelectors(journey, step);
  let failures = 0;
  for (const reason of JOURNEY_FAILURE_REASONS) {
    const n = count(m, s.failure(reason));
    if (n === 0) continue;
    failures += n;
    failureReasons[`${step}: ${reason}`] = n;
  }
  return {
    requests: count(m, s.requests),
    latency_ms_p50: trend(m, s.duration, 'p(50)'),
    latency_ms_p95: trend(m, s.duration, 'p(95)'),
    latency_ms_p99: trend(m, s.duration, 'p(99)'),
    db_reads_median: trend(m, s.reads, 'med'),
    db_writes_median: trend(m, s.writes, 'med'),
    failures,
  };
}

export function buildJourneySummary(m: Metrics, journeys: readonly JourneyOutline[]): Record<string, JourneySummary> {
  const out: Record<string, JourneySummary> = {};
  for (const j of journeys) {
    const s = journeySelectors(j.name);
    const failureReasons: Record<string, number> = {};
    const steps: Record<string, StepSummary> = {};
    for (const step of j.steps) steps[step.name] = stepSummary(m, j.name, step.name, failureReasons);
    const completed = count(m, s.success);
    const failed = count(m, s.failure);
    out[j.name] = {
      kind: j.kind,
      started: completed + failed,
      completed,
      failed,
      latency_ms_p50: trend(m, s.duration, 'p(50)'),
      latency_ms_p95: trend(m, s.duration, 'p(95)'),
      latency_ms_p99: trend(m, s.duration, 'p(99)'),
      failure_reasons: failureReasons,
      steps,
    };
  }
  return out;
}

/** What successful steps wrote, by kind, over the whole run (warm-up included). */
export function buildCreated(m: Metrics, journeys: readonly JourneyOutline[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of createdKinds(journeys)) out[kind] = count(m, submetric(CREATED, 'kind', kind));
  return out;
}

/** The journeys done across all journeys, for the progress line (cli/progress-line.ts). */
export function journeyProgressSubmetrics(journeys: readonly JourneyOutline[]): string[] {
  return journeys.length === 0 ? [] : [submetric(JOURNEYS, 'outcome', 'success'), submetric(JOURNEYS, 'outcome', 'failure')];
}

/** Submetrics k6 must track (as thresholds) for the journeys' summary, with whether each is a trend. */
export function journeySubmetrics(journeys: readonly JourneyOutline[]): { name: string; trend: boolean }[] {
  const out: { name: string; trend: boolean }[] = [];
  for (const j of journeys) {
    const s = journeySelectors(j.name);
    out.push({ name: s.success, trend: false }, { name: s.failure, trend: false }, { name: s.duration, trend: true });
    for (const step of j.steps) {
      const t = stepSelectors(j.name, step.name);
      out.push(
        { name: t.requests, trend: false },
        { name: t.duration, trend: true },
        { name: t.reads, trend: true },
        { name: t.writes, trend: true },
      );
      for (const reason of JOURNEY_FAILURE_REASONS) out.push({ name: t.failure(reason), trend: false });
    }
  }
  for (const kind of createdKinds(journeys)) out.push({ name: submetric(CREATED, 'kind', kind), trend: false });
  return out;
}
