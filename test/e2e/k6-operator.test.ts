// The k6-operator without Kubernetes: N plain k6 processes started with exactly the command line
// and environment the operator gives its runner pods for deploy/k6-operator/testrun.yaml
// (test/helpers/k6-operator.ts says where in its source), resumed as its starter resumes them,
// then `moodle-load merge --config` of their logs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { CLI, LOAD_PAGES, requestRecordsInLog, servedLoad, start, tempDir, writeConfig } from '../helpers/e2e';
import { runOperatorRunners } from '../helpers/k6-operator';
import { Prometheus, startPrometheus } from '../helpers/prometheus';
import { k6Percentile } from '../helpers/reference-stats';

let sim: Simulator;
let prom: Prometheus;
before(async () => {
  sim = await startSimulator({ baseLatency: { medianMs: 20, sigma: 0.5 } });
  prom = await startPrometheus();
});
after(async () => {
  await sim?.close();
  await prom?.stop();
});

test(
  "k6-operator's runners (its exact arguments and environment): their logs merge into one summary; counts = served, percentiles = the pooled request logs'",
  { timeout: 150_000 },
  async () => {
    const dir = tempDir();
    const config = writeConfig(dir, sim);
    // The TestRun as a user edits it for this site, plus the request log, to check the percentiles against.
    const { parallelism, logs } = await runOperatorRunners(
      dir,
      {
        CONFIG: config,
        RPM: '2400',
        DURATION: '12',
        CONCURRENCY: '16',
        SEED: '4242',
        K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write`,
        REQUEST_LOG: '1',
      },
      120_000,
    );

    const merge = await start(process.execPath, [CLI, 'merge', '--config', config, ...logs], { timeoutMs: 30_000 }).done;
    assert.equal(merge.code, 0, merge.stderr);
    const merged = JSON.parse(merge.stdout);
    assert.equal(merged.merged.instances, parallelism);
    assert.equal(merged.total, servedLoad(sim));
    assert.ok(merged.total >= 470, `${merged.total} requests`);
    for (const page of LOAD_PAGES) {
      const name = Object.keys(merged.endpoints).find((e) => e.startsWith(page)) as string;
      assert.equal(merged.endpoints[name].total, sim.stats().pages[page], page);
    }
    assert.equal(merged.dropped_iterations, 0);
    assert.equal(merged.sessions.logged_in, 16);
    assert.equal(sim.stats().maxConcurrentPerSession, 1, 'each runner logs in its own sessions');

    // Every successful load attempt of every runner, from the request records in their logs.
    const rows = logs.flatMap((path) => requestRecordsInLog(readFileSync(path, 'utf8')));
    const ok = rows.filter((r) => r.phase === 'load' && r.outcome === 'success');
    assert.equal(ok.length, merged.success);
    for (const [key, p] of [
      ['latency_ms_p50', 0.5],
      ['latency_ms_p95', 0.95],
      ['latency_ms_p99', 0.99],
    ] as const) {
      const exact = k6Percentile(
        ok.map((r) => r.latency_ms),
        p,
      );
      // The histograms' 0.5%, the summary's rounding to 0.01 and the log's to 0.001.
      assert.ok(Math.abs(merged[key] - exact) <= exact * 0.005 + 0.011, `${key}: merged ${merged[key]} vs pooled logs ${exact}`);
    }

    // The runners' series in Prometheus, apart by instance_id as the operator tags them.
    const series = await prom.query('count by (instance_id) (k6_moodle_req_duration_seconds{outcome="success"})');
    assert.deepEqual(
      series.map((r) => r.metric.instance_id).sort(),
      Array.from({ length: parallelism }, (_, i) => String(i + 1)),
    );
    const count = await prom.query('sum(histogram_count(k6_moodle_req_duration_seconds{outcome="success"}))');
    assert.equal(Number(count[0]?.value[1]), merged.success);
  },
);
