import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSummary, K6Metrics, SummaryInput } from '../../lib/summary';

const PREDECESSOR_KEYS = [
  'elapsed_sec',
  'total',
  'success',
  'failures',
  'req_per_min_observed',
  'latency_ms_p50',
  'latency_ms_p95',
  'latency_ms_p99',
];

const metrics: K6Metrics = {
  'moodle_reqs{outcome:success}': { values: { count: 590 } },
  'moodle_reqs{outcome:failure}': { values: { count: 10 } },
  'moodle_failures{reason:session_lost}': { values: { count: 4 } },
  'moodle_failures{reason:http_5xx}': { values: { count: 6 } },
  'moodle_req_duration{outcome:success}': { values: { 'p(50)': 120.004, 'p(95)': 380.456, 'p(99)': 640, avg: 150, max: 900, count: 590 } },
  'moodle_req_duration{endpoint:course,outcome:success}': { values: { 'p(50)': 0, 'p(95)': 0, 'p(99)': 0, count: 0 } },
  'moodle_relogins{outcome:success}': { values: { count: 4 } },
  'moodle_reqs{endpoint:/my/,outcome:success}': { values: { count: 290 } },
  'moodle_reqs{endpoint:/my/,outcome:failure}': { values: { count: 10 } },
  'moodle_failures{endpoint:/my/,reason:http_5xx}': { values: { count: 6 } },
  'moodle_retries{endpoint:/my/}': { values: { count: 5 } },
  'moodle_req_duration{endpoint:/my/,outcome:success}': { values: { 'p(50)': 100, 'p(95)': 200, 'p(99)': 300, count: 290 } },
  moodle_retries: { values: { count: 12 } },
  'dropped_iterations{scenario:load}': { values: { count: 3 } },
  dropped_iterations: { values: { count: 5 } },
  moodle_load_end: { values: { value: 1_059_990, min: 1_059_100, max: 1_060_000 } },
};

const input: SummaryInput = {
  metrics,
  endpoints: [
    { name: '/my/', path: '/my/', weight: 1 },
    { name: 'course', path: '/course/view.php?id={courseid}', weight: 3 },
  ],
  targetRpm: 600,
  durationSec: 60,
  warmupSec: 0,
  retries: 2,
  concurrency: 30,
  seed: 12,
  login: { attempted: 30, loggedIn: 29, seconds: 1.234, failedUsers: [{ username: 'bad', sessions: 1, reason: 'invalid login' }] },
  loadStartMs: 1_000_000,
  nowMs: 1_060_000,
};

test('the eight keys existing scripts read come first, in their order', () => {
  const s = buildSummary(input);
  assert.deepEqual(Object.keys(s).slice(0, 8), PREDECESSOR_KEYS);
  assert.equal(s.elapsed_sec, 60);
  assert.equal(s.total, 600);
  assert.equal(s.success, 590);
  assert.equal(s.failures, 10);
  assert.equal(s.req_per_min_observed, 600);
  assert.equal(s.latency_ms_p50, 120);
  assert.equal(s.latency_ms_p95, 380.46);
  assert.equal(s.latency_ms_p99, 640);
});

test('then target, dropped iterations, sessions, reasons and the seed', () => {
  const s = buildSummary(input);
  assert.equal(s.target_rpm, 600);
  assert.equal(s.dropped_iterations, 3);
  assert.deepEqual(s.sessions, {
    logged_in: 29,
    attempted: 30,
    login_sec: 1.23,
    failed_users: [{ username: 'bad', sessions: 1, reason: 'invalid login' }],
  });
  assert.equal(s.failure_reasons.session_lost, 4);
  assert.equal(s.failure_reasons.http_5xx, 6);
  assert.equal(s.failure_reasons.timeout, 0);
  assert.deepEqual(s.relogins, { success: 4, failure: 0 });
  assert.equal(s.seed, 12);
  assert.equal(s.stopped_early, false);
  assert.equal(s.attempts, 612);
  assert.equal(s.retries, 12);
  assert.equal(s.warnings.length, 3);
  assert.match(s.warnings[0] as string, /dropped 3 iterations because all 30 VUs were busy: raise --concurrency/);
  assert.match(s.warnings[2] as string, /no Moodle performance footer .*'MDL_PERF_TEST'/);
  assert.equal(s.server, null);
});

test('server-side figures from the performance footer, overall and per endpoint', () => {
  const withFooter: K6Metrics = {
    ...metrics,
    moodle_server_time: { values: { avg: 60, 'p(95)': 90, count: 590 } },
    moodle_db_reads: { values: { avg: 31.5, count: 590 } },
    'moodle_server_time{endpoint:/my/}': { values: { avg: 50, 'p(95)': 70, count: 290 } },
    'moodle_db_reads{endpoint:/my/}': { values: { avg: 40, count: 290 } },
    'moodle_db_writes{endpoint:/my/}': { values: { avg: 1, count: 290 } },
  };
  const s = buildSummary({ ...input, metrics: withFooter });
  assert.equal(s.server?.requests, 590);
  assert.equal(s.server?.time_ms_p95, 90);
  assert.equal(s.server?.db_reads_mean, 31.5);
  assert.equal(s.endpoints['/my/']?.server?.db_reads_mean, 40);
  assert.equal(s.endpoints['/my/']?.server?.db_writes_mean, 1);
  assert.equal(s.endpoints.course?.server, null);
  assert.ok(!s.warnings.some((w) => /performance footer/.test(w)));
});

test('per endpoint: counts, reasons, attempts, rate and latency; endpoints with no data are zeros', () => {
  const s = buildSummary(input);
  assert.deepEqual(Object.keys(s.endpoints), ['/my/', 'course']);
  const my = s.endpoints['/my/']!;
  assert.equal(my.total, 300);
  assert.equal(my.success, 290);
  assert.equal(my.failure_reasons.http_5xx, 6);
  assert.equal(my.attempts, 305);
  assert.equal(my.req_per_min_observed, 300);
  assert.deepEqual([my.latency_ms_p50, my.latency_ms_p95, my.latency_ms_p99], [100, 200, 300]);
  assert.equal(s.endpoints.course!.total, 0);
  assert.equal(s.endpoints.course!.latency_ms_p95, null, 'k6 reports an empty trend as 0: that is no figure, not 0 ms');
  assert.equal(s.endpoints.course!.path, '/course/view.php?id={courseid}');
});

test('elapsed is the scheduled window, or up to the last load request (moodle_load_end), not when the summary is built', () => {
  assert.equal(buildSummary({ ...input, nowMs: 1_060_500 }).elapsed_sec, 60);
  const late = { ...metrics, moodle_load_end: { values: { max: 1_060_250 } } };
  assert.equal(buildSummary({ ...input, metrics: late, nowMs: 1_060_500 }).elapsed_sec, 60.25);
  const early = { ...metrics, moodle_load_end: { values: { max: 1_059_950 } } };
  assert.equal(
    buildSummary({ ...input, metrics: early, nowMs: 1_060_500 }).elapsed_sec,
    60,
    'the last request started before the window closed',
  );
  const { moodle_load_end, ...noEnd } = metrics;
  assert.equal(buildSummary({ ...input, metrics: noEnd, nowMs: 1_060_500 }).elapsed_sec, 60.5);
});

test('a run stopped early says so; a run that never started has zeros and null latencies', () => {
  const { moodle_load_end, ...noEnd } = metrics;
  assert.equal(buildSummary({ ...input, metrics: noEnd, nowMs: 1_030_000 }).stopped_early, true);
  const empty = buildSummary({ ...input, metrics: {}, login: undefined, loadStartMs: undefined });
  assert.equal(empty.total, 0);
  assert.equal(empty.req_per_min_observed, 0);
  assert.equal(empty.latency_ms_p95, null);
  assert.deepEqual(empty.sessions, { logged_in: 0, attempted: 30, login_sec: null, failed_users: [] });
  assert.equal(empty.stopped_early, true);
});
