// Streamed statistics: the wire format between the VUs and the CLI. Each VU adds up its counters and
// gauges, collects its trend samples, and writes what it has as one `stats` record (lib/channel.ts) about
// once a second (less often with many VUs: reportEverySec), then forgets it; the CLI adds those up (analysis/stream-stats.ts) and builds
// the same summary handleSummary would. k6 then keeps no sample (it runs with
// --summary-mode=disabled --no-thresholds), and neither does the CLI: it keeps histograms.
// The VU does as little as it can per sample (sobek interprets every step): a push onto an array.
// A record names each series by a number, and gives its metric, tags and kind only in the VU's
// first record that has it: a VU's second is mostly a few samples, and writing (k6) and reading
// (the CLI) names and tags again each time cost more than the samples did.
//
// Precision of a trend in the CLI: see analysis/stream-stats.ts (PERCENTILE_RELATIVE_ERROR here).
import { ChannelError } from './channel';

/**
 * How many records a second the VUs write together, at most, in steady load: each record costs
 * k6 a console line (about 50 µs) and the CLI a line to read (about 130 µs, however few its samples),
 * so with many VUs each reports less often, not each second (BENCHMARKS.md, "Fewer, smaller records").
 */
export const RECORDS_PER_SEC = 100;
const MAX_REPORT_EVERY_SEC = 5;

/** How often a VU reports: each second, or every concurrency / RECORDS_PER_SEC seconds (whole, at most 5). */
export function reportEverySec(concurrency: number): number {
  return Math.min(MAX_REPORT_EVERY_SEC, Math.max(1, Math.ceil(concurrency / RECORDS_PER_SEC)));
}

/**
 * How far into its reporting interval a VU's first report falls, as a fraction of the interval:
 * golden-ratio steps over the VUs' numbers, so that any run of VUs spreads evenly over it. The VUs
 * start the load together; without this they would all write in the same moment of every interval,
 * a burst of records that k6 and the CLI work through while requests wait (BENCHMARKS.md, "Bursts of records").
 */
export function reportPhase(vu: number): number {
  return (vu * 0.6180339887498949) % 1;
}

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

type Tags = Readonly<Record<string, string>>;

/** A series' name on the wire, in the VU's first record that changes it: [id, metric, tags, kind]. */
export type SeriesDefinition = readonly [id: number, metric: string, tags: Tags | null, kind: SeriesKind];

/** A series' change on the wire. counter: [id, sum added]; trend: [id, samples]; gauge: [id, how many set, lo, hi, last, lastAt]. */
export type SeriesChange =
  | readonly [id: number, added: number]
  | readonly [id: number, samples: readonly number[]]
  | readonly [id: number, n: number, lo: number, hi: number, last: number, lastAt: number];

/** The `stats` record: a VU's changes since its last one, each series by its number; `def` names the series new since then. */
export interface StatsRecord {
  readonly vu: number;
  readonly def?: readonly SeriesDefinition[];
  readonly d: readonly SeriesChange[];
}

interface Named {
  readonly m: string;
  readonly t: Tags | null;
  readonly k: SeriesKind;
}

/**
 * Reads one k6 process's `stats` records back into reports. It remembers each VU's series names,
 * so it takes one process's records, in order. A series' tags are one object from its definition on,
 * which lets the collector find its series by identity.
 */
export class StatsDecoder {
  private readonly named = new Map<number, Map<number, Named>>();

  decode(record: StatsRecord): StatsReport {
    let names = this.named.get(record.vu);
    if (names === undefined) {
      names = new Map();
      this.named.set(record.vu, names);
    }
    for (const [id, m, t, k] of record.def ?? []) names.set(id, { m, t, k });
    const series: SeriesDelta[] = [];
    for (const c of record.d) {
      const name = names.get(c[0]);
      if (name === undefined)
        throw new ChannelError(`a stats record of VU ${record.vu} changes series ${c[0]}, which no earlier record named`);
      series.push(deltaOf(name, c));
    }
    return { vu: record.vu, series };
  }
}

function deltaOf({ m, t, k }: Named, c: SeriesChange): SeriesDelta {
  if (k === 'trend') {
    const s = c[1] as readonly number[];
    return { m, t, k, n: s.length, s };
  }
  if (k === 'counter') return { m, t, k, n: c[1] as number };
  const [, n, lo, hi, v, at] = c as readonly [number, number, number, number, number, number];
  return { m, t, k, n, lo, hi, v, at };
}

/**
 * Writes reports as one VU's `stats` records: what the VU's own code (scenarios/k6/vu-stats.ts)
 * writes, for producers off the hot path (tests, tools). One encoder per VU.
 */
export class StatsEncoder {
  private readonly ids = new Map<string, number>();

  encode(report: StatsReport): StatsRecord {
    const def: SeriesDefinition[] = [];
    const d: SeriesChange[] = [];
    for (const x of report.series) {
      const key = JSON.stringify([x.m, x.t === null ? null : Object.entries(x.t).sort()]);
      let id = this.ids.get(key);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(key, id);
        def.push([id, x.m, x.t, x.k]);
      }
      if (x.k === 'trend') d.push([id, x.s ?? []]);
      else if (x.k === 'counter') d.push([id, x.n]);
      else d.push([id, x.n, x.lo ?? 0, x.hi ?? 0, x.v ?? 0, x.at ?? 0]);
    }
    return def.length > 0 ? { vu: report.vu, def, d } : { vu: report.vu, d };
  }
}
