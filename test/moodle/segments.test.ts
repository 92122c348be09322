// One test split across k6 instances on the real site (make segments, and the k6-operator's
// runners as local processes), merged into one summary: what nginx served, per endpoint, and the
// merged p95 against nginx's own request times.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, TestContext } from 'node:test';
import { CLI, start, tempDir } from '../helpers/e2e';
import { runOperatorRunners } from '../helpers/k6-operator';
import { startPrometheus } from '../helpers/prometheus';
import { k6Percentile } from '../helpers/reference-stats';
import { accessLogMark, accessLogSince, isLoad, pathOnly, writeSiteConfig } from './site';

interface Merged {
  total: number;
  failures: number;
  latency_ms_p95: number;
  merged: { instances: number };
  endpoints: Record<string, { path: string; total: number }>;
}

/** The merged summary against nginx's entries since `mark`: the same requests per endpoint, failures, and p95. */
function assertNginxAgrees(t: TestContext, merged: Merged, mark: number, label: string): void {
  const load = accessLogSince(mark).filter(isLoad);
  assert.equal(load.length, merged.total, 'nginx served the merged total, no more, no less');
  assert.ok(merged.total >= 110, `${merged.total} requests`);
  assert.equal(load.filter((e) => e.status !== 200).length, merged.failures);
  for (const [name, e] of Object.entries(merged.endpoints))
    assert.equal(load.filter((l) => pathOnly(l.uri) === pathOnly(e.path)).length, e.total, `${name}: requests`);
  const nginxP95 = k6Percentile(
    load.filter((e) => e.status === 200).map((e) => e.request_time * 1000),
    0.95,
  );
  t.diagnostic(`${label}: merged p95 ${merged.latency_ms_p95} ms, nginx p95 ${nginxP95.toFixed(1)} ms, ${merged.total} requests`);
  // k6 times from its send to the last byte; nginx from the request's first byte to its log line, in ms steps.
  assert.ok(Math.abs(merged.latency_ms_p95 - nginxP95) <= 0.1 * nginxP95 + 10, `p95 ${merged.latency_ms_p95} vs nginx ${nginxP95}`);
}

const LOAD = ['--rpm', '240', '--duration', '30', '--concurrency', '8'];

test(
  'make segments N=2 on the real site: the merged summary = what nginx served, per endpoint; p95 agrees with nginx',
  { timeout: 180_000 },
  async (t) => {
    const dir = tempDir();
    const mark = accessLogMark();
    const mergedPath = join(dir, 'merged.json');
    const args = [CLI, 'segments', '--instances', '2', '--config', writeSiteConfig(), ...LOAD, '--summary', mergedPath];
    const run = await start(process.execPath, args, { timeoutMs: 150_000 }).done;
    assert.equal(run.code, 0, run.stderr.slice(-3000));
    assert.equal(readFileSync(mergedPath, 'utf8'), run.stdout);
    const merged = JSON.parse(run.stdout) as Merged;
    assert.equal(merged.merged.instances, 2);
    assertNginxAgrees(t, merged, mark, '2 instances');

    // The instances' own summaries, beside the merged one, merge again into the same.
    const files = [1, 2].map((i) => join(dir, `merged-instance-${i}.json`));
    for (const f of files) assert.ok(JSON.parse(readFileSync(f, 'utf8')).mergeable, `${f} has its mergeable part`);
    const again = await start(process.execPath, [CLI, 'merge', ...files], { timeoutMs: 20_000 }).done;
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), merged);
  },
);

test(
  "the k6-operator's runners on the real site (its arguments and environment): their logs merge into what nginx served",
  { timeout: 180_000 },
  async (t) => {
    const dir = tempDir();
    const config = writeSiteConfig();
    const prom = await startPrometheus();
    try {
      const mark = accessLogMark();
      const env = { CONFIG: config, RPM: '240', DURATION: '30', CONCURRENCY: '8', SEED: '29' };
      const { parallelism, logs } = await runOperatorRunners(
        dir,
        { ...env, K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write` },
        150_000,
      );
      const merge = await start(process.execPath, [CLI, 'merge', '--config', config, ...logs], { timeoutMs: 30_000 }).done;
      assert.equal(merge.code, 0, merge.stderr);
      const merged = JSON.parse(merge.stdout) as Merged;
      assert.equal(merged.merged.instances, parallelism);
      assertNginxAgrees(t, merged, mark, `${parallelism} runners`);
    } finally {
      await prom.stop();
    }
  },
);
