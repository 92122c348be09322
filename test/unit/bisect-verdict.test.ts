import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Baseline, DEFAULT_LIMITS, evidenceFromLog, judge, RunEvidence, skipReason } from '../../analysis/bisect-verdict';
import { uniform } from '../../lib/random';
import type { RequestLogRecord } from '../../lib/request-log';
import type { Summary } from '../../lib/summary';

// Runs shaped like the real site's (../shared/moodle/README.md): DB reads spread -3..+3 around a
// per-endpoint centre, writes 0..3, a page whose median sits between 32 and 33 so that it flips
// from run to run, and a latency level that moves between runs.
const N = 60;
const draw = (seed: number, i: number, k: number) => uniform(seed, i, k);
function spread(seed: number, k: number, centre: number, width: number): number[] {
  return Array.from({ length: N }, (_, i) => centre + Math.round((draw(seed, i, k) - 0.5) * 2 * width));
}
interface Shape {
  courseReads?: number;
  courseMs?: number;
  pageMs?: number;
  /** Fraction of page requests reading 33 instead of 32. */
  pageHigh?: number;
}
function run(seed: number, s: Shape = {}): RunEvidence {
  const course = {
    latency_ms: spread(seed, 0, s.courseMs ?? 80, 15),
    server_ms: spread(seed, 1, s.courseMs ?? 60, 10),
    db_reads: spread(seed, 2, s.courseReads ?? 33, 3),
    db_writes: spread(seed, 3, 1, 1),
  };
  const pageReads = Array.from(
    { length: N },
    (_, i) => (draw(seed, i, 4) < (s.pageHigh ?? 0.5) ? 33 : 32) + (draw(seed, i, 5) < 0.1 ? 4 : 0),
  );
  const page = {
    latency_ms: spread(seed, 6, s.pageMs ?? 70, 15),
    server_ms: spread(seed, 7, s.pageMs ?? 50, 10),
    db_reads: pageReads,
    db_writes: spread(seed, 8, 1, 1),
  };
  return { endpoints: { course, page } };
}
const ok = { total: 120, failures: 0, dropped_iterations: 0, latency_ms_p95: 100 } as Summary;
const baseline: Baseline = {
  format: 'moodle-load-baseline/2',
  seed: 1,
  vus: 4,
  summaries: [ok, ok, ok],
  runs: [run(1, { pageHigh: 0.4 }), run(2, { pageHigh: 0.6 }), run(3, { pageMs: 54 })],
};
const figure = (v: ReturnType<typeof judge>, endpoint: string, name: string) =>
  v.figures.find((f) => f.endpoint === endpoint && f.figure === name);

test("unchanged code is good, also when the page median flips between 32 and 33 and the level drifts within the baseline's spread", () => {
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    const v = judge(baseline, [run(seed, { pageHigh: seed % 2 ? 0.35 : 0.65, pageMs: 52 })], DEFAULT_LIMITS);
    assert.equal(v.kind, 'good', `seed ${seed}: ${v.reasons.join('\n')}`);
  }
  assert.equal(
    figure(judge(baseline, [run(11)], DEFAULT_LIMITS), 'page', 'db_reads')?.floor,
    1,
    'the page median moved by 1 within the baseline: that is the floor',
  );
});

test('+2 DB reads on every course request: confirmed by a second run, then bad with the effect and its evidence', () => {
  const first = judge(baseline, [run(21, { courseReads: 35 })], DEFAULT_LIMITS);
  assert.equal(first.kind, 'inconclusive', 'one run is not enough to call it bad');
  const v = judge(baseline, [run(21, { courseReads: 35 }), run(22, { courseReads: 35 })], DEFAULT_LIMITS);
  assert.equal(v.kind, 'bad', v.reasons.join('\n'));
  const f = figure(v, 'course', 'db_reads');
  assert.equal(f?.state, 'bad');
  assert.equal(f?.old, 33);
  assert.equal(f?.difference, 2);
  assert.ok((f?.p as number) < 1e-6);
  assert.deepEqual(
    v.figures.filter((x) => x.state === 'bad').map((x) => `${x.endpoint} ${x.figure}`),
    ['course db_reads'],
    'nothing else is blamed',
  );
  assert.match(
    v.reasons[0] as string,
    /^course: db_reads 33 -> 35 \(\+2, p=.*; per run \+2\* \+2\*\): 2 of 2 run\(s\) above the threshold: above leads by 2/,
  );
});

test('+1 DB read on an endpoint whose baseline runs agree is found; on the page whose median flips it is within the floor', () => {
  const course = judge(baseline, [run(31, { courseReads: 34 }), run(32, { courseReads: 34 })], DEFAULT_LIMITS);
  assert.equal(course.kind, 'bad', course.reasons.join('\n'));
  assert.equal(figure(course, 'course', 'db_reads')?.difference, 1);
  const page = judge(baseline, [run(33, { pageHigh: 1 }), run(34, { pageHigh: 1 })], DEFAULT_LIMITS);
  assert.equal(figure(page, 'page', 'db_reads')?.state, 'good', 'a page at 33 every time: within the floor of 1');
});

test('a one-off: a single request with 11 more reads decides nothing', () => {
  const r = run(41);
  (r.endpoints.course as { db_reads: number[] }).db_reads[5] = 44;
  assert.equal(judge(baseline, [r], DEFAULT_LIMITS).kind, 'good');
});

test('time: a slowdown over the floor in every run is bad; within it good; split runs inconclusive', () => {
  // Baseline server medians: course 60, 60, 60; page 50, 50, 54 (floor 4) -> threshold max(5 ms, 10%) = 6 and 5.
  const slow = judge(baseline, [run(51, { courseMs: 85 }), run(52, { courseMs: 85 })], DEFAULT_LIMITS);
  assert.equal(slow.kind, 'bad', slow.reasons.join('\n'));
  const f = figure(slow, 'course', 'server_ms');
  assert.equal(f?.state, 'bad');
  assert.ok((f?.difference as number) >= 20 && (f?.difference as number) <= 30, `difference ${f?.difference}`);
  assert.equal(f?.threshold, 6);
  assert.deepEqual(
    slow.figures.filter((x) => x.state === 'bad').map((x) => `${x.endpoint} ${x.figure}`),
    ['course server_ms'],
  );
  assert.equal(judge(baseline, [run(53, { courseMs: 64 })], DEFAULT_LIMITS).kind, 'good', '+4 ms is under 10% and the floor');
  const split = judge(baseline, [run(54, { courseMs: 85 }), run(55)], DEFAULT_LIMITS);
  assert.equal(split.kind, 'inconclusive');
  assert.match(split.reasons[0] as string, /1 of 2 run\(s\) above the threshold: neither more below than above/);
  // The floor: the baseline's page medians spread over 4 ms; a 9% rise of the run median on a 50 ms page stays under 10%.
  assert.equal(judge(baseline, [run(56, { pageMs: 54 }), run(57, { pageMs: 54 })], DEFAULT_LIMITS).kind, 'good');
});

test('client latency when asked, or when the footer is missing', () => {
  const noFooter = (r: RunEvidence): RunEvidence => ({
    endpoints: Object.fromEntries(Object.entries(r.endpoints).map(([k, e]) => [k, { ...e, server_ms: [] }])),
  });
  const v = judge({ ...baseline, runs: baseline.runs.map(noFooter) }, [noFooter(run(61))], DEFAULT_LIMITS);
  assert.ok(v.figures.some((f) => f.figure === 'latency_ms') && !v.figures.some((f) => f.figure === 'server_ms'));
  assert.ok(judge(baseline, [run(61)], { ...DEFAULT_LIMITS, timeSource: 'client' }).figures.some((f) => f.figure === 'latency_ms'));
});

test('too few requests: not judged, and with nothing judged the answer is inconclusive', () => {
  const tiny: RunEvidence = { endpoints: { course: { latency_ms: [1, 2], server_ms: [1, 2], db_reads: [33, 33], db_writes: [1, 1] } } };
  const v = judge(baseline, [tiny], DEFAULT_LIMITS);
  assert.equal(v.kind, 'inconclusive');
  assert.ok(v.figures.every((f) => f.state === 'not judged'));
});

test('skip only for what is not the code: unreachable, no session, failures; dropped iterations are not a reason', () => {
  const codes = { siteUnreachable: 6, noSession: 3 };
  assert.equal(skipReason(6, undefined, DEFAULT_LIMITS, codes), 'the site was unreachable');
  assert.equal(skipReason(3, undefined, DEFAULT_LIMITS, codes), 'no session logged in');
  assert.match(skipReason(0, { ...ok, failures: 7 }, DEFAULT_LIMITS, codes) as string, /5\.8% of requests failed \(limit 5%\)/);
  assert.equal(skipReason(0, { ...ok, dropped_iterations: 30 }, DEFAULT_LIMITS, codes), null);
});

test('evidence: successful load attempts only, per endpoint', () => {
  const r = (over: Partial<RequestLogRecord>): RequestLogRecord => ({
    t: 0,
    phase: 'load',
    endpoint: 'e',
    path: '/p',
    status: 200,
    latency_ms: 5,
    outcome: 'success',
    reason: '',
    attempt: 0,
    vu: 1,
    iteration: 0,
    db_reads: 10,
    db_writes: 1,
    server_ms: 3,
    ...over,
  });
  const ev = evidenceFromLog([
    r({}),
    r({ phase: 'warmup', iteration: 1 }),
    r({ outcome: 'failure', iteration: 2, latency_ms: 1 }),
    r({ iteration: 3, latency_ms: 7, db_reads: null, db_writes: null, server_ms: null }),
  ]);
  assert.deepEqual(ev.endpoints, { e: { latency_ms: [5, 7], server_ms: [3], db_reads: [10], db_writes: [1] } });
});

test('runs are counted as a walk: one noisy run is outvoted, a regression that lifts most runs is bad, alternation stays open', () => {
  const slow = (seed: number) => run(seed, { courseMs: 85 });
  const even = (seed: number) => run(seed);
  const kind = (runs: RunEvidence[]) => judge(baseline, runs, DEFAULT_LIMITS).kind;
  // Unchanged code with one slow run first: a second run evens it, a third outvotes it.
  assert.equal(kind([slow(71)]), 'inconclusive');
  assert.equal(kind([slow(71), even(72)]), 'inconclusive');
  assert.equal(kind([slow(71), even(72), even(73)]), 'good');
  // A regression missing one run: above leads by 2 after four runs.
  assert.equal(kind([slow(74), even(75), slow(76)]), 'inconclusive');
  assert.equal(kind([slow(74), even(75), slow(76), slow(77)]), 'bad');
  // Alternating runs never decide: the caller's repeat cap answers 125.
  assert.equal(kind([slow(78), even(79), slow(80), even(81), slow(82)]), 'inconclusive');
  const f = figure(judge(baseline, [slow(71), even(72), even(73)], DEFAULT_LIMITS), 'course', 'server_ms');
  assert.deepEqual(
    f?.runs.map((r) => r.above),
    [true, false, false],
  );
  assert.match(f?.rule, /^1 of 3 run\(s\) above the threshold: more below than above/);
});

// Five endpoints, time only, for the machine's drift: every endpoint of a run moves together.
const SITE_MS = { course: 92, dashboard: 79, forum: 103, page: 62, profile: 65 };
function siteRun(seed: number, drift = 0, slower: Partial<Record<keyof typeof SITE_MS, number>> = {}): RunEvidence {
  const endpoints: RunEvidence['endpoints'] = {};
  Object.entries(SITE_MS).forEach(([e, ms], k) => {
    const level = ms * (1 + drift) + (slower[e as keyof typeof SITE_MS] ?? 0);
    const server_ms = spread(seed, 10 + k, level, 8);
    endpoints[e] = { latency_ms: server_ms.map((v) => v + 5), server_ms, db_reads: [], db_writes: [] };
  });
  return { endpoints };
}
const siteBaseline: Baseline = {
  format: 'moodle-load-baseline/2',
  seed: 1,
  vus: 5,
  summaries: [ok, ok, ok],
  runs: [siteRun(1), siteRun(2, 0.01), siteRun(3, -0.01)],
};

test('time: a drift every endpoint shares is the machine and the site, not the code (unchanged code measured +7..+13%, and +20..+36% on a fresh site)', () => {
  for (const [a, b] of [
    [0.11, 0.11],
    [0.2, 0.36],
    [0.29, 0.32],
  ] as const) {
    const v = judge(siteBaseline, [siteRun(91, a), siteRun(92, b)], DEFAULT_LIMITS);
    assert.equal(v.kind, 'good', `drift ${a}, ${b}: ${v.reasons.join('\n')}`);
    const forum = figure(v, 'forum', 'server_ms');
    assert.ok((forum?.runs[0]?.difference as number) > (forum?.threshold as number), 'the raw difference alone would have been above');
    assert.ok(Math.abs((forum?.runs[0]?.drift_pct as number) - a * 100) <= 2, `drift ${forum?.runs[0]?.drift_pct}`);
    assert.equal(figure(v, '(all endpoints)', 'server_ms')?.state, 'good', `${a}, ${b} is under 5 x --min-effect-pct`);
  }
});

test('time: one endpoint +25 ms stands out of the others, with or without a shared drift', () => {
  for (const drift of [0, 0.1, -0.05, 0.3]) {
    const v = judge(siteBaseline, [siteRun(93, drift, { page: 25 }), siteRun(94, drift, { page: 25 })], DEFAULT_LIMITS);
    assert.equal(v.kind, 'bad', `drift ${drift}: ${v.reasons.join('\n')}`);
    assert.deepEqual(
      v.figures.filter((f) => f.state === 'bad').map((f) => `${f.endpoint} ${f.figure}`),
      ['page server_ms'],
      `drift ${drift}`,
    );
    const excess = figure(v, 'page', 'server_ms')?.runs.map((r) => r.excess as number) ?? [];
    assert.ok(
      excess.every((x) => x >= 20 && x <= 30),
      `drift ${drift}: excess ${excess}`,
    );
  }
});

test('time: every endpoint 60% slower is found by the figure for all endpoints together', () => {
  const v = judge(siteBaseline, [siteRun(95, 0.6), siteRun(96, 0.6)], DEFAULT_LIMITS);
  assert.equal(v.kind, 'bad', v.reasons.join('\n'));
  assert.deepEqual(
    v.figures.filter((f) => f.state === 'bad').map((f) => f.endpoint),
    ['(all endpoints)'],
  );
  assert.match(v.reasons[0] as string, /^\(all endpoints\): server_ms 0% -> (59|60)(\.\d)?% .*exceeds 50%/);
});
