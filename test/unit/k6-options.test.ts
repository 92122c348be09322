import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildK6Options } from '../../lib/k6-options';
import { readRunSettings } from '../../lib/run-settings';

test('RPM becomes a constant arrival rate per minute with one VU per session', () => {
  const o = buildK6Options(readRunSettings({ CONFIG: 'c', RPM: '600', DURATION: '20', CONCURRENCY: '30', INSECURE: '1' }, 'env'), ['/my/']) as any;
  assert.deepEqual(
    { ...o.scenarios.load, gracefulStop: undefined },
    { executor: 'constant-arrival-rate', rate: 600, timeUnit: '1m', duration: '20s', preAllocatedVUs: 30, maxVUs: 30, startTime: '0s', gracefulStop: undefined },
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
  const o = buildK6Options(readRunSettings({ CONFIG: 'c', RPM: '600', DURATION: '20', WARMUP: '10' }, 'env'), []) as any;
  assert.deepEqual(o.scenarios.warmup.stages, [{ duration: '10s', target: 600 }]);
  assert.equal(o.scenarios.warmup.executor, 'ramping-arrival-rate');
  assert.equal(o.scenarios.warmup.startRate, 0);
  assert.equal(o.scenarios.load.startTime, '10s');
});
