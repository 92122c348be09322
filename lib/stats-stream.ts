// --stream-stats: the wire format between the VUs and the CLI. Each VU adds up its counters and
// gauges, collects its trend samples, and prints what it has as one marked console line about
// once a second, then forgets it; the CLI adds those up (analysis/stream-stats.ts) and builds
// the same summary handleSummary would. k6 then keeps no sample (it runs with
// --summary-mode=disabled --no-thresholds), and neither does the CLI: it keeps histograms.
// The VU does as little as it can per sample (sobek interprets every step): a push onto an array.
//
// Precision of a trend in the CLI: whole numbers (DB reads, DB writes, included files) are kept
// exactly; any other value goes to a log bucket of 1% relative width and reads back as the
// bucket's geometric middle, within 0.5% of the value. Counts, sums, min and max are exact.

export const STATS_MARKER = 'moodle-load-stats ';

/** Bucket b holds values in [GROWTH^b, GROWTH^(b+1)). */
export const BUCKET_GROWTH = 1.01;
const INV_LOG_GROWTH = 1 / Math.log(BUCKET_GROWTH);
/** The most a percentile read from the buckets differs from the exact one, relatively: sqrt(GROWTH) - 1. */
export const PERCENTILE_RELATIVE_ERROR = 0.005;
/** Whole numbers up to this are kept exactly (above it they go to buckets like any other value). */
export const EXACT_LIMIT = 1_000_000;

/** Where a trend value goes: exact (a whole number 0..EXACT_LIMIT, or not above 0), else a log bucket. */
export function isExact(value: number): boolean {
  return value <= 0 || (value <= EXACT_LIMIT && Math.floor(value) === value);
}

export function bucketOf(value: number): number {
  return Math.floor(Math.log(value) * INV_LOG_GROWTH);
}

/** The value a bucket reads back as: its geometric middle, within 0.5% of anything in it. */
export function bucketValue(bucket: number): number {
  return Math.pow(BUCKET_GROWTH, bucket + 0.5);
}

export type SeriesKind = 'counter' | 'gauge' | 'trend';

/** One time series' change since the VU's last report (a metric and one set of tag values). */
export interface SeriesDelta {
  /** Metric name. */
  readonly m: string;
  /** Tags, or null for none. */
  readonly t: Readonly<Record<string, string>> | null;
  readonly k: SeriesKind;
  /** counter: the sum added; gauge and trend: samples added. */
  readonly n: number;
  /** gauge: smallest and largest sample, the last value and the epoch ms at which it was set. */
  readonly lo?: number;
  readonly hi?: number;
  readonly v?: number;
  readonly at?: number;
  /** trend: the samples. */
  readonly s?: readonly number[];
}

/** A VU's report: what changed since its last one. */
export interface StatsReport {
  readonly vu: number;
  readonly series: readonly SeriesDelta[];
}

/** setup()'s data (no secret: a few numbers), printed once so the CLI can build the summary. */
export interface StatsSetup {
  readonly setup: Readonly<Record<string, unknown>>;
}

export type StatsMessage = StatsReport | StatsSetup;
