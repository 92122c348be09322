import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildK6Options } from '../../lib/k6-options';
import { loginDelaySec, loginWindowSec } from '../../lib/run-phases';
import { readRunSettings } from '../../lib/run-settings';

test('RPM becomes a constant arrival rate per minute with one VU per session', () => {
  const o = buildK6Options(
    readRunSettings({ CONFIG: 'c', RPM: '600', DURATION: '20', CONCURRENCY: '30', INSECURE: '1' }, 'env'),
    ['/my/'],
    2,
  ) as any;
  // 30 VUs log in in rounds of 20 (the default --login-concurrency) at 0 and 1 s, then 5 s of grace.
  assert.deepEqual(
    { ...o.scenarios.load, gracefulStop: undefined },
    {
      executor: 'constant-arrival-rate',
      rate: 600,
      timeUnit: '1m',
      duration: '20s',
      preAllocatedVUs: 30,
      maxVUs: 30,
      startTime: '6s',
      gracefulStop: undefined,
    },
  );
  assert.equal(o.scenarios.warmup, undefined);
  assert.equal(o.insecureSkipTLSVerify, true);
  assert.equal(o.noCookiesReset, true, 'sessions survive iterations');
  assert.ok(!o.systemTags.includes('url'), 'no time series per rendered URL');
  assert.ok(o.summaryTrendStats.includes('p(99)'));
  assert.ok('moodle_reqs{outcome:success}' in o.thresholds);
  assert.ok('moodle_req_duration{endpoint:/my/,outcome:success}' in o.thresholds, 'per-endpoint latency');
  assert.ok('dropped_iterations{scenario:load}' in o.thresholds);
});

test('--warmup ramps from zero to the rate, then the timed phase starts', () => {
  const o = buildK6Options(readRunSettings({ CONFIG: 'c', RPM: '600', DURATION: '20', WARMUP: '10' }, 'env'), [], 1) as any;
  assert.deepEqual(o.scenarios.warmup.stages, [{ duration: '10s', target: 600 }]);
  assert.equal(o.scenarios.warmup.executor, 'ramping-arrival-rate');
  assert.equal(o.scenarios.warmup.startRate, 0);
  assert.equal(o.scenarios.warmup.startTime, '5s', 'after the login phase');
  assert.equal(o.scenarios.load.startTime, '15s');
});

test('the login phase: one iteration per VU in its own scenario, rounds of --login-concurrency VUs a second, then the load', () => {
  const settings = readRunSettings(
    { CONFIG: 'c', RPM: '600', DURATION: '20', CONCURRENCY: '250', LOGIN_TIMEOUT: '3', LOGIN_CONCURRENCY: '100' },
    'env',
  );
  const o = buildK6Options(settings, ['/my/'], 1000) as any;
  assert.deepEqual(o.scenarios.login, {
    executor: 'per-vu-iterations',
    exec: 'login',
    vus: 250,
    iterations: 1,
    maxDuration: '5s',
    gracefulStop: '0s',
  });
  assert.equal(loginWindowSec(settings), 2 + 3, 'rounds start at 0, 1 and 2 s; the last gets --login-timeout (3 s, under the 5 s cap)');
  assert.deepEqual(
    [1, 100, 101, 200, 201, 250].map((vu) => loginDelaySec(vu, settings.loginConcurrency)),
    [0, 0, 1, 1, 2, 2],
  );
  assert.equal(o.scenarios.load.startTime, '5s');
  // Failed logins are counted per user index for the users VUs log in with (250 of 1000).
  assert.ok('moodle_login_failures{user:249}' in o.thresholds && !('moodle_login_failures{user:250}' in o.thresholds));
  assert.ok('moodle_login_sessions{outcome:success}' in o.thresholds);
});
