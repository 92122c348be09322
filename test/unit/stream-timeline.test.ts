// The streamed report's figures over time (analysis/stream-timeline.ts): VU reports fed with the
// time the CLI received them land in the window of that time; each window's counts and latency
// percentiles are checked against the raw samples, kept here and sorted (k6's definition, rank
// p * (n - 1) interpolated), within the histograms' 0.5%.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_WINDOWS, StreamTimeline, windowSecFor } from '../../analysis/stream-timeline';
import { DURATION, FAILURES, LOAD_METRICS, REQUESTS, WARMUP_METRICS } from '../../lib/metric-names';
import type { SeriesDelta, StatsReport } from '../../lib/stats-stream';
import { PERCENTILE_RELATIVE_ERROR } from '../../lib/stats-stream';
import { k6Percentile, prng } from '../helpers/reference-stats';

const START_MS = 1_800_000_000_000;

test('the window is 10 s up to an hour, then the narrowest round width that keeps at most 360 windows', () => {
  assert.equal(windowSecFor(5), 10);
  assert.equal(windowSecFor(3600), 10);
  assert.equal(windowSecFor(3601), 15);
  assert.equal(windowSecFor(7200), 20);
  assert.equal(windowSecFor(8 * 3600), 120);
  assert.equal(windowSecFor(24 * 3600), 300);
  assert.equal(windowSecFor(30 * 24 * 3600), 2 * 3600);
  for (const d of [1, 59, 3599, 3601, 5400, 10_801, 86_399, 1_000_000, 40_000_000]) {
    const w = windowSecFor(d);
    assert.ok(Math.ceil(d / w) <= MAX_WINDOWS, `${d} s in windows of ${w} s`);
  }
});

interface Expected {
  success: number;
  failure: number;
  latencies: number[];
}

/** Reports as VUs send them: load requests and durations by endpoint and outcome, with figures the timeline must leave out. */
function reportAt(rand: () => number, expected: Expected): StatsReport {
  const series: SeriesDelta[] = [];
  for (const endpoint of ['/my/', '/course/view.php?id={courseid}']) {
    const ok = Math.floor(rand() * 6);
    const failed = rand() < 0.3 ? 1 + Math.floor(rand() * 2) : 0;
    // Latencies over three decades, some whole milliseconds (kept exactly), as k6's timings are.
    const samples = Array.from({ length: ok }, () => (rand() < 0.2 ? Math.round(2 + rand() * 50) : 1 + 900 * rand() ** 4));
    expected.success += ok;
    expected.failure += failed;
    expected.latencies.push(...samples);
    const success = { endpoint, outcome: 'success' };
    const failure = { endpoint, outcome: 'failure' };
    series.push(
      { m: REQUESTS, t: success, k: 'counter', n: ok },
      { m: DURATION, t: success, k: 'trend', n: samples.length, s: samples },
      { m: REQUESTS, t: failure, k: 'counter', n: failed },
      // A failed attempt's duration is not the summary's latency, nor the window's.
      { m: DURATION, t: failure, k: 'trend', n: failed, s: Array.from({ length: failed }, () => 5000) },
      { m: FAILURES, t: { endpoint, reason: 'not_enrolled' }, k: 'counter', n: failed },
      // Warm-up figures are no load figure.
      { m: WARMUP_METRICS.requests, t: success, k: 'counter', n: 3 },
      { m: WARMUP_METRICS.duration, t: success, k: 'trend', n: 1, s: [9999] },
    );
  }
  return { vu: 1 + Math.floor(rand() * 20), series };
}

function near(actual: number, exact: number, label: string): void {
  assert.ok(Math.abs(actual - exact) <= exact * PERCENTILE_RELATIVE_ERROR + 1e-9, `${label}: ${actual} vs exact ${exact}`);
}

test('a report counts in the window it was received in; counts exact, p50/p95/p99 within 0.5% of the raw samples', () => {
  const rand = prng(11);
  const timeline = new StreamTimeline(60);
  timeline.startAt(START_MS);
  assert.equal(timeline.windowSec, 10);
  const expected: Expected[] = Array.from({ length: 6 }, () => ({ success: 0, failure: 0, latencies: [] }));
  // 20 VUs reporting about once a second for 60 s; a report 0.3 s before the start (clocks) and
  // the last ones up to 1.5 s after the end count in the first and last windows.
  for (let ms = -300; ms < 61_500; ms += 50) {
    const index = Math.min(5, Math.max(0, Math.floor(ms / 10_000)));
    timeline.accept(reportAt(rand, expected[index] as Expected), START_MS + ms);
  }
  const windows = timeline.figures(60);
  assert.deepEqual(
    windows.map((w) => [w.startSec, w.spanSec]),
    [0, 10, 20, 30, 40, 50].map((s) => [s, 10]),
  );
  windows.forEach((w, i) => {
    const e = expected[i] as Expected;
    assert.equal(w.success, e.success, `window ${i} succeeded`);
    assert.equal(w.failure, e.failure, `window ${i} failed`);
    assert.ok(w.latency !== null);
    assert.equal(w.latency.count, e.latencies.length, `window ${i} timed`);
    near(w.latency.p50, k6Percentile(e.latencies, 0.5), `window ${i} p50`);
    near(w.latency.p95, k6Percentile(e.latencies, 0.95), `window ${i} p95`);
    near(w.latency.p99, k6Percentile(e.latencies, 0.99), `window ${i} p99`);
  });
  const total = (f: (e: Expected) => number) => expected.reduce((sum, e) => sum + f(e), 0);
  assert.equal(
    windows.reduce((sum, w) => sum + w.success + w.failure, 0),
    total((e) => e.success + e.failure),
  );
});

test('a run stopped early: windows up to the stop, the last one covering what ran of it; empty windows kept as zeros', () => {
  const timeline = new StreamTimeline(120);
  timeline.startAt(START_MS);
  const one = (n: number, ms: number): StatsReport => ({
    vu: 1,
    series: [
      { m: LOAD_METRICS.requests, t: { endpoint: 'e', outcome: 'success' }, k: 'counter', n },
      { m: LOAD_METRICS.duration, t: { endpoint: 'e', outcome: 'success' }, k: 'trend', n: 1, s: [ms] },
    ],
  });
  timeline.accept(one(4, 12.5), START_MS + 3_000);
  timeline.accept(one(6, 40), START_MS + 24_000);
  const windows = timeline.figures(24.5);
  assert.deepEqual(
    windows.map((w) => [w.startSec, w.spanSec, w.success, w.failure, w.latency?.count ?? 0]),
    [
      [0, 10, 4, 0, 1],
      [10, 10, 0, 0, 0],
      [20, 4.5, 6, 0, 1],
    ],
  );
  assert.equal(windows[1]?.latency, null);
  // One sample: every percentile is that sample (never beyond the samples' min and max).
  assert.deepEqual(windows[0]?.latency, { count: 1, p50: 12.5, p95: 12.5, p99: 12.5 });
  assert.deepEqual(new StreamTimeline(60).figures(0), []);
});

test('without the setup record, the first load report starts the clock (11 s after it is the second window); reports with no load figure are ignored', () => {
  const timeline = new StreamTimeline(60);
  timeline.accept({ vu: 1, series: [{ m: WARMUP_METRICS.requests, t: { outcome: 'success' }, k: 'counter', n: 5 }] }, START_MS);
  timeline.accept({ vu: 1, series: [{ m: REQUESTS, t: { outcome: 'success' }, k: 'counter', n: 2 }] }, START_MS + 7_000);
  timeline.accept({ vu: 2, series: [{ m: REQUESTS, t: { outcome: 'failure' }, k: 'counter', n: 1 }] }, START_MS + 18_000);
  assert.deepEqual(
    timeline.figures(20).map((w) => [w.startSec, w.success, w.failure]),
    [
      [0, 2, 0],
      [10, 0, 1],
    ],
  );
});

test('memory stays bounded: however late reports come, there are never more windows than the duration holds', () => {
  const timeline = new StreamTimeline(3600);
  timeline.startAt(START_MS);
  for (let s = 0; s < 10 * 3600; s += 7)
    timeline.accept({ vu: 1, series: [{ m: REQUESTS, t: { outcome: 'success' }, k: 'counter', n: 1 }] }, START_MS + s * 1000);
  const windows = timeline.figures(3600);
  assert.equal(windows.length, MAX_WINDOWS);
  assert.equal(windows[MAX_WINDOWS - 1]?.spanSec, 10);
  assert.equal(
    windows.reduce((sum, w) => sum + w.success, 0),
    Math.ceil((10 * 3600) / 7),
  );
});
