// The scenario's custom metrics (names and meaning in lib/metric-names.ts).
import { Counter, Gauge, Trend } from 'k6/metrics';
import * as names from '../../lib/metric-names';

/** What one phase (warm-up or load) records. */
export interface PhaseMetrics {
  readonly requests: Counter;
  readonly failures: Counter;
  readonly retries: Counter;
  readonly duration: Trend;
}

function phaseMetrics(n: names.PhaseMetricNames): PhaseMetrics {
  return { requests: new Counter(n.requests), failures: new Counter(n.failures), retries: new Counter(n.retries), duration: new Trend(n.duration, true) };
}

export const load = phaseMetrics(names.LOAD_METRICS);
export const warmup = phaseMetrics(names.WARMUP_METRICS);
export const relogins = new Counter(names.RELOGINS);
export const loadStart = new Gauge(names.LOAD_START, true);
export const loadEnd = new Gauge(names.LOAD_END, true);
export const targetRpm = new Gauge(names.TARGET_RPM);
export const aborts = new Counter(names.ABORTS);
/** Moodle's performance footer figures, one trend per field (see SERVER_METRICS). */
export const server = names.SERVER_METRICS.map((m) => ({ field: m.field, trend: new Trend(m.metric, m.isTime) }));
export const loginSessions = new Counter(names.LOGIN_SESSIONS);
export const loginFailures = new Counter(names.LOGIN_FAILURES);
export const loginFailureKind = new Gauge(names.LOGIN_FAILURE_KIND);
export const loginEnd = new Gauge(names.LOGIN_END, true);
