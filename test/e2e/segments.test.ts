// One test split across local k6 instances with execution segments: their combined rate is the
// target, and together they send exactly what the simulator served.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { CLI, servedLoad, start, tempDir, writeConfig } from '../helpers/e2e';

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

test('2 instances with execution segments: combined rate = target, combined total = served', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, stdout, stderr } = await start(
    process.execPath,
    [CLI, 'segments', '--instances', '2', '--config', writeConfig(dir, sim), '--rpm', '1200', '--duration', '6', '--concurrency', '6'],
    { timeoutMs: 50_000 },
  ).done;
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout);
  assert.equal(r.total, servedLoad(sim));
  assert.ok(Math.abs(r.req_per_min_observed / 1200 - 1) < 0.02, `combined ${r.req_per_min_observed} rpm`);
  assert.deepEqual(
    r.per_instance.map((i: { execution_segment: string }) => i.execution_segment),
    ['0:1/2', '1/2:1'],
  );
  for (const i of r.per_instance) {
    assert.equal(i.instance_target_rpm, 600);
    assert.ok(Math.abs(i.total - r.total / 2) <= 2, `an even split: ${i.total} of ${r.total}`);
  }
  assert.equal(sim.stats().maxConcurrentPerSession, 1, 'each instance logs in its own sessions');
});
