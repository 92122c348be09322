// The scenario's custom metrics (names and meaning in lib/metric-names.ts); k6's own objects, or
// counted in the VU with --stream-stats (vu-stats.ts).
import * as names from '../../lib/metric-names';
import * as jn from '../../lib/journeys/journey-metric-names';
import * as en from '../../lib/journeys/exam-names';
import { counter, gauge, Metric, trend, trendGroup } from './vu-stats';

/** What one phase (warm-up or load) records. */
export interface PhaseMetrics {
  readonly requests: Metric;
  readonly failures: Metric;
  readonly retries: Metric;
  readonly duration: Metric;
}

function phaseMetrics(n: names.PhaseMetricNames): PhaseMetrics {
  return { requests: counter(n.requests), failures: counter(n.failures), retries: counter(n.retries), duration: trend(n.duration, true) };
}

export const load = phaseMetrics(names.LOAD_METRICS);
export const warmup = phaseMetrics(names.WARMUP_METRICS);
export const relogins = counter(names.RELOGINS);
export const loadStart = gauge(names.LOAD_START, true);
export const loadEnd = gauge(names.LOAD_END, true);
export const targetRpm = gauge(names.TARGET_RPM);
export const aborts = counter(names.ABORTS);
/** --stream-stats only (see LOAD_ITERATIONS). */
export const loadIterations = counter(names.LOAD_ITERATIONS);
/** Moodle's performance footer figures, one trend per field, added together in SERVER_METRICS's order (lib/perf-footer.ts perfValues). */
export const server = trendGroup(names.SERVER_METRICS.map((m) => ({ name: m.metric, isTime: m.isTime })));
export const loginSessions = counter(names.LOGIN_SESSIONS);
export const userLogins = counter(names.USER_LOGINS);
export const userFirstLogins = counter(names.USER_FIRST_LOGINS);
export const userSessionsLost = counter(names.USER_SESSIONS_LOST);
export const userStartDelay = trend(names.USER_START_DELAY, true);
export const loginFailures = counter(names.LOGIN_FAILURES);
export const loginFailureKind = gauge(names.LOGIN_FAILURE_KIND);
export const loginEnd = gauge(names.LOGIN_END, true);
/** The journeys' metrics (lib/journeys/journey-metric-names.ts), handed to the journeys' file (journey-runner.ts) so that they stream with the rest. */
export const journey = {
  journeys: counter(jn.JOURNEYS),
  duration: trend(jn.JOURNEY_DURATION, true),
  requests: counter(jn.STEP_REQUESTS),
  stepDuration: trend(jn.STEP_DURATION, true),
  failures: counter(jn.STEP_FAILURES),
  dbReads: trend(jn.STEP_DB_READS),
  dbWrites: trend(jn.STEP_DB_WRITES),
  created: counter(jn.CREATED),
};
export type JourneyMetrics = typeof journey;
/** An exam start's metrics (lib/journeys/exam-names.ts). */
export const exam = {
  start: trend(en.EXAM_START, true),
  started: counter(en.EXAM_STARTED),
  late: counter(en.EXAM_LATE),
  notStarted: counter(en.EXAM_NOT_STARTED),
};
