// --stream-stats: the VUs' reports (lib/stats-stream.ts) merged by the CLI's StreamCollector
// (analysis/stream-stats.ts) give the figures k6 would have given: counts, sums, min and max
// exactly, trend percentiles by k6's definition (exact for whole numbers, within 0.5%
// otherwise), submetrics by tag subset, the last gauge value by time; and the schedule's count
// of iterations (cli/streamed-summary.ts). Reports are built by hand as the VU side
// (scenarios/k6/vu-stats.ts, StreamedMetric.add and Series.take) builds them; every reference value is computed
// here from the raw samples, not by the code under test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSelector, StreamCollector } from '../../analysis/stream-stats';
import { dueIterations, scheduledIterations } from '../../analysis/streamed-schedule';
import { ChannelError } from '../../lib/channel';
import {
  column,
  RECORDS_PER_SEC,
  reportEverySec,
  reportPhase,
  StatsEncoder,
  type SeriesDelta,
  type StatsRecord,
  type StatsReport,
} from '../../lib/stats-stream';
import { k6Percentile, prng } from '../helpers/reference-stats';

type Tags = Record<string, string>;

/** Latency-like floats in 0.3..5000 ms: log-normal around ~40 ms, redrawn when out of range. */
function latency(rand: () => number): number {
  for (;;) {
    const u1 = rand() || 1e-12;
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rand());
    const v = Math.exp(Math.log(40) + 1.4 * z);
    if (v >= 0.3 && v <= 5000) return v;
  }
}

interface Reference {
  count: number;
  min: number;
  max: number;
  avg: number;
  med: number;
  p90: number;
  p95: number;
  p99: number;
}

function reference(samples: readonly number[]): Reference {
  const sorted = [...samples].sort((a, b) => a - b);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    avg: sum / sorted.length,
    med: k6Percentile(sorted, 0.5),
    p90: k6Percentile(sorted, 0.9),
    p95: k6Percentile(sorted, 0.95),
    p99: k6Percentile(sorted, 0.99),
  };
}

/** A trend series' delta as Series.take builds it: the samples as they were added. */
function trendDelta(m: string, t: Tags | null, samples: readonly number[]): SeriesDelta {
  return { m, t, k: 'trend', n: samples.length, s: [...samples] };
}

function counterDelta(m: string, t: Tags | null, added: number): SeriesDelta {
  return { m, t, k: 'counter', n: added };
}

/** A gauge series' delta: samples set since the last report, the last one set at `at`. */
function gaugeDelta(m: string, t: Tags | null, samples: readonly number[], at: number): SeriesDelta {
  return { m, t, k: 'gauge', n: samples.length, lo: Math.min(...samples), hi: Math.max(...samples), v: samples[samples.length - 1], at };
}

function report(vu: number, series: SeriesDelta[]): StatsReport {
  return { vu, series };
}

function valuesOf(collector: StreamCollector, selector: string): Record<string, number> {
  const m = collector.metrics([selector])[selector];
  assert.ok(m !== undefined, `${selector}: no values`);
  return m.values;
}

function assertWithin(actual: number | undefined, expected: number, relative: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: missing`);
  const err = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(err <= relative, `${what}: ${actual} vs ${expected} (relative error ${err}, allowed ${relative})`);
}

// 1. Float trends merged from several VUs' reports ----------------------------------------------

const ENDPOINTS = ['course', 'forum', 'quiz'];

interface TaggedSample {
  readonly vu: number;
  readonly tags: Tags;
  readonly value: number;
}

/** 20,000 latency samples over 7 VUs, tagged by endpoint and outcome (~20% failures). */
function latencySamples(): TaggedSample[] {
  const rand = prng(20240611);
  const out: TaggedSample[] = [];
  for (let i = 0; i < 20_000; i++) {
    const vu = 1 + Math.floor(rand() * 7);
    const endpoint = ENDPOINTS[Math.floor(rand() * ENDPOINTS.length)] as string;
    const outcome = rand() < 0.8 ? 'success' : 'failure';
    // A tag object whose keys come in either order, as different code paths may build it.
    const tags: Tags = rand() < 0.5 ? { endpoint, outcome, scenario: 'load' } : { scenario: 'load', outcome, endpoint };
    out.push({ vu, tags, value: latency(rand) });
  }
  return out;
}

const tagKey = (t: Tags) =>
  Object.keys(t)
    .sort()
    .map((k) => `${k}=${t[k]}`)
    .join(',');

/**
 * Each VU reports its samples in chunks (several deltas per VU), one delta per series changed in
 * the chunk; the VUs' reports arrive interleaved.
 */
function reportsOf(samples: readonly TaggedSample[], metric: string, chunks: number): StatsReport[] {
  const perVu = new Map<number, TaggedSample[]>();
  for (const s of samples) {
    const list = perVu.get(s.vu) ?? [];
    list.push(s);
    perVu.set(s.vu, list);
  }
  const queues: StatsReport[][] = [];
  for (const [vu, list] of perVu) {
    const queue: StatsReport[] = [];
    const size = Math.ceil(list.length / chunks);
    for (let from = 0; from < list.length; from += size) {
      const bySeries = new Map<string, { tags: Tags; values: number[] }>();
      for (const s of list.slice(from, from + size)) {
        const key = tagKey(s.tags);
        const entry = bySeries.get(key) ?? { tags: s.tags, values: [] };
        entry.values.push(s.value);
        bySeries.set(key, entry);
      }
      queue.push(
        report(
          vu,
          [...bySeries.values()].map((e) => trendDelta(metric, e.tags, e.values)),
        ),
      );
    }
    queues.push(queue);
  }
  const out: StatsReport[] = [];
  for (let i = 0; queues.some((q) => i < q.length); i++) for (const q of queues) if (i < q.length) out.push(q[i] as StatsReport);
  return out;
}

test("float trend percentiles merged from 7 VUs are within 0.5% of k6's; count, min, max, avg exact", () => {
  const samples = latencySamples();
  const reports = reportsOf(samples, 'moodle_duration', 6);
  assert.equal(new Set(reports.map((r) => r.vu)).size, 7);
  assert.ok(reports.length >= 7 * 6);
  const collector = new StreamCollector();
  for (const r of reports) collector.accept(r);
  assert.equal(collector.reports, reports.length);

  const cases: [string, (t: Tags) => boolean][] = [
    ['moodle_duration', () => true],
    ['moodle_duration{outcome:success}', (t) => t.outcome === 'success'],
    ['moodle_duration{outcome:failure}', (t) => t.outcome === 'failure'],
    ['moodle_duration{endpoint:forum,outcome:success}', (t) => t.endpoint === 'forum' && t.outcome === 'success'],
    ['moodle_duration{scenario:load,endpoint:quiz}', (t) => t.endpoint === 'quiz'],
  ];
  for (const [selector, keep] of cases) {
    const ref = reference(samples.filter((s) => keep(s.tags)).map((s) => s.value));
    assert.ok(ref.count > 500, `${selector}: enough samples (${ref.count})`);
    // The reference percentiles are far apart: a wrong rank could not pass for the right one.
    assert.ok(ref.p90 > ref.med * 1.05 && ref.p95 > ref.p90 * 1.05 && ref.p99 > ref.p95 * 1.05, `${selector}: spread`);
    const v = valuesOf(collector, selector);
    assert.equal(v.count, ref.count, `${selector} count`);
    assert.equal(v.min, ref.min, `${selector} min`);
    assert.equal(v.max, ref.max, `${selector} max`);
    assertWithin(v.avg, ref.avg, 1e-9, `${selector} avg`);
    assertWithin(v.med, ref.med, 0.005, `${selector} med`);
    assertWithin(v['p(50)'], ref.med, 0.005, `${selector} p(50)`);
    assertWithin(v['p(90)'], ref.p90, 0.005, `${selector} p(90)`);
    assertWithin(v['p(95)'], ref.p95, 0.005, `${selector} p(95)`);
    assertWithin(v['p(99)'], ref.p99, 0.005, `${selector} p(99)`);
  }
});

test('the merged result does not depend on how the samples were split into reports', () => {
  const samples = latencySamples();
  const few = new StreamCollector();
  for (const r of reportsOf(samples, 'moodle_duration', 1)) few.accept(r);
  const many = new StreamCollector();
  for (const r of reportsOf(samples, 'moodle_duration', 25).reverse()) many.accept(r);
  const a = valuesOf(few, 'moodle_duration{outcome:success}');
  const b = valuesOf(many, 'moodle_duration{outcome:success}');
  for (const key of ['count', 'min', 'max', 'med', 'p(90)', 'p(95)', 'p(99)']) assert.equal(a[key], b[key], key);
  assertWithin(a.avg, b.avg as number, 1e-9, 'avg');
});

// 2. Whole-number trends are exact --------------------------------------------------------------

test("whole-number trends (DB reads 20..60) give exactly k6's med and percentiles", () => {
  const rand = prng(7);
  const perVu: number[][] = Array.from({ length: 5 }, () => []);
  const all: number[] = [];
  for (let i = 0; i < 3001; i++) {
    const v = 20 + Math.floor(rand() * 41);
    all.push(v);
    (perVu[i % 5] as number[]).push(v);
  }
  const collector = new StreamCollector();
  perVu.forEach((values, i) => {
    collector.accept(report(i + 1, [trendDelta('moodle_db_reads', null, values.slice(0, 200))]));
    collector.accept(report(i + 1, [trendDelta('moodle_db_reads', null, values.slice(200))]));
  });
  const ref = reference(all);
  const v = valuesOf(collector, 'moodle_db_reads');
  assert.equal(v.count, 3001);
  assert.equal(v.min, ref.min);
  assert.equal(v.max, ref.max);
  assertWithin(v.avg, ref.avg, 1e-12, 'avg');
  assert.equal(v.med, ref.med);
  assert.equal(v['p(50)'], ref.med);
  assert.equal(v['p(90)'], ref.p90);
  assert.equal(v['p(95)'], ref.p95);
  assert.equal(v['p(99)'], ref.p99);
});

test('a whole-number median between two different middle ranks is interpolated, as k6 gives it', () => {
  const collector = new StreamCollector();
  // 10 ones and 10 twos over two VUs: rank 0.5 * 19 = 9.5, between a 1 and a 2.
  collector.accept(report(1, [trendDelta('moodle_db_writes', null, [1, 2, 1, 2, 1, 2, 1, 1, 1, 1])]));
  collector.accept(report(2, [trendDelta('moodle_db_writes', null, [2, 2, 2, 2, 2, 1, 2, 2, 1, 1])]));
  const v = valuesOf(collector, 'moodle_db_writes');
  const refW = reference([1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2, 1, 2, 2, 1, 1]);
  assert.equal(refW.med, 1.5);
  assert.equal(v.count, 20);
  assert.equal(v.med, 1.5);
  assert.equal(v.avg, 1.5);
  assert.equal(v.min, 1);
  assert.equal(v.max, 2);
  // p(90): rank 17.1, both twos.
  assert.equal(v['p(90)'], 2);

  // 3 zeros, 1 five, 1 seven: p(90) at rank 3.6 is 5 + 0.6 * 2 = 6.2; p(95) at 3.8 is 6.6.
  const small = new StreamCollector();
  small.accept(report(1, [trendDelta('moodle_included_files', null, [0, 7, 0])]));
  small.accept(report(2, [trendDelta('moodle_included_files', null, [5, 0])]));
  const s = valuesOf(small, 'moodle_included_files');
  const ref = reference([0, 7, 0, 5, 0]);
  assert.equal(s.med, 0);
  assert.equal(s['p(90)'], ref.p90);
  assertWithin(s['p(90)'], 6.2, 1e-12, 'p(90)');
  assert.equal(s['p(95)'], ref.p95);
  assertWithin(s['p(95)'], 6.6, 1e-12, 'p(95)');
});

// 3. Submetric selectors --------------------------------------------------------------------------

test('a submetric selector adds up the series whose tags include its tags', () => {
  const collector = new StreamCollector();
  const a = (outcome: string) => ({ endpoint: 'a', outcome });
  const b = (outcome: string) => ({ endpoint: 'b', outcome });
  collector.accept(
    report(1, [
      counterDelta('moodle_reqs', a('success'), 5),
      counterDelta('moodle_reqs', b('success'), 3),
      counterDelta('moodle_reqs', a('failure'), 1),
    ]),
  );
  // Same series from another VU, its tag keys in the other order.
  collector.accept(
    report(2, [counterDelta('moodle_reqs', { outcome: 'success', endpoint: 'a' }, 4), counterDelta('moodle_reqs', b('failure'), 2)]),
  );
  collector.accept(report(1, [counterDelta('moodle_reqs', b('success'), 10)]));
  // Another metric with the same tags is not counted in.
  collector.accept(report(3, [counterDelta('moodle_other', a('success'), 100)]));

  assert.deepEqual(valuesOf(collector, 'moodle_reqs{outcome:success}'), { count: 5 + 3 + 4 + 10 });
  assert.deepEqual(valuesOf(collector, 'moodle_reqs{endpoint:a,outcome:success}'), { count: 9 });
  assert.deepEqual(valuesOf(collector, 'moodle_reqs{outcome:success,endpoint:a}'), { count: 9 });
  assert.deepEqual(valuesOf(collector, 'moodle_reqs{endpoint:b}'), { count: 15 });
  assert.deepEqual(valuesOf(collector, 'moodle_reqs{outcome:failure}'), { count: 3 });
  assert.deepEqual(valuesOf(collector, 'moodle_reqs'), { count: 25 });
  assert.deepEqual(valuesOf(collector, 'moodle_reqs{endpoint:c,outcome:success}'), { count: 0 });
  assert.deepEqual(valuesOf(collector, 'moodle_reqs{nosuchtag:x}'), { count: 0 });
  assert.deepEqual(valuesOf(collector, 'moodle_reqs{endpoint:a,outcome:timeout}'), { count: 0 });
  // A selector's tag matches a value exactly, not a prefix.
  assert.deepEqual(valuesOf(collector, 'moodle_reqs{outcome:succ}'), { count: 0 });
});

test("a trend submetric holds only its series' samples; none matching gives count 0", () => {
  const collector = new StreamCollector();
  const aSuccess = [12, 15, 11, 19, 14];
  const aFailure = [3000.5];
  const bSuccess = [101.25, 150.5, 120.75];
  collector.accept(
    report(1, [
      trendDelta('moodle_dur', { endpoint: 'a', outcome: 'success' }, aSuccess.slice(0, 2)),
      trendDelta('moodle_dur', { endpoint: 'b', outcome: 'success' }, bSuccess),
    ]),
  );
  collector.accept(
    report(2, [
      trendDelta('moodle_dur', { endpoint: 'a', outcome: 'success' }, aSuccess.slice(2)),
      trendDelta('moodle_dur', { endpoint: 'a', outcome: 'failure' }, aFailure),
    ]),
  );

  const a = valuesOf(collector, 'moodle_dur{endpoint:a,outcome:success}');
  const refA = reference(aSuccess);
  assert.equal(a.count, 5);
  assert.equal(a.min, 11);
  assert.equal(a.max, 19);
  assert.equal(a.med, refA.med);
  assert.equal(a['p(95)'], refA.p95);

  const success = valuesOf(collector, 'moodle_dur{outcome:success}');
  const refS = reference([...aSuccess, ...bSuccess]);
  assert.equal(success.count, 8);
  assert.equal(success.min, 11);
  assert.equal(success.max, 150.5);
  assertWithin(success.avg, refS.avg, 1e-12, 'avg');
  assertWithin(success['p(95)'], refS.p95, 0.005, 'p(95)');

  const all = valuesOf(collector, 'moodle_dur');
  assert.equal(all.count, 9);
  assert.equal(all.max, 3000.5);
  assert.equal(all.min, 11);

  const none = valuesOf(collector, 'moodle_dur{endpoint:zzz}');
  assert.equal(none.count, 0);
});

test('k6Metrics gives every metric seen and the submetrics asked for', () => {
  const collector = new StreamCollector();
  collector.accept(
    report(1, [counterDelta('moodle_reqs', { outcome: 'success' }, 2), trendDelta('moodle_dur', { outcome: 'success' }, [4.5])]),
  );
  collector.accept(
    report(2, [counterDelta('moodle_reqs', { outcome: 'failure' }, 1), gaugeDelta('moodle_load_start', null, [1000], 1000)]),
  );
  assert.deepEqual(collector.metricNames(), ['moodle_dur', 'moodle_load_start', 'moodle_reqs']);
  const m = collector.k6Metrics(['moodle_reqs{outcome:success}', 'moodle_dur{outcome:failure}']);
  assert.deepEqual(Object.keys(m).sort(), [
    'moodle_dur',
    'moodle_dur{outcome:failure}',
    'moodle_load_start',
    'moodle_reqs',
    'moodle_reqs{outcome:success}',
  ]);
  assert.equal(m['moodle_reqs']?.values.count, 3);
  assert.equal(m['moodle_reqs{outcome:success}']?.values.count, 2);
  assert.equal(m['moodle_dur']?.values.count, 1);
  assert.equal(m['moodle_dur']?.values.med, 4.5);
  assert.equal(m['moodle_dur{outcome:failure}']?.values.count, 0);
  assert.equal(m['moodle_load_start']?.values.value, 1000);
});

// 4. Gauges -----------------------------------------------------------------------------------------

function permutations(items: readonly number[]): number[][] {
  if (items.length === 0) return [[]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

test("a gauge's value is the last set across VUs, whatever order the reports come in; min and max over all", () => {
  const deltas = [
    report(1, [gaugeDelta('moodle_vus_busy', null, [4, 9, 5], 1_000)]),
    report(2, [gaugeDelta('moodle_vus_busy', null, [2, 7], 3_000)]), // the last set
    report(3, [gaugeDelta('moodle_vus_busy', null, [1, 12, 6], 2_000)]),
    report(1, [gaugeDelta('moodle_vus_busy', null, [3], 2_500)]),
  ];
  // Every order of the four reports.
  const orders = permutations([0, 1, 2, 3]);
  assert.equal(orders.length, 24);
  for (const order of orders) {
    const collector = new StreamCollector();
    for (const i of order) collector.accept(deltas[i] as StatsReport);
    assert.deepEqual(valuesOf(collector, 'moodle_vus_busy'), { value: 7, min: 1, max: 12 }, `order ${order.join(',')}`);
  }
});

test('a gauge over differently tagged series: the last set among the series the selector takes', () => {
  const reports = [
    report(2, [gaugeDelta('moodle_g', { phase: 'load' }, [50, 40], 5_000)]),
    report(1, [gaugeDelta('moodle_g', { phase: 'warmup' }, [3, 80, 10], 2_000)]),
    report(3, [gaugeDelta('moodle_g', { phase: 'load' }, [-2, 20], 4_000)]),
    report(1, [gaugeDelta('moodle_g', { phase: 'warmup' }, [11], 6_000)]),
  ];
  // Every order of the four reports: which series was seen first must not matter.
  for (const order of permutations([0, 1, 2, 3])) {
    const collector = new StreamCollector();
    for (const i of order) collector.accept(reports[i] as StatsReport);
    const at = `order ${order.join(',')}`;
    assert.deepEqual(valuesOf(collector, 'moodle_g'), { value: 11, min: -2, max: 80 }, at);
    assert.deepEqual(valuesOf(collector, 'moodle_g{phase:load}'), { value: 40, min: -2, max: 50 }, at);
    assert.deepEqual(valuesOf(collector, 'moodle_g{phase:warmup}'), { value: 11, min: 3, max: 80 }, at);
  }
  // The latest value in the series seen first.
  const collector = new StreamCollector();
  collector.accept(report(1, [gaugeDelta('moodle_g', { phase: 'load' }, [7], 9_000)]));
  collector.accept(report(2, [gaugeDelta('moodle_g', { phase: 'warmup' }, [8], 8_000)]));
  assert.deepEqual(valuesOf(collector, 'moodle_g'), { value: 7, min: 7, max: 8 });
});

// 6. scheduledIterations ------------------------------------------------------------------------------

/** Iterations started at 0, 60/rpm, 2*60/rpm, ... before `ms` milliseconds, in whole numbers (exact). */
function bruteForceIterations(rpm: number, ms: number): number {
  let k = 0;
  // k * 60 / rpm s < ms / 1000 s  <=>  k * 60000 < ms * rpm
  while (k * 60_000 < ms * rpm) k++;
  return k;
}

test('scheduledIterations counts the ticks of constant-arrival-rate before the given second', () => {
  assert.equal(scheduledIterations(600, 10), 100);
  assert.equal(scheduledIterations(1000, 1), 17); // 0, 0.06, ..., 0.96
  assert.equal(scheduledIterations(60, 2.5), 3); // 0, 1, 2
  assert.equal(scheduledIterations(60, 2), 2); // 0, 1 (the one at 2 s is not before 2 s)
  assert.equal(scheduledIterations(60, 2.001), 3);
  assert.equal(scheduledIterations(1, 0.001), 1); // the one at 0
  assert.equal(scheduledIterations(600, 0), 0);
  assert.equal(scheduledIterations(600, -3), 0);
});

test('scheduledIterations agrees with a brute-force count of ticks', () => {
  const rand = prng(99);
  for (let i = 0; i < 500; i++) {
    const rpm = 1 + Math.floor(rand() * 6000);
    // Whole milliseconds, a third of them whole seconds (where ticks fall exactly on the end).
    const ms = i % 3 === 0 ? 1000 * Math.floor(rand() * 900) : Math.floor(rand() * 900_000);
    const expected = bruteForceIterations(rpm, ms);
    assert.equal(scheduledIterations(rpm, ms / 1000), expected, `rpm ${rpm}, ${ms} ms`);
  }
});

test('dueIterations: the arrival rate, none in the closed model, one a VU in an exam start; a segment gets its share rounded down', () => {
  const open = { rpm: 600, examWindowSec: 0, concurrency: 20 };
  assert.equal(dueIterations(open, 10, null), 100);
  assert.equal(dueIterations(open, 10, '0:1/3'), 33);
  assert.equal(dueIterations({ ...open, rpm: 0 }, 10, null), 0, 'the closed model (rpm 0)');
  // An exam start's --rpm is not used: each VU runs one iteration, due from the phase's start.
  const exam = { rpm: 600, examWindowSec: 20, concurrency: 7 };
  assert.equal(dueIterations(exam, 0.5, null), 7);
  assert.equal(dueIterations(exam, 100, null), 7);
  assert.equal(dueIterations(exam, 0, null), 0);
  assert.equal(dueIterations(exam, 5, '0:1/2'), 3);
  assert.equal(dueIterations(exam, 5, '1/2:1'), 3);
});

// 7. parseSelector ---------------------------------------------------------------------------------

test('parseSelector reads a metric name and its tags', () => {
  assert.deepEqual(parseSelector('m'), { metric: 'm', tags: {} });
  assert.deepEqual(parseSelector('m{a:b}'), { metric: 'm', tags: { a: 'b' } });
  assert.deepEqual(parseSelector('m{a:b,c:d}'), { metric: 'm', tags: { a: 'b', c: 'd' } });
  assert.deepEqual(parseSelector('moodle_reqs{endpoint:course_view,outcome:success}'), {
    metric: 'moodle_reqs',
    tags: { endpoint: 'course_view', outcome: 'success' },
  });
});

test("column splits a trend group's interleaved samples back into each trend's, in order", () => {
  // Three requests' figures of a group of three trends, as StreamedTrendGroup pushes them.
  const interleaved = [1, 10, 100, 2, 20, 200, 3, 30, 300];
  assert.deepEqual(column(interleaved, 3, 0), [1, 2, 3]);
  assert.deepEqual(column(interleaved, 3, 1), [10, 20, 30]);
  assert.deepEqual(column(interleaved, 3, 2), [100, 200, 300]);
  assert.deepEqual(column([], 3, 1), []);
});

// 5. The wire: series by number, named once per VU -----------------------------------------------

test("records on the wire give the reports back: names only in a VU's first record of a series, VUs' numbers apart", () => {
  const rand = prng(11);
  const reports: StatsReport[] = [];
  for (let i = 0; i < 12; i++) {
    const vu = 1 + (i % 3);
    const ok = { endpoint: i % 2 ? '/my/' : '/course/view.php', outcome: 'success' };
    const series: SeriesDelta[] = [
      counterDelta('moodle_requests', ok, 1 + (i % 2)),
      trendDelta('moodle_duration', ok, [latency(rand), latency(rand)]),
      counterDelta('moodle_load_iterations', null, 2),
    ];
    if (vu === 2) series.push(gaugeDelta('moodle_load_end', null, [1000 + i, 2000 + i], 5000 + i));
    reports.push(report(vu, series));
  }
  const encoders = new Map<number, StatsEncoder>();
  const records = reports.map((r) => {
    if (!encoders.has(r.vu)) encoders.set(r.vu, new StatsEncoder());
    // Through JSON, as k6 writes it and the CLI reads it.
    return JSON.parse(JSON.stringify((encoders.get(r.vu) as StatsEncoder).encode(r))) as StatsRecord;
  });
  // VU 1's first record names its series; its next one (i = 3: other endpoint tags) names only the new ones; i = 6 none.
  assert.deepEqual(
    records[0]?.def?.map((d) => d[1]),
    ['moodle_requests', 'moodle_duration', 'moodle_load_iterations'],
  );
  assert.deepEqual(
    records[3]?.def?.map((d) => d[1]),
    ['moodle_requests', 'moodle_duration'],
  );
  assert.equal(records[6]?.def, undefined);
  const wire = new StreamCollector();
  const decoded = records.map((r) => wire.acceptRecord(r));
  assert.deepEqual(decoded, reports);
  const direct = new StreamCollector();
  for (const r of reports) direct.accept(r);
  const selectors = [
    'moodle_requests',
    'moodle_requests{endpoint:/my/}',
    'moodle_duration',
    'moodle_duration{endpoint:/course/view.php}',
    'moodle_load_iterations',
    'moodle_load_end',
  ];
  assert.deepEqual(wire.metrics(selectors), direct.metrics(selectors));
  assert.deepEqual(wire.toSeries(), direct.toSeries());
  assert.equal(valuesOf(wire, 'moodle_requests').count, 18);
});

test('a record that changes a series no earlier record of its VU named is refused in one line', () => {
  const encoder = new StatsEncoder();
  encoder.encode(report(1, [counterDelta('moodle_requests', null, 1)]));
  // The second record alone: VU 1's names came in the first, which this collector never saw.
  const second = encoder.encode(report(1, [counterDelta('moodle_requests', null, 1)]));
  assert.throws(
    () => new StreamCollector().acceptRecord(second),
    (e: unknown) =>
      e instanceof ChannelError && /VU 1 changes series 0, which no earlier record named/.test(e.message) && !e.message.includes('\n'),
  );
});

test('VUs report each second up to 100 VUs, then less often so that all write about 100 records a second, at most every 5 s', () => {
  const cases: [number, number][] = [
    [1, 1],
    [100, 1],
    [101, 2],
    [200, 2],
    [250, 3],
    [500, 5],
    [1000, 5],
  ];
  for (const [vus, sec] of cases) assert.equal(reportEverySec(vus), sec, `${vus} VUs`);
  for (let vus = 1; vus <= 500; vus++) assert.ok(vus / reportEverySec(vus) <= RECORDS_PER_SEC, `${vus} VUs`);
});

test("VUs' reports are spread over the interval: any tenth of it holds a tenth of the VUs, give or take 2", () => {
  for (const vus of [10, 37, 100, 200, 1000, 5000]) {
    const tenths = new Array<number>(10).fill(0);
    for (let vu = 1; vu <= vus; vu++) {
      const phase = reportPhase(vu);
      assert.ok(phase >= 0 && phase < 1, `VU ${vu}: ${phase}`);
      tenths[Math.floor(phase * 10)] = (tenths[Math.floor(phase * 10)] ?? 0) + 1;
    }
    for (const [i, n] of tenths.entries()) assert.ok(Math.abs(n - vus / 10) <= 2, `${vus} VUs: ${n} in tenth ${i}`);
  }
});
