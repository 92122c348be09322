// The capacity search's pure parts: the steps, a step's figures from its summary, and the verdict at
// and around each limit. References are worked out by hand in each test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeStep, MAX_STEPS, stepFigures, stepLoads, stepValues, type CapacityLimits } from '../../analysis/capacity-verdict';
import { fakeSummary } from '../helpers/capacity-fixtures';
import { throwsMessage } from '../helpers/assert';

test('steps: start, start + step, ... up to max, and max itself when the steps miss it', () => {
  assert.deepEqual(stepValues(100, 100, 500), [100, 200, 300, 400, 500]);
  assert.deepEqual(stepValues(100, 150, 500), [100, 250, 400, 500]);
  assert.deepEqual(stepValues(5, 1, 5), [5]);
  assert.deepEqual(stepValues(10, 1000, 20), [10, 20]);
  assert.equal(stepValues(1, 1, MAX_STEPS).length, MAX_STEPS);
  throwsMessage(
    () => stepValues(1, 1, MAX_STEPS + 1),
    new RegExp(`^--step 1 makes ${MAX_STEPS + 1} steps from 1 to ${MAX_STEPS + 1}; at most ${MAX_STEPS}$`),
  );
  throwsMessage(() => stepValues(500, 100, 400), /^--max \(400\) must be at least --start \(500\)$/);
});

test("each step's load: --by users gives min(users, --concurrency) VUs; --by rpm keeps the VUs and users", () => {
  assert.deepEqual(stepLoads('users', [10, 20, 50], { concurrency: 20, users: undefined, rpm: 0 }), [
    { value: 10, users: 10, vus: 10, rpm: 0 },
    { value: 20, users: 20, vus: 20, rpm: 0 },
    { value: 50, users: 50, vus: 20, rpm: 0 },
  ]);
  assert.deepEqual(stepLoads('rpm', [600, 1200], { concurrency: 30, users: undefined, rpm: 600 }), [
    { value: 600, users: 30, vus: 30, rpm: 600 },
    { value: 1200, users: 30, vus: 30, rpm: 1200 },
  ]);
  assert.equal(stepLoads('rpm', [600], { concurrency: 30, users: 90, rpm: 600 })[0]?.users, 90);
});

test("a step's figures: the worst endpoint is the highest p95; failure and dropped shares from the counts", () => {
  const f = stepFigures(
    fakeSummary({
      total: 190,
      failures: 19,
      dropped: 10,
      rpmObserved: 1140,
      p95: 240,
      endpoints: {
        '/my/': { total: 100, p95: 200 },
        '/course/view.php': { total: 80, p95: 450 },
        '/none/': { total: 10, failures: 10, p95: null },
      },
    }),
  );
  assert.equal(f.worst_endpoint, '/course/view.php');
  assert.equal(f.worst_p95_ms, 450);
  assert.equal(f.failure_pct, 10); // 19 of 190
  assert.equal(f.dropped_pct, 5); // 10 of 10 + 190 due
  assert.equal(f.rps, 19); // 1140 / 60
  assert.deepEqual(f.endpoints['/none/'], { requests: 10, failures: 10, p50_ms: null, p95_ms: null, p99_ms: null });
  const none = stepFigures(fakeSummary({ total: 0, endpoints: {} }));
  assert.deepEqual([none.worst_endpoint, none.worst_p95_ms, none.failure_pct, none.dropped_pct], [null, null, 0, 0]);
});

const LIMITS: CapacityLimits = { maxP95Ms: 500, maxFailurePct: 1, maxDroppedPct: 1 };

function judge(spec: Parameters<typeof fakeSummary>[0], limits: CapacityLimits = LIMITS) {
  return judgeStep(stepFigures(fakeSummary(spec)), limits);
}

test('p95: at the limit holds, above it on any one endpoint breaks, even when the overall p95 is below', () => {
  const at = judge({ total: 200, p95: 300, endpoints: { a: { total: 100, p95: 500 }, b: { total: 100, p95: 120 } } });
  assert.deepEqual(at, { verdict: 'held', broke_on: [], reasons: [] });
  const above = judge({ total: 200, p95: 300, endpoints: { a: { total: 100, p95: 500.01 }, b: { total: 100, p95: 120 } } });
  assert.deepEqual(above.broke_on, ['p95_ms']);
  assert.deepEqual(above.reasons, ['p95 above 500 ms on 1 endpoint: a 500 ms']);
  const two = judge({ total: 200, p95: 900, endpoints: { a: { total: 100, p95: 600 }, b: { total: 100, p95: 1234 } } });
  assert.deepEqual(two.reasons, ['p95 above 500 ms on 2 endpoints: b 1234 ms, a 600 ms'], 'the worst first');
  // An endpoint without a successful request has no p95: its failures are the failure limit's.
  assert.equal(judge({ total: 100, p95: 100, endpoints: { a: { total: 100, p95: 100 }, b: { total: 0, p95: null } } }).verdict, 'held');
  assert.equal(judge({ total: 100, endpoints: { a: { total: 100, p95: 9999 } } }, { ...LIMITS, maxP95Ms: undefined }).verdict, 'held');
});

test('failures: 1 of 100 at a 1 % limit holds, 2 of 100 breaks; no failure limit, no check', () => {
  const endpoints = { a: { total: 100, p95: 10 } };
  assert.equal(judge({ total: 100, failures: 1, endpoints }).verdict, 'held');
  const broke = judge({ total: 100, failures: 2, endpoints });
  assert.deepEqual(broke, { verdict: 'broke', broke_on: ['failure_pct'], reasons: ['failures 2.0 % (2 of 100) above 1 %'] });
  assert.equal(judge({ total: 100, failures: 50, endpoints }, { ...LIMITS, maxFailurePct: undefined }).verdict, 'held');
  assert.deepEqual(judge({ total: 100, failures: 1, endpoints }, { ...LIMITS, maxFailurePct: 0 }).broke_on, ['failure_pct']);
});

test('dropped: 1 of 100 due (1 %) holds at 1 %, 2 of 100 breaks; at 0 % one dropped iteration breaks', () => {
  const endpoints = { a: { total: 99, p95: 10 } };
  assert.equal(judge({ total: 99, dropped: 1, endpoints }).verdict, 'held');
  const broke = judge({ total: 98, dropped: 2, endpoints: { a: { total: 98, p95: 10 } } });
  assert.deepEqual(broke.broke_on, ['dropped_pct']);
  assert.deepEqual(broke.reasons, ['dropped iterations 2.0 % (2) above 1 %']);
  assert.deepEqual(judge({ total: 999, dropped: 1, endpoints }, { ...LIMITS, maxDroppedPct: 0 }).broke_on, ['dropped_pct']);
});

test('every broken limit is listed, in order; a step without a request breaks', () => {
  const all = judge({ total: 90, failures: 9, dropped: 10, p95: 800, endpoints: { a: { total: 90, p95: 800 } } });
  assert.deepEqual(all.broke_on, ['p95_ms', 'failure_pct', 'dropped_pct']);
  assert.equal(all.reasons.length, 3);
  assert.deepEqual(judge({ total: 0, endpoints: {} }), {
    verdict: 'broke',
    broke_on: ['requests'],
    reasons: ['no request was made in the load phase'],
  });
});
