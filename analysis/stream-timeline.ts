// --stream-stats over time, for the HTML report: the load phase cut into windows of one width,
// each holding its load requests (succeeded, failed) and a histogram of its successful attempts'
// durations (the summary's latency), bucketed as stream-stats.ts does, so a percentile of a
// window is within 0.5% too. Memory: at most MAX_WINDOWS windows of two counts and one
// histogram (at most one bucket per 1% of the durations' range), whatever the run's length.
//
// A VU's report carries no time of its own: its samples go to the window of the time the CLI
// received it. A VU reports at most once a second (less often with many VUs: reportEverySec), so a window is right to about that: what
// a VU had not yet reported when a window ended counts in the next one (so the first window
// shows up to a second's figures less, and the last, which takes the VUs' final reports, more).
import type { StatsReport } from '../lib/stats-stream';
import { LOAD_METRICS } from '../lib/metric-names';
import { boundedPercentile, countValue, sortedCounts, ValueCounts } from './stream-stats';

/** The most windows a run is cut into: the width grows with the duration to stay within it. */
export const MAX_WINDOWS = 360;
/** Widths a window may have, in seconds: the narrowest that keeps a run within MAX_WINDOWS is used. */
const WIDTHS_SEC = [10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600] as const;

/** Window width for a load phase of this many seconds: 10 s up to an hour, then wider (a whole number of hours past the list). */
export function windowSecFor(durationSec: number): number {
  for (const w of WIDTHS_SEC) if (Math.ceil(durationSec / w) <= MAX_WINDOWS) return w;
  return Math.ceil(durationSec / MAX_WINDOWS / 3600) * 3600;
}

export interface WindowLatency {
  /** Successful attempts timed in the window. */
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export interface WindowFigures {
  /** Seconds from the load phase's start to the window's. */
  readonly startSec: number;
  /** Seconds of the load phase the window covers: its width, less for the one the phase ended or stopped in. */
  readonly spanSec: number;
  /** Load requests (after retries) that ended in success, in failure. */
  readonly success: number;
  readonly failure: number;
  /** Null when no successful attempt was timed in it. */
  readonly latency: WindowLatency | null;
}

class Window implements ValueCounts {
  success = 0;
  failure = 0;
  count = 0;
  lo = Infinity;
  hi = -Infinity;
  readonly exact = new Map<number, number>();
  readonly buckets = new Map<number, number>();

  addDurations(samples: readonly number[]): void {
    for (const v of samples) {
      this.count++;
      if (v < this.lo) this.lo = v;
      if (v > this.hi) this.hi = v;
      countValue(this, v);
    }
  }

  latency(): WindowLatency | null {
    if (this.count === 0) return null;
    const sorted = sortedCounts([this]);
    const at = (p: number) => boundedPercentile(sorted, this.count, p, this.lo, this.hi);
    return { count: this.count, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}

export class StreamTimeline {
  readonly windowSec: number;
  private readonly lastIndex: number;
  private readonly windows: (Window | undefined)[] = [];
  /** Epoch ms of the load phase's start; until setup's record says it, the first load report's time. */
  private startMs: number | undefined;

  constructor(durationSec: number) {
    this.windowSec = windowSecFor(durationSec);
    this.lastIndex = Math.max(0, Math.ceil(durationSec / this.windowSec) - 1);
  }

  /** The load phase's start (setup's record, which comes before any load figure). */
  startAt(loadStartMs: number): void {
    this.startMs = loadStartMs;
  }

  /** Takes a VU's report, received at `receivedMs`: its load requests and durations; anything else is not this module's. */
  accept(report: StatsReport, receivedMs: number): void {
    let w: Window | undefined;
    for (const d of report.series) {
      const outcome = d.t?.outcome;
      if (d.m === LOAD_METRICS.requests && d.k === 'counter') {
        w ??= this.windowAt(receivedMs);
        if (outcome === 'success') w.success += d.n;
        else if (outcome === 'failure') w.failure += d.n;
      } else if (d.m === LOAD_METRICS.duration && d.k === 'trend' && outcome === 'success' && d.s !== undefined) {
        w ??= this.windowAt(receivedMs);
        w.addDurations(d.s);
      }
    }
  }

  /**
   * Received before the start (a clock step) counts in the first window; after the schedule's end
   * (the last requests' reports, up to a second late) in the last, so every figure is in a window.
   */
  private windowAt(receivedMs: number): Window {
    this.startMs ??= receivedMs;
    const index = Math.min(this.lastIndex, Math.max(0, Math.floor((receivedMs - this.startMs) / 1000 / this.windowSec)));
    let w = this.windows[index];
    if (w === undefined) {
      w = new Window();
      this.windows[index] = w;
    }
    return w;
  }

  /**
   * Every window from the first to the one `ranSec` (how long the load phase ran) ends in, and
   * any later one with figures; empty ones included, with zero counts.
   */
  figures(ranSec: number): WindowFigures[] {
    const last = Math.max(Math.min(this.lastIndex, Math.ceil(ranSec / this.windowSec) - 1), this.windows.length - 1);
    const out: WindowFigures[] = [];
    for (let i = 0; i <= last; i++) {
      const w = this.windows[i];
      const startSec = i * this.windowSec;
      // The window a run stopped or ended in covers less; never under a second, as figures reach the CLI a second late.
      const spanSec = Math.max(1, Math.min(this.windowSec, ranSec - startSec));
      out.push({ startSec, spanSec, success: w?.success ?? 0, failure: w?.failure ?? 0, latency: w?.latency() ?? null });
    }
    return out;
  }
}
