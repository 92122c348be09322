// Iterations the load phase's schedule made due, for the dropped count when k6's own is not
// there (streamed figures, merged summaries): due less started.
import { LOAD_ITERATIONS } from '../lib/metric-names';
import type { RunSettings } from '../lib/run-settings';
import { segmentShare } from '../lib/segments';
import type { StreamCollector } from './stream-stats';

/**
 * Iterations constant-arrival-rate starts in the first `seconds` of its schedule: one at 0, then
 * one every 60/rpm s, while before `seconds` (k6's ticker; lib/executor/constant_arrival_rate.go).
 */
export function scheduledIterations(rpm: number, seconds: number): number {
  if (seconds <= 0 || rpm <= 0) return 0;
  return Math.ceil((seconds * rpm) / 60 - 1e-9);
}

/**
 * Iterations due in the load phase's first `seconds` in this instance: the arrival rate's (none
 * in the closed model, whose rpm is 0), or in an exam start (per-vu-iterations) one per VU, all
 * due once the phase has started. k6 stripes iterations and VUs over the segments, so a segment
 * gets its share rounded down or up: rounded down here, so a dropped count is never one that was
 * not dropped (the merged summary's is exact).
 */
export function dueIterations(
  s: Pick<RunSettings, 'rpm' | 'examWindowSec' | 'concurrency'>,
  seconds: number,
  segment: string | null,
): number {
  const all = s.examWindowSec === 0 ? scheduledIterations(s.rpm, seconds) : seconds > 0 ? s.concurrency : 0;
  return segment === null ? all : Math.floor(all * segmentShare(segment) + 1e-9);
}

export function started(collector: StreamCollector): number {
  return collector.metrics([LOAD_ITERATIONS])[LOAD_ITERATIONS]?.values.count ?? 0;
}
