// One progress line from cumulative k6 metrics (see dashboard-events.ts). Figures cover the
// load phase since it started; latency percentiles are over successful load requests, as in
// the summary.
import type { MetricValues } from './dashboard-events';
import { DROPPED, DURATION, LOAD_START, REQUESTS, submetric } from './metric-names';

export interface ProgressTarget {
  readonly rpm: number;
  readonly durationSec: number;
}

function num(v: number | undefined, digits = 1): string {
  return v === undefined ? '-' : v.toFixed(digits);
}

export function progressLine(metrics: Record<string, MetricValues>, target: ProgressTarget): string {
  const nowMs = metrics.time?.value;
  const startMs = metrics[LOAD_START]?.value;
  if (nowMs === undefined || startMs === undefined) return 'progress: logging in sessions (no load sent yet)';
  const elapsed = Math.max(0, (nowMs - startMs) / 1000);
  const ok = metrics[submetric(REQUESTS, 'outcome', 'success')]?.count ?? 0;
  const failed = metrics[submetric(REQUESTS, 'outcome', 'failure')]?.count ?? 0;
  const total = ok + failed;
  const rpm = elapsed > 0 ? (total / elapsed) * 60 : 0;
  const lat = metrics[submetric(DURATION, 'outcome', 'success')] ?? {};
  const dropped = metrics[DROPPED]?.count ?? 0;
  const shown = Math.min(elapsed, target.durationSec);
  let line =
    `progress: load ${shown.toFixed(0)}/${target.durationSec}s` +
    ` | rpm ${rpm.toFixed(1)} of ${target.rpm}` +
    ` | total ${total} ok ${ok} failed ${failed}` +
    ` | p50 ${num(lat.med)} p95 ${num(lat['p(95)'])} p99 ${num(lat['p(99)'])} ms` +
    ` | dropped ${dropped}`;
  if (dropped > 0) line += ' (all VUs busy: raise --concurrency; rate and latency are flattered)';
  return line;
}
