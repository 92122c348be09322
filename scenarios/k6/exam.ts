// An exam start (--exam-window): the VU's one iteration of the load phase. It waits for its
// moment, a seeded random point in the window's first seconds, then runs the config's first
// journey; the time to start runs from that moment to the end of the journey's start step
// (its first step that creates something: a quiz attempt), so the quiz view and any wait count.
import { sleep } from 'k6';
import { EXAM_MOMENT_DRAW } from '../../lib/journeys/exam-names';
import { examStartStep } from '../../lib/journeys/exam-summary';
import type { Journey } from '../../lib/journeys/journey-types';
import { uniform } from '../../lib/random';
import type { JourneyRunner } from './journey-runner';
import * as metrics from './metrics';
import * as vuStats from './vu-stats';
import type { RunContext } from './run-context';
import type { VuSession } from './vu-session';

export interface ExamTurn {
  /** Epoch ms the load phase (k6's scenario) started. */
  readonly phaseStartMs: number;
  readonly seed: number;
  /** exec.vu.idInTest: which moment is the VU's. */
  readonly vu: number;
  /** exec.scenario.iterationInTest, for the journey's own draws. */
  readonly iteration: number;
}

export function runExam(ctx: RunContext, runner: JourneyRunner, session: VuSession, t: ExamTurn): void {
  const windowMs = ctx.settings.examWindowSec * 1000;
  const plannedMs = t.phaseStartMs + uniform(t.seed, t.vu, EXAM_MOMENT_DRAW) * windowMs;
  const wait = plannedMs - Date.now();
  if (wait > 0) sleep(wait / 1000);
  const startStep = examStartStep(ctx.config.journeys[0] as Journey);
  let startedMs = 0;
  runner.onStepDone = (i) => {
    if (i === startStep) startedMs = Date.now();
    // One iteration is the whole exam: streamed figures go out as it runs, for the progress lines.
    vuStats.reportIfDue(Infinity);
  };
  runner.run(session, 0, true, t.iteration, t.seed);
  runner.onStepDone = null;
  if (startedMs === 0) {
    metrics.exam.notStarted.add(1);
    return;
  }
  metrics.exam.started.add(1);
  metrics.exam.start.add(startedMs - plannedMs);
  if (startedMs > t.phaseStartMs + windowMs) metrics.exam.late.add(1);
}
