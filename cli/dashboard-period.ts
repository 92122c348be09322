// How often k6's web dashboard takes a snapshot, and which snapshots become progress lines.
// The dashboard keeps every metric sample of the current period in memory until the period
// ends (about 1.3 KB per request: BENCHMARKS.md, "Hot path and memory"), so the period stays
// short whatever --progress says; the progress lines are then thinned to --progress.

/** Longest snapshot period: at 1,000 req/s, 30 s of samples is ~40 MB held until the snapshot. */
export const MAX_PERIOD_SEC = 30;
/** Snapshots a report should have at least (k6 skips the report below 2). */
export const REPORT_SNAPSHOTS = 60;

export interface PeriodInput {
  readonly progressSec: number;
  /** --report given: the report's charts need finer snapshots on short runs. */
  readonly report: boolean;
  /** Warm-up plus load phase, in seconds. */
  readonly runSec: number;
}

/**
 * Seconds between snapshots: at most --progress, MAX_PERIOD_SEC and (with --report) a sixtieth
 * of the run; a whole divisor of --progress when one is at least half that limit, so lines keep
 * --progress's rhythm exactly (never a tiny period: each snapshot sorts every trend's samples).
 */
export function dashboardPeriodSec(input: PeriodInput): number {
  const fine = input.report ? Math.max(1, Math.floor(input.runSec / REPORT_SNAPSHOTS)) : MAX_PERIOD_SEC;
  const limit = Math.min(input.progressSec, fine, MAX_PERIOD_SEC);
  for (let period = limit; period >= Math.ceil(limit / 2); period--) if (input.progressSec % period === 0) return period;
  return limit;
}

/** Whether snapshot number `seen` (1-based) is the first at or after a multiple of --progress. */
export function isProgressSnapshot(seen: number, periodSec: number, progressSec: number): boolean {
  return Math.floor((seen * periodSec) / progressSec) > Math.floor(((seen - 1) * periodSec) / progressSec);
}
