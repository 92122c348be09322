// The final JSON: the predecessor's eight keys first, exactly as it printed them, then what
// a Moodle developer needs to trust them. Built from the plain data k6 hands handleSummary.
import { DROPPED, DURATION, FAILURES, RELOGINS, REQUESTS, submetric } from './metric-names';
import { FAILURE_REASONS, FailureReason } from './outcome';

/** The subset of k6's handleSummary `data.metrics` this reads. */
export type K6Metrics = Readonly<Record<string, { readonly values: Readonly<Record<string, number>> } | undefined>>;

export interface FailedUser {
  readonly username: string;
  readonly sessions: number;
  readonly reason: string;
}

/** What setup() learnt about logging in. No cookies, no passwords. */
export interface LoginReport {
  readonly attempted: number;
  readonly loggedIn: number;
  readonly seconds: number;
  readonly failedUsers: readonly FailedUser[];
}

export interface SummaryInput {
  readonly metrics: K6Metrics;
  readonly targetRpm: number;
  readonly durationSec: number;
  readonly concurrency: number;
  readonly seed: number | null;
  /** Undefined when setup() did not finish (no session, or stopped during login). */
  readonly login: LoginReport | undefined;
  readonly loadStartMs: number | undefined;
  readonly nowMs: number;
}

export interface Summary {
  elapsed_sec: number;
  total: number;
  success: number;
  failures: number;
  req_per_min_observed: number;
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
  latency_ms_p99: number | null;
  target_rpm: number;
  dropped_iterations: number;
  sessions: { logged_in: number; attempted: number; login_sec: number | null; failed_users: FailedUser[] };
  failure_reasons: Record<FailureReason, number>;
  relogins: { success: number; failure: number };
  latency_ms_mean: number | null;
  latency_ms_max: number | null;
  duration_sec: number;
  concurrency: number;
  seed: number | null;
  stopped_early: boolean;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function count(metrics: K6Metrics, name: string): number {
  return metrics[name]?.values.count ?? 0;
}

function stat(metrics: K6Metrics, name: string, key: string): number | null {
  const v = metrics[name]?.values[key];
  return v === undefined || !Number.isFinite(v) ? null : round(v, 2);
}

/** Iterations still in flight when the duration ends may take up to this long to finish. */
const EARLY_STOP_TOLERANCE_SEC = 1;

export function buildSummary(input: SummaryInput): Summary {
  const { metrics } = input;
  const success = count(metrics, submetric(REQUESTS, 'outcome', 'success'));
  const failures = count(metrics, submetric(REQUESTS, 'outcome', 'failure'));
  const total = success + failures;
  const elapsedSec = input.loadStartMs === undefined ? 0 : Math.max(0, (input.nowMs - input.loadStartMs) / 1000);
  const latency = submetric(DURATION, 'outcome', 'success');
  const reasons = {} as Record<FailureReason, number>;
  for (const reason of FAILURE_REASONS) reasons[reason] = count(metrics, submetric(FAILURES, 'reason', reason));
  const login = input.login;
  return {
    elapsed_sec: round(elapsedSec, 1),
    total,
    success,
    failures,
    req_per_min_observed: elapsedSec > 0 ? round((total / elapsedSec) * 60, 1) : 0,
    latency_ms_p50: stat(metrics, latency, 'p(50)'),
    latency_ms_p95: stat(metrics, latency, 'p(95)'),
    latency_ms_p99: stat(metrics, latency, 'p(99)'),
    target_rpm: input.targetRpm,
    dropped_iterations: count(metrics, DROPPED),
    sessions: {
      logged_in: login?.loggedIn ?? 0,
      attempted: login?.attempted ?? input.concurrency,
      login_sec: login ? round(login.seconds, 2) : null,
      failed_users: login ? [...login.failedUsers] : [],
    },
    failure_reasons: reasons,
    relogins: { success: count(metrics, submetric(RELOGINS, 'outcome', 'success')), failure: count(metrics, submetric(RELOGINS, 'outcome', 'failure')) },
    latency_ms_mean: stat(metrics, latency, 'avg'),
    latency_ms_max: stat(metrics, latency, 'max'),
    duration_sec: input.durationSec,
    concurrency: input.concurrency,
    seed: input.seed,
    stopped_early: elapsedSec < input.durationSec - EARLY_STOP_TOLERANCE_SEC,
  };
}

/** Submetrics k6 must track (declared as thresholds) for buildSummary to find them. */
export function summarySubmetrics(): string[] {
  return [
    submetric(REQUESTS, 'outcome', 'success'),
    submetric(REQUESTS, 'outcome', 'failure'),
    submetric(DURATION, 'outcome', 'success'),
    submetric(RELOGINS, 'outcome', 'success'),
    submetric(RELOGINS, 'outcome', 'failure'),
    ...FAILURE_REASONS.map((r) => submetric(FAILURES, 'reason', r)),
  ];
}
