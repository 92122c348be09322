// One progress line from cumulative k6 metrics (see dashboard-events.ts). In the timed phase
// the figures cover it since it started (warm-up excluded), with latency percentiles over
// successful requests, as in the summary. During warm-up the line says so and shows the
// warm-up's own figures.
import type { MetricValues } from './dashboard-events';
import { DROPPED, LOAD_METRICS, PhaseMetricNames, submetric, USER_LOGINS, USER_SESSIONS_LOST, WARMUP_METRICS } from '../lib/metric-names';
import { JOURNEYS } from '../lib/journeys/journey-metric-names';

export interface ProgressTarget {
  readonly rpm: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  /** --stream-stats counts the load phase's dropped iterations only (k6's dashboard counts the warm-up's too). */
  readonly droppedLoadOnly?: boolean;
  /** The closed model (--think-time): its users, whose think time sets the rate (no target). */
  readonly closedUsers?: number;
  /** Epoch ms at which the timed load phase starts, from the run's setup record; undefined until it comes. */
  readonly loadStartMs: () => number | undefined;
}

function num(v: number | undefined, digits = 1): string {
  return v === undefined ? '-' : v.toFixed(digits);
}

/** "rpm R <rateNote> | total ... | p50 ..." for one phase's metrics. */
function figures(metrics: Record<string, MetricValues>, names: PhaseMetricNames, elapsedSec: number, rateNote: string): string {
  const ok = metrics[submetric(names.requests, 'outcome', 'success')]?.count ?? 0;
  const failed = metrics[submetric(names.requests, 'outcome', 'failure')]?.count ?? 0;
  const total = ok + failed;
  const rpm = elapsedSec > 0 ? (total / elapsedSec) * 60 : 0;
  const lat = metrics[submetric(names.duration, 'outcome', 'success')] ?? {};
  return `rpm ${rpm.toFixed(1)} ${rateNote} | total ${total} ok ${ok} failed ${failed} | p50 ${num(lat.med)} p95 ${num(lat['p(95)'])} p99 ${num(lat['p(99)'])} ms`;
}

/** " | journeys ok N failed M" when the run has journeys (their iterations count in the rate's target, not in rpm). */
function journeyFigures(metrics: Record<string, MetricValues>): string {
  const ok = metrics[submetric(JOURNEYS, 'outcome', 'success')]?.count;
  const failed = metrics[submetric(JOURNEYS, 'outcome', 'failure')]?.count;
  if (ok === undefined && failed === undefined) return '';
  return ` | journeys ok ${ok ?? 0} failed ${failed ?? 0}`;
}

/** " | users logged in N of M" in the closed model, whose users log in as they arrive. */
function userFigures(metrics: Record<string, MetricValues>, users: number | undefined): string {
  if (users === undefined) return '';
  const inNow = (metrics[USER_LOGINS]?.count ?? 0) - (metrics[USER_SESSIONS_LOST]?.count ?? 0);
  return ` | users logged in ${Math.max(0, inNow)} of ${users}`;
}

export function progressLine(metrics: Record<string, MetricValues>, target: ProgressTarget): string {
  const nowMs = metrics.time?.value;
  const startMs = target.loadStartMs();
  if (nowMs === undefined || startMs === undefined || nowMs < startMs - target.warmupSec * 1000)
    return 'progress: logging in sessions (no load sent yet)';
  if (nowMs < startMs) {
    const warm = Math.max(0, target.warmupSec - (startMs - nowMs) / 1000);
    return `progress: warm-up ${warm.toFixed(0)}/${target.warmupSec}s (not in the figures) | ${figures(metrics, WARMUP_METRICS, warm, `ramping to ${target.rpm}`)}`;
  }
  const elapsed = (nowMs - startMs) / 1000;
  // The dashboard has no per-scenario split of k6's counter (the summary has).
  const dropped = metrics[DROPPED]?.count ?? 0;
  const droppedLabel = `dropped ${dropped}${target.warmupSec > 0 && !target.droppedLoadOnly ? ' (warm-up included)' : ''}`;
  const rateNote = target.closedUsers === undefined ? `of ${target.rpm}` : `(closed model)`;
  let line = `progress: load ${Math.min(elapsed, target.durationSec).toFixed(0)}/${target.durationSec}s | ${figures(metrics, LOAD_METRICS, elapsed, rateNote)}${journeyFigures(metrics)}${userFigures(metrics, target.closedUsers)} | ${droppedLabel}`;
  if (dropped > 0) line += ' (all VUs busy: raise --concurrency; rate and latency are flattered)';
  return line;
}
