import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Baseline, DEFAULT_LIMITS, evidenceFromLog, judge, mergeEvidence, RunEvidence, skipReason } from '../../analysis/bisect-verdict';
import { uniform } from '../../lib/random';
import type { RequestLogRecord } from '../../lib/request-log';
import type { Summary } from '../../lib/summary';

const ok = { total: 100, failures: 0, dropped_iterations: 0 } as Summary;
const latencies = (seed: number, median: number, n = 200) => Array.from({ length: n }, (_, i) => median * (0.9 + 0.2 * uniform(seed, i, 0)));
const evidence = (seed: number, median: number, reads = 34): RunEvidence => ({ latencies: { course: latencies(seed, median) }, db: { '0': ['course', '/course/view.php?id=2', reads, 2], '1': ['course', '/course/view.php?id=9', reads, 2] } });
const baseline: Baseline = { format: 'moodle-load-baseline/1', seed: 1, summaries: [ok], ...mergeEvidence([evidence(1, 50), evidence(2, 50)]) };

test('the same site is good; a slower one is bad; more DB reads is bad', () => {
  assert.equal(judge(baseline, [{ exitCode: 0, summary: ok, evidence: evidence(3, 50) }], DEFAULT_LIMITS).kind, 'good');
  const slow = judge(baseline, [{ exitCode: 0, summary: ok, evidence: evidence(3, 60) }], DEFAULT_LIMITS);
  assert.equal(slow.kind, 'bad');
  assert.match(slow.reasons[0] as string, /^course: slower, median .* Mann-Whitney p=/);
  const reads = judge(baseline, [{ exitCode: 0, summary: ok, evidence: evidence(3, 50, 35) }], DEFAULT_LIMITS);
  assert.equal(reads.kind, 'bad');
  assert.match(reads.reasons[0] as string, /DB reads\/writes 34\/2 -> 35\/2 for \/course\/view\.php\?id=2 \(iteration 0\)/);
});

test('a significant but tiny slowdown is not a regression (minimum effect, relative and absolute)', () => {
  const tiny: Baseline = { ...baseline, ...mergeEvidence([{ latencies: { course: latencies(1, 1) }, db: {} }]) };
  // +30% of 1 ms is significant and over 10%, but under the 2 ms floor.
  assert.equal(judge(tiny, [{ exitCode: 0, summary: ok, evidence: { latencies: { course: latencies(3, 1.3) }, db: {} } }], DEFAULT_LIMITS).kind, 'good');
  assert.equal(judge(baseline, [{ exitCode: 0, summary: ok, evidence: evidence(3, 53) }], DEFAULT_LIMITS).kind, 'good', '+6% is under 10%');
});

test('skip: unreachable, no session, too many failures or dropped iterations', () => {
  assert.equal(skipReason(6, undefined, DEFAULT_LIMITS), 'the site was unreachable');
  assert.equal(skipReason(3, undefined, DEFAULT_LIMITS), 'no session logged in');
  assert.match(skipReason(0, { ...ok, failures: 6 }, DEFAULT_LIMITS) as string, /6\.0% of requests failed \(limit 5%\)/);
  assert.match(skipReason(0, { ...ok, dropped_iterations: 2 }, DEFAULT_LIMITS) as string, /dropped 2 iterations .* raise --concurrency/);
  assert.equal(skipReason(0, ok, DEFAULT_LIMITS), null);
  const v = judge(baseline, [{ exitCode: 6, summary: undefined, evidence: { latencies: {}, db: {} } }], DEFAULT_LIMITS);
  assert.deepEqual(v, { kind: 'skip', reasons: ['run 1: the site was unreachable'] });
});

test('evidence: successful load attempts only; DB counters by iteration', () => {
  const r = (over: Partial<RequestLogRecord>): RequestLogRecord => ({ t: 0, phase: 'load', endpoint: 'e', path: '/p', status: 200, latency_ms: 5, outcome: 'success', reason: '', attempt: 0, vu: 1, iteration: 0, db_reads: 10, db_writes: 1, server_ms: 3, ...over });
  const ev = evidenceFromLog([r({}), r({ phase: 'warmup', iteration: 1 }), r({ outcome: 'failure', iteration: 2, latency_ms: 1 }), r({ iteration: 3, latency_ms: 7, db_reads: null })]);
  assert.deepEqual(ev.latencies, { e: [5, 7] });
  assert.deepEqual(ev.db, { '0': ['e', '/p', 10, 1] });
});
