import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparisonTable, compareSummaries, IncomparableError } from '../../analysis/compare';
import type { EndpointSummary, Summary } from '../../lib/summary';

function endpoint(p95: number, failures = 0, dbReads: number | null = 34, dbReadsMean = dbReads): EndpointSummary {
  return {
    path: '/course/view.php?id={courseid}',
    weight: 1,
    total: 100,
    success: 100 - failures,
    failures,
    failure_reasons: {} as EndpointSummary['failure_reasons'],
    attempts: 100,
    req_per_min_observed: 600,
    latency_ms_p50: p95 / 2,
    latency_ms_p95: p95,
    latency_ms_p99: p95 * 1.5,
    server:
      dbReads === null
        ? null
        : {
            requests: 100,
            time_ms_mean: 40,
            time_ms_p95: 60,
            db_reads_mean: dbReadsMean ?? 0,
            db_writes_mean: 2,
            db_reads_median: dbReads,
            db_writes_median: 2,
            db_time_ms_mean: 5,
            ram_peak_mb_mean: 8,
            included_files_mean: 620,
            session_wait_ms_mean: 0,
          },
  };
}

function summary(e: EndpointSummary, change: Partial<Summary> = {}): Summary {
  return {
    total: e.total,
    failures: e.failures,
    req_per_min_observed: 600,
    latency_ms_p50: e.latency_ms_p50,
    latency_ms_p95: e.latency_ms_p95,
    latency_ms_p99: e.latency_ms_p99,
    server: e.server,
    target_rpm: 600,
    duration_sec: 60,
    endpoints: { course: e },
    ...change,
  } as Summary;
}

test('the same figures: no regression, every figure listed per endpoint and overall', () => {
  const c = compareSummaries(summary(endpoint(100)), summary(endpoint(105)));
  assert.equal(c.regressions.length, 0);
  const p95 = c.rows.find((r) => r.scope === 'course' && r.figure === 'p95 ms');
  assert.deepEqual(p95, { scope: 'course', figure: 'p95 ms', old: 100, new: 105, changePct: 5, regression: null });
  assert.ok(c.rows.some((r) => r.scope === 'all' && r.figure === 'server db_reads'));
  assert.match(comparisonTable(c), /no regression$/);
});

test("defaults: p95 +10%, an endpoint's median DB reads up by more than 2, failure rate +1 point", () => {
  const slower = compareSummaries(summary(endpoint(100)), summary(endpoint(111)));
  assert.deepEqual(
    slower.regressions.map((r) => `${r.scope} ${r.figure}`),
    ['all p95 ms', 'course p95 ms'],
  );
  // +2 on the median is within what two runs of the same code showed on a real Moodle without a restore between them.
  assert.equal(compareSummaries(summary(endpoint(100)), summary(endpoint(100, 0, 36))).regressions.length, 0);
  const reads = compareSummaries(summary(endpoint(100)), summary(endpoint(100, 0, 37)));
  assert.deepEqual(
    reads.regressions.map((r) => `${r.scope} ${r.figure} ${r.regression}`),
    ['course server db_reads_median DB reads up by more than 2'],
  );
  // The mean alone (a few cold-cache requests) is shown, never judged.
  assert.equal(compareSummaries(summary(endpoint(100)), summary(endpoint(100, 0, 34, 39))).regressions.length, 0);
  const failing = compareSummaries(summary(endpoint(100, 1)), summary(endpoint(100, 3)));
  assert.equal(failing.regressions.length, 2);
  assert.match(comparisonTable(failing), /REGRESSION: failure rate up by more than 1 points/);
});

test('thresholds are options', () => {
  assert.equal(
    compareSummaries(summary(endpoint(100)), summary(endpoint(111)), { p95IncreasePct: 20, dbReadsIncrease: 0, failureRateIncreasePts: 1 })
      .regressions.length,
    0,
  );
  assert.equal(
    compareSummaries(summary(endpoint(100)), summary(endpoint(100, 0, 35)), {
      p95IncreasePct: 10,
      dbReadsIncrease: 0,
      failureRateIncreasePts: 1,
    }).regressions.length,
    1,
  );
});

test('runs with different rate, duration or URL set are refused', () => {
  const base = summary(endpoint(100));
  assert.throws(
    () => compareSummaries(base, summary(endpoint(100), { target_rpm: 1200 })),
    (e: Error) => e instanceof IncomparableError && /target rates differ \(600 and 1200 rpm\)/.test(e.message),
  );
  assert.throws(() => compareSummaries(base, summary(endpoint(100), { duration_sec: 30 })), /durations differ/);
  assert.throws(() => compareSummaries(base, summary(endpoint(100), { endpoints: { other: endpoint(100) } })), /URL sets differ/);
});
