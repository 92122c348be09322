import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildK6Options } from '../../lib/k6-options';
import { readRunSettings } from '../../lib/run-settings';

test('RPM becomes a constant arrival rate per minute with one VU per session', () => {
  const o = buildK6Options(readRunSettings({ CONFIG: 'c', RPM: '600', DURATION: '20', CONCURRENCY: '30', INSECURE: '1' }, 'env')) as any;
  assert.deepEqual(
    { ...o.scenarios.load, gracefulStop: undefined },
    { executor: 'constant-arrival-rate', rate: 600, timeUnit: '1m', duration: '20s', preAllocatedVUs: 30, maxVUs: 30, gracefulStop: undefined },
  );
  assert.equal(o.insecureSkipTLSVerify, true);
  assert.equal(o.noCookiesReset, true, 'sessions survive iterations');
  assert.ok(!o.systemTags.includes('url'), 'no time series per rendered URL');
  assert.ok(o.summaryTrendStats.includes('p(99)'));
  assert.ok('moodle_reqs{outcome:success}' in o.thresholds);
});
