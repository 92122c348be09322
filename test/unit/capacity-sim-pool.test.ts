// The simulator's worker pool (maxChildren), which the capacity search's tests load past its limit:
// at most W requests served at once, the others queued first come first served.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSimulator } from '../../sim/server';
import { WorkerPool } from '../../sim/worker-pool';

test('a pool of 2 runs two at once and hands workers over in arrival order', async () => {
  const pool = new WorkerPool(2);
  const order: number[] = [];
  const releases = await Promise.all([pool.take(), pool.take()]);
  const waiting = [3, 4, 5].map((n) => pool.take().then((release) => (order.push(n), release)));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([pool.running, pool.queued, pool.waits, pool.maxQueued], [2, 3, 3, 3]);
  releases[0]();
  releases[0](); // a second release of the same worker frees nothing more
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [3]);
  releases[1]();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [3, 4]);
  assert.equal(pool.running, 2);
  for (const release of await Promise.all(waiting.slice(0, 2))) release();
  for (const release of await Promise.all(waiting.slice(2))) release();
  assert.deepEqual([pool.running, pool.queued], [0, 0]);
  assert.throws(() => new WorkerPool(0), /at least one worker/);
});

/** Milliseconds until each of `n` requests sent at once is answered. */
async function answerTimes(url: string, n: number): Promise<number[]> {
  const t0 = performance.now();
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await fetch(`${url}/login/index.php`);
      await res.arrayBuffer();
      return performance.now() - t0;
    }),
  );
}

test('with maxChildren 2 and 100 ms per request, 6 requests at once end in three waves; without a pool in one', async () => {
  const latency = { baseLatency: { medianMs: 100, sigma: 0 }, exact: true };
  const pooled = await startSimulator({ ...latency, maxChildren: 2 });
  const free = await startSimulator(latency);
  try {
    // The first request of a simulator reads its pages and opens the connection: not timed.
    await answerTimes(pooled.url, 1);
    await answerTimes(free.url, 1);
    pooled.resetStats();
    const times = (await answerTimes(pooled.url, 6)).sort((a, b) => a - b);
    // Waves end at 100, 200 and 300 ms: never sooner (the pool's rule), later by the rendering, the client and a busy machine.
    for (const [i, t] of times.entries()) {
      const wave = Math.floor(i / 2) + 1;
      assert.ok(t >= wave * 100 - 5 && t < wave * 100 + 150, `request ${i + 1} took ${t.toFixed(0)} ms, expected wave ${wave}`);
    }
    const stats = pooled.stats();
    assert.deepEqual(stats.workers, { size: 2, waits: 4, maxQueued: 4 });
    pooled.resetStats();
    assert.deepEqual(pooled.stats().workers, { size: 2, waits: 0, maxQueued: 0 });
    const unpooled = await answerTimes(free.url, 6);
    assert.ok(Math.max(...unpooled) < 200, `without a pool: ${unpooled.map((t) => t.toFixed(0)).join(', ')} ms`);
    assert.equal(free.stats().workers, null);
  } finally {
    await pooled.close();
    await free.close();
  }
});
