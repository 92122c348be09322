import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSummary, K6Metrics, SummaryInput } from '../../lib/summary';

const PREDECESSOR_KEYS = ['elapsed_sec', 'total', 'success', 'failures', 'req_per_min_observed', 'latency_ms_p50', 'latency_ms_p95', 'latency_ms_p99'];

const metrics: K6Metrics = {
  'moodle_reqs{outcome:success}': { values: { count: 590 } },
  'moodle_reqs{outcome:failure}': { values: { count: 10 } },
  'moodle_failures{reason:session_lost}': { values: { count: 4 } },
  'moodle_failures{reason:http_5xx}': { values: { count: 6 } },
  'moodle_req_duration{outcome:success}': { values: { 'p(50)': 120.004, 'p(95)': 380.456, 'p(99)': 640, avg: 150, max: 900 } },
  'moodle_relogins{outcome:success}': { values: { count: 4 } },
  dropped_iterations: { values: { count: 3 } },
};

const input: SummaryInput = {
  metrics,
  targetRpm: 600,
  durationSec: 60,
  concurrency: 30,
  seed: 12,
  login: { attempted: 30, loggedIn: 29, seconds: 1.234, failedUsers: [{ username: 'bad', sessions: 1, reason: 'invalid login' }] },
  loadStartMs: 1_000_000,
  nowMs: 1_060_000,
};

test('the predecessor\'s eight keys come first, in its order', () => {
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
  assert.deepEqual(s.sessions, { logged_in: 29, attempted: 30, login_sec: 1.23, failed_users: [{ username: 'bad', sessions: 1, reason: 'invalid login' }] });
  assert.equal(s.failure_reasons.session_lost, 4);
  assert.equal(s.failure_reasons.http_5xx, 6);
  assert.equal(s.failure_reasons.timeout, 0);
  assert.deepEqual(s.relogins, { success: 4, failure: 0 });
  assert.equal(s.seed, 12);
  assert.equal(s.stopped_early, false);
});

test('a run stopped early says so; a run that never started has zeros and null latencies', () => {
  assert.equal(buildSummary({ ...input, nowMs: 1_030_000 }).stopped_early, true);
  const empty = buildSummary({ ...input, metrics: {}, login: undefined, loadStartMs: undefined });
  assert.equal(empty.total, 0);
  assert.equal(empty.req_per_min_observed, 0);
  assert.equal(empty.latency_ms_p95, null);
  assert.deepEqual(empty.sessions, { logged_in: 0, attempted: 30, login_sec: null, failed_users: [] });
  assert.equal(empty.stopped_early, true);
});
