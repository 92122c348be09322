// --stream-stats: the wire format between the VUs and the CLI. Each VU adds up its counters and
// gauges, collects its trend samples, and writes what it has as one `stats` record (lib/channel.ts) about
// once a second, then forgets it; the CLI adds those up (analysis/stream-stats.ts) and builds
// the same summary handleSummary would. k6 then keeps no sample (it runs with
// --summary-mode=disabled --no-thresholds), and neither does the CLI: it keeps histograms.
// The VU does as little as it can per sample (sobek interprets every step): a push onto an array.
//
// Precision of a trend in the CLI: see analysis/stream-stats.ts (PERCENTILE_RELATIVE_ERROR here).

/** The most a percentile read from the CLI's histograms differs from the exact one, relatively (analysis/stream-stats.ts). */
export const PERCENTILE_RELATIVE_ERROR = 0.005;

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

/** Every `width`-th sample of interleaved ones, from `offset`: one trend's samples of a group (scenarios/k6/vu-stats.ts). */
export function column(interleaved: readonly number[], width: number, offset: number): number[] {
  const out: number[] = [];
  for (let j = offset; j < interleaved.length; j += width) out.push(interleaved[j] as number);
  return out;
}
