// The scenario's metric objects. Under plain `k6 run` and with --no-stream-stats they are k6's own
// (Counter, Trend, Gauge). Streamed (the CLI's default: it sets STREAM_STATS=1), each VU keeps its samples here, per time
// series, and writes them as one `stats` record (lib/stats-stream.ts) at most once a
// second (less often with many VUs: paceReports), and after every iteration of the load phase's final window (see finalWindowMs); k6
// then keeps no sample at all. METRICS_TO_K6=1 (the CLI sets it with --out) sends the samples
// to k6 as well.
import exec from 'k6/execution';
import { Counter, Gauge, Trend } from 'k6/metrics';
import {
  column,
  reportEverySec,
  reportPhase,
  type SeriesChange,
  type SeriesDefinition,
  type SeriesKind,
  type StatsRecord,
} from '../../lib/stats-stream';
import { writeRecord } from './channel';

type Tags = Record<string, string>;

/** What the scenario's code calls: k6's Counter, Trend and Gauge have this shape. */
export interface Metric {
  add(value: number, tags?: Tags): void;
}

/** A flag variable as lib/run-settings.ts reads it (1, true, yes; case ignored). */
const on = (v: string | undefined) => v !== undefined && /^\s*(1|true|yes)?\s*$/i.test(v);
const STREAM = on(__ENV.STREAM_STATS);
const TO_K6 = !STREAM || on(__ENV.METRICS_TO_K6);

/** A VU reports at most this often, except in the final window (see finalWindowMs); paceReports sets it. */
let reportEveryMs = 1000;

/** Sets how often each VU reports, from the run's VUs (lib/stats-stream.ts reportEverySec). */
export function paceReports(concurrency: number): void {
  reportEveryMs = reportEverySec(concurrency) * 1000;
}

/**
 * Margin at the final window's start for k6 starting an iteration late. setup()'s estimate of the
 * phase's end is early, not late (it is taken before k6 starts the clock). Each VU writes a record
 * after every iteration in the window, so the margin costs records: 1000 at 1,000 req/s per second of it.
 */
const TIMING_MARGIN_MS = 500;

/**
 * How long before the load phase's scheduled end every iteration reports. A VU's figures must
 * not wait for an iteration that never comes. constant-arrival-rate hands each iteration to the
 * VU that has been idle longest (a Go channel's waiting receivers are served in order), so an
 * idle VU starts again within concurrency / rate seconds while the schedule runs: an iteration
 * ending earlier than that before the end is not its last one. TIMING_MARGIN_MS more.
 */
export function finalWindowMs(concurrency: number, rpm: number): number {
  return (concurrency * 60_000) / rpm + TIMING_MARGIN_MS;
}

/** The next series' number on the wire (lib/stats-stream.ts): this VU's own. */
let nextId = 0;

/**
 * One metric and tag set's samples since the last report. sobek interprets every step and
 * looks every property up by name, so a sample costs as little as possible: a trend's is
 * pushed as it is, a counter's added; the CLI does the rest.
 */
class Series {
  dirty = false;
  named = false;
  n = 0;
  samples: number[] = [];
  lo = Infinity;
  hi = -Infinity;
  last = 0;
  lastAt = 0;
  readonly id = nextId++;

  constructor(
    readonly metric: string,
    readonly kind: SeriesKind,
    readonly tags: Tags | null,
  ) {}

  /** Appends what changed since the last report, and the series' name the first time; then starts again from nothing. */
  takeInto(out: SeriesChange[], names: SeriesDefinition[]): void {
    if (!this.named) {
      names.push([this.id, this.metric, this.tags, this.kind]);
      this.named = true;
    }
    if (this.kind === 'counter') out.push([this.id, this.n]);
    else if (this.kind === 'gauge') out.push([this.id, this.n, this.lo, this.hi, this.last, this.lastAt]);
    else {
      out.push([this.id, this.samples]);
      this.samples = [];
    }
    this.n = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
    this.dirty = false;
  }
}

/**
 * Several trends added together with one tag set (Moodle's footer figures, 7 a request): their
 * samples go interleaved onto one array by one native call, and are split per trend when reported.
 * One add instead of seven saves sobek about 7 µs a request.
 */
class GroupSeries {
  dirty = false;
  named = false;
  samples: number[] = [];
  /** The group's first trend's series number; the others follow it. */
  readonly id: number;

  constructor(
    readonly metrics: readonly string[],
    readonly tags: Tags | null,
  ) {
    this.id = nextId;
    nextId += metrics.length;
  }

  takeInto(out: SeriesChange[], names: SeriesDefinition[]): void {
    const width = this.metrics.length;
    if (!this.named) {
      for (let i = 0; i < width; i++) names.push([this.id + i, this.metrics[i] as string, this.tags, 'trend']);
      this.named = true;
    }
    if (this.samples.length > 0) for (let i = 0; i < width; i++) out.push([this.id + i, column(this.samples, width, i)]);
    this.samples = [];
    this.dirty = false;
  }
}

/** Series with something to report, in the order they changed. */
const changed: (Series | GroupSeries)[] = [];
let lastReportMs = 0;

/**
 * A metric's series by tag set. Most tag objects are built once per VU (request-runner.ts), so
 * one is found by identity first, else by value. Made on first use.
 */
class SeriesIndex<S> {
  private byObject: WeakMap<Tags, S> | undefined;
  private byValue: Map<string, S> | undefined;

  constructor(private readonly make: (tags: Tags) => S) {}

  get(tags: Tags): S {
    return this.byObject?.get(tags) ?? this.lookUp(tags);
  }

  private lookUp(tags: Tags): S {
    const keys = Object.keys(tags).sort();
    let key = '';
    for (const k of keys) key += `${k}\u0000${tags[k]}\u0000`;
    this.byValue ??= new Map();
    this.byObject ??= new WeakMap();
    let s = this.byValue.get(key);
    if (s === undefined) {
      const copy: Tags = {};
      for (const k of keys) copy[k] = tags[k] as string;
      s = this.make(copy);
      this.byValue.set(key, s);
    }
    this.byObject.set(tags, s);
    return s;
  }
}

class StreamedMetric implements Metric {
  private untagged: Series | undefined;
  private readonly tagged: SeriesIndex<Series>;

  constructor(
    private readonly name: string,
    private readonly kind: SeriesKind,
    private readonly k6: Metric | null,
  ) {
    this.tagged = new SeriesIndex((t) => new Series(name, kind, t));
  }

  add(value: number, tags?: Tags): void {
    const s = tags === undefined ? (this.untagged ??= new Series(this.name, this.kind, null)) : this.tagged.get(tags);
    if (this.kind === 'trend') s.samples.push(value);
    else if (this.kind === 'counter') s.n += value;
    else {
      s.n++;
      if (value < s.lo) s.lo = value;
      if (value > s.hi) s.hi = value;
      s.last = value;
      s.lastAt = Date.now();
    }
    if (!s.dirty) {
      s.dirty = true;
      changed.push(s);
    }
    if (this.k6 !== null) this.k6.add(value, tags);
  }
}

/** Trends always added together, in one order, with one tag set. */
export interface TrendGroup {
  /** values[i] goes to the group's i-th trend. */
  add(values: readonly number[], tags: Tags): void;
}

const push = Array.prototype.push;

class StreamedTrendGroup implements TrendGroup {
  private readonly series: SeriesIndex<GroupSeries>;

  constructor(
    names: readonly string[],
    private readonly k6: K6TrendGroup | null,
  ) {
    this.series = new SeriesIndex((t) => new GroupSeries(names, t));
  }

  add(values: readonly number[], tags: Tags): void {
    const s = this.series.get(tags);
    push.apply(s.samples, values as number[]);
    if (!s.dirty) {
      s.dirty = true;
      changed.push(s);
    }
    if (this.k6 !== null) this.k6.add(values, tags);
  }
}

class K6TrendGroup implements TrendGroup {
  constructor(private readonly trends: readonly Metric[]) {}

  add(values: readonly number[], tags: Tags): void {
    for (let i = 0; i < this.trends.length; i++) (this.trends[i] as Metric).add(values[i] as number, tags);
  }
}

function make(name: string, kind: SeriesKind, k6: () => Metric): Metric {
  if (!STREAM) return k6();
  return new StreamedMetric(name, kind, TO_K6 ? k6() : null);
}

export function counter(name: string): Metric {
  return make(name, 'counter', () => new Counter(name));
}

export function trend(name: string, isTime = false): Metric {
  return make(name, 'trend', () => new Trend(name, isTime));
}

export function gauge(name: string, isTime = false): Metric {
  return make(name, 'gauge', () => new Gauge(name, isTime));
}

/** Trends that are always added together (see GroupSeries). */
export function trendGroup(trends: readonly { readonly name: string; readonly isTime: boolean }[]): TrendGroup {
  const k6 = () => new K6TrendGroup(trends.map((t) => new Trend(t.name, t.isTime)));
  if (!STREAM) return k6();
  return new StreamedTrendGroup(
    trends.map((t) => t.name),
    TO_K6 ? k6() : null,
  );
}

/** Whether the figures go to the CLI as console lines (--stream-stats). */
export const streaming = STREAM;

/** Prints this VU's changes, if any. */
export function report(): void {
  if (!STREAM || changed.length === 0) return;
  const d: SeriesChange[] = [];
  const def: SeriesDefinition[] = [];
  for (const s of changed) s.takeInto(d, def);
  changed.length = 0;
  const message: StatsRecord = def.length > 0 ? { vu: exec.vu.idInTest, def, d } : { vu: exec.vu.idInTest, d };
  writeRecord('stats', message);
}

/**
 * Reports when its interval (paceReports) has passed since the last report, or from `finalFromMs`
 * (epoch ms) on. A VU's first report is offset within the interval by reportPhase.
 */
export function reportIfDue(finalFromMs: number): void {
  if (!STREAM || changed.length === 0) return;
  const now = Date.now();
  if (lastReportMs === 0) lastReportMs = now - reportEveryMs * reportPhase(exec.vu.idInTest);
  if (now - lastReportMs < reportEveryMs && now < finalFromMs) return;
  lastReportMs = now;
  report();
}

/**
 * Before an iteration's requests: from `finalFromMs` on, what the VU holds from before the final
 * window goes now, once. An iteration that k6 cuts at gracefulStop (longer than the request
 * timeout and 5 s: retries, a journey) then loses its own figures only.
 */
export function reportBacklog(finalFromMs: number): void {
  if (!STREAM || changed.length === 0 || lastReportMs >= finalFromMs) return;
  const now = Date.now();
  if (now < finalFromMs) return;
  lastReportMs = now;
  report();
}
