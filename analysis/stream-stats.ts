// --stream-stats, the CLI's side: adds up the VUs' reports (lib/stats-stream.ts), trend samples
// into histograms (memory bounded by the distinct values, not the samples), and hands back
// k6-shaped metrics (the `values` handleSummary would see) for the metrics and submetrics asked
// for, so lib/summary-files.ts builds the same summary either way. Percentiles are k6's
// definition (linear interpolation between the two nearest ranks) over the histogram: exact
// for whole numbers, within 0.5% otherwise (the bucket's middle stands for its values).
import type { HistogramSeries } from '../lib/mergeable';
import { StatsDecoder, type SeriesDelta, type SeriesKind, type StatsRecord, type StatsReport } from '../lib/stats-stream';
import type { K6Metrics } from '../lib/summary';

// Whole numbers (DB reads, DB writes, included files) are kept exactly; any other value goes to a
// log bucket of 1% relative width and reads back as the bucket's geometric middle, within
// sqrt(GROWTH) - 1 < 0.5% of the value (PERCENTILE_RELATIVE_ERROR). Counts, sums, min and max are exact.
/** Bucket b holds values in [GROWTH^b, GROWTH^(b+1)). */
export const BUCKET_GROWTH = 1.01;
const INV_LOG_GROWTH = 1 / Math.log(BUCKET_GROWTH);
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

/** A trend's samples as counts: whole numbers exactly, others by log bucket (see isExact). */
export interface ValueCounts {
  readonly exact: Map<number, number>;
  readonly buckets: Map<number, number>;
}

/** Counts one trend sample. */
export function countValue(h: ValueCounts, v: number): void {
  if (isExact(v)) h.exact.set(v, (h.exact.get(v) ?? 0) + 1);
  else {
    const b = bucketOf(v);
    h.buckets.set(b, (h.buckets.get(b) ?? 0) + 1);
  }
}

/** Several histograms' counts added up, as (value, count) in value order; a bucket reads as its middle. */
export function sortedCounts(parts: readonly ValueCounts[]): [number, number][] {
  const counts = new Map<number, number>();
  for (const p of parts) {
    p.exact.forEach((c, v) => counts.set(v, (counts.get(v) ?? 0) + c));
    p.buckets.forEach((c, b) => {
      const v = bucketValue(b);
      counts.set(v, (counts.get(v) ?? 0) + c);
    });
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]);
}

/** percentile() kept within the samples' min and max: a bucket's middle may lie outside them. */
export function boundedPercentile(
  sorted: readonly (readonly [number, number])[],
  total: number,
  p: number,
  lo: number,
  hi: number,
): number {
  return Math.min(hi, Math.max(lo, percentile(sorted, total, p)));
}

type Tags = Readonly<Record<string, string>>;

class MergedSeries implements ValueCounts {
  n = 0;
  sum = 0;
  lo = Infinity;
  hi = -Infinity;
  last = 0;
  lastAt = -Infinity;
  readonly exact = new Map<number, number>();
  readonly buckets = new Map<number, number>();

  constructor(
    readonly metric: string,
    readonly kind: SeriesKind,
    readonly tags: Tags,
  ) {}

  add(d: SeriesDelta): void {
    if (!this.addCommon(d)) return;
    for (const v of d.s ?? []) {
      this.sum += v;
      if (v < this.lo) this.lo = v;
      if (v > this.hi) this.hi = v;
      countValue(this, v);
    }
  }

  /** Adds a whole series another collector wrote (toSeries): the sums of both, bucket by bucket. */
  merge(h: HistogramSeries): void {
    if (!this.addCommon(h)) return;
    this.sum += h.sum ?? 0;
    for (const [v, c] of h.exact ?? []) this.exact.set(v, (this.exact.get(v) ?? 0) + c);
    for (const [b, c] of h.log ?? []) this.buckets.set(b, (this.buckets.get(b) ?? 0) + c);
  }

  /** What a report and a whole series add alike: the count, min and max, a gauge's last value. True for a trend's samples still to add. */
  private addCommon(d: Pick<SeriesDelta, 'k' | 'n' | 'lo' | 'hi' | 'v' | 'at'>): boolean {
    this.n += d.n;
    if (d.k === 'counter') return false;
    if (d.lo !== undefined && d.lo < this.lo) this.lo = d.lo;
    if (d.hi !== undefined && d.hi > this.hi) this.hi = d.hi;
    if (d.k === 'trend') return true;
    if (d.at !== undefined && d.v !== undefined && d.at >= this.lastAt) {
      this.last = d.v;
      this.lastAt = d.at;
    }
    return false;
  }

  toSeries(): HistogramSeries {
    const base = { m: this.metric, t: this.tags, k: this.kind, n: this.n };
    if (this.kind === 'counter') return base;
    if (this.kind === 'gauge') return { ...base, lo: this.lo, hi: this.hi, v: this.last, at: this.lastAt };
    const ascending = (m: Map<number, number>) => [...m.entries()].sort((a, b) => a[0] - b[0]);
    return { ...base, sum: this.sum, lo: this.lo, hi: this.hi, exact: ascending(this.exact), log: ascending(this.buckets) };
  }
}

/** A metric or submetric selector, "name" or "name{tag:value,tag:value}", as k6 writes it. */
export function parseSelector(selector: string): { metric: string; tags: Tags } {
  const open = selector.indexOf('{');
  if (open < 0 || !selector.endsWith('}')) return { metric: selector, tags: {} };
  const tags: Record<string, string> = {};
  for (const pair of selector.slice(open + 1, -1).split(',')) {
    const colon = pair.indexOf(':');
    if (colon > 0) tags[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return { metric: selector.slice(0, open), tags };
}

function matches(series: Tags, wanted: Tags): boolean {
  for (const key in wanted) if (series[key] !== wanted[key]) return false;
  return true;
}

/** k6's percentile: the value at rank p * (n - 1), interpolated between the ranks either side. */
export function percentile(sorted: readonly (readonly [number, number])[], total: number, p: number): number {
  if (total === 0) return 0;
  const rank = p * (total - 1);
  const below = Math.floor(rank);
  const lo = valueAtRank(sorted, below);
  const hi = valueAtRank(sorted, Math.ceil(rank));
  return lo + (hi - lo) * (rank - below);
}

function valueAtRank(sorted: readonly (readonly [number, number])[], rank: number): number {
  let seen = 0;
  for (const [value, count] of sorted) {
    seen += count;
    if (rank < seen) return value;
  }
  return sorted.length > 0 ? (sorted[sorted.length - 1] as readonly [number, number])[0] : 0;
}

const PERCENTILES: readonly [string, number][] = [
  ['med', 0.5],
  ['p(50)', 0.5],
  ['p(90)', 0.9],
  ['p(95)', 0.95],
  ['p(99)', 0.99],
];

export class StreamCollector {
  private readonly series = new Map<string, MergedSeries>();
  /** A decoded report's tags are one object per VU and series (StatsDecoder): its series by that object, then by metric. */
  private readonly byTags = new WeakMap<Tags, Map<string, MergedSeries>>();
  private readonly untagged = new Map<string, MergedSeries>();
  private readonly decoder = new StatsDecoder();
  /** Reports taken in, for the CLI's own checks. */
  reports = 0;

  /** Takes one of this k6 process's `stats` records, in order; gives it back decoded, for others to read. Throws ChannelError for a series no earlier record named. */
  acceptRecord(record: StatsRecord): StatsReport {
    const report = this.decoder.decode(record);
    this.accept(report);
    return report;
  }

  accept(report: StatsReport): void {
    this.reports++;
    for (const d of report.series) this.cachedSeriesOf(d).add(d);
  }

  /** Adds another run's series (its summary's `mergeable.series`). */
  acceptSeries(series: readonly HistogramSeries[]): void {
    for (const h of series) this.seriesOf(h).merge(h);
  }

  /** Every series as a whole, for the summary's `mergeable` part. */
  toSeries(): HistogramSeries[] {
    return [...this.series.values()].filter((s) => s.n > 0 || s.kind === 'counter').map((s) => s.toSeries());
  }

  private cachedSeriesOf(d: SeriesDelta): MergedSeries {
    let byMetric = d.t === null ? this.untagged : this.byTags.get(d.t);
    if (byMetric === undefined) {
      byMetric = new Map();
      this.byTags.set(d.t as Tags, byMetric);
    }
    let s = byMetric.get(d.m);
    if (s === undefined) {
      s = this.seriesOf(d);
      byMetric.set(d.m, s);
    }
    return s;
  }

  private seriesOf(d: { readonly m: string; readonly t: Tags | null; readonly k: SeriesKind }): MergedSeries {
    const tags = d.t ?? {};
    const key = `${d.m}\u0000${JSON.stringify(
      Object.keys(tags)
        .sort()
        .map((k) => [k, tags[k]]),
    )}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = new MergedSeries(d.m, d.k, tags);
      this.series.set(key, s);
    }
    return s;
  }

  /** The metric names seen so far. */
  metricNames(): string[] {
    return [...new Set([...this.series.values()].map((s) => s.metric))].sort();
  }

  /**
   * k6-shaped values of each selector: the metric's series whose tags include the selector's.
   * A selector no series matches gives { count: 0 } whatever its kind (the summary reads a trend
   * of count 0 as no figure, and a gauge's missing `value` as never set).
   */
  metrics(selectors: readonly string[]): Record<string, { values: Record<string, number> }> {
    const out: Record<string, { values: Record<string, number> }> = {};
    for (const selector of selectors) {
      const { metric, tags } = parseSelector(selector);
      const parts = [...this.series.values()].filter((s) => s.metric === metric && matches(s.tags, tags));
      const values = valuesOf(parts, parts[0]?.kind);
      if (values !== undefined) out[selector] = { values };
    }
    return out;
  }

  /** Every metric seen and the given submetrics, as handleSummary's `data.metrics`. */
  k6Metrics(submetrics: readonly string[]): Record<string, { values: Record<string, number> }> & K6Metrics {
    return this.metrics([...this.metricNames(), ...submetrics]);
  }
}

function valuesOf(parts: readonly MergedSeries[], kind: SeriesKind | undefined): Record<string, number> | undefined {
  if (kind === 'gauge') {
    let last: MergedSeries | undefined;
    for (const p of parts) if (p.n > 0 && (last === undefined || p.lastAt >= last.lastAt)) last = p;
    if (last === undefined) return undefined;
    return { value: last.last, min: Math.min(...parts.map((p) => p.lo)), max: Math.max(...parts.map((p) => p.hi)) };
  }
  const n = parts.reduce((sum, p) => sum + p.n, 0);
  if (kind !== 'trend') return { count: n };
  const sorted = sortedCounts(parts);
  const lo = Math.min(...parts.map((p) => p.lo));
  const hi = Math.max(...parts.map((p) => p.hi));
  const values: Record<string, number> = { count: n, avg: parts.reduce((sum, p) => sum + p.sum, 0) / n, min: lo, max: hi };
  for (const [name, p] of PERCENTILES) values[name] = boundedPercentile(sorted, n, p, lo, hi);
  return values;
}
