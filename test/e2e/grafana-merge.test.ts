// A split test's percentiles in Grafana: every k6 instance sends its trends to a real Prometheus
// as native histograms, and the dashboard's "run so far, all instances" panels
// (histogram_quantile over the sum) agree with the merged summary, overall and per endpoint.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { CLI, start, tempDir, writeConfig } from '../helpers/e2e';
import { ROOT } from '../helpers/paths';
import { Prometheus, startPrometheus } from '../helpers/prometheus';

let sim: Simulator;
let prom: Prometheus;
before(async () => {
  // Instances of one test on one machine: their latencies differ, so no one instance's p95 is the whole's.
  sim = await startSimulator({ baseLatency: { medianMs: 30, sigma: 0.5 } });
  prom = await startPrometheus();
});
after(async () => {
  await sim?.close();
  await prom?.stop();
});

interface Target {
  refId: string;
  expr: string;
  legendFormat: string;
}

function panelTargets(title: RegExp): Target[] {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'grafana', 'moodle-load-dashboard.json'), 'utf8'));
  const panel = dashboard.panels.find((p: { title: string }) => title.test(p.title));
  assert.ok(panel, `no panel ${title}`);
  return panel.targets;
}

/** The panel's query at the end of the run, as Grafana sends it for a time range ending now. */
async function evaluate(expr: string): Promise<{ metric: Record<string, string>; ms: number }[]> {
  const rows = await prom.query(expr);
  return rows.map((r) => ({ metric: r.metric, ms: Number(r.value[1]) * 1000 }));
}

/** Asserts the dashboard's figure is within `pct` of the merged summary's, and prints both. */
function within(pct: number, actual: number, expected: number, label: string): void {
  const off = (actual - expected) / expected;
  console.log(`${label}: dashboard ${actual.toFixed(2)} ms, merged summary ${expected} ms (${(off * 100).toFixed(1)}%)`);
  assert.ok(Math.abs(off) <= pct / 100, `${label}: dashboard ${actual.toFixed(2)} ms vs merged summary ${expected} ms`);
}

test(
  "make segments N=2 with --out experimental-prometheus-rw: the dashboard's p50/p95/p99 over all instances = the merged summary's within 2%, per endpoint p95 within 5%",
  { timeout: 120_000 },
  async () => {
    const dir = tempDir();
    const run = await start(
      process.execPath,
      [
        CLI,
        'segments',
        '--instances',
        '2',
        '--config',
        writeConfig(dir, sim),
        '--rpm',
        '6000',
        '--duration',
        '20',
        '--concurrency',
        '24',
        '--seed',
        '29',
        '--summary',
        join(dir, 'merged.json'),
        '--out',
        'experimental-prometheus-rw',
      ],
      {
        timeoutMs: 90_000,
        env: { ...process.env, K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write`, K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s' },
      },
    ).done;
    assert.equal(run.code, 0, run.stderr);
    const merged = JSON.parse(run.stdout);
    assert.equal(merged.merged.instances, 2);

    // Two instances' series, apart by the instance_id tag (as the k6-operator tags its runners).
    const series = await prom.query('count by (instance_id) (k6_moodle_req_duration_seconds{outcome="success"})');
    assert.deepEqual(series.map((r) => r.metric.instance_id).sort(), ['1', '2']);
    const count = await prom.query('sum(histogram_count(k6_moodle_req_duration_seconds{outcome="success"}))');
    assert.equal(Number(count[0]?.value[1]), merged.success, 'every successful attempt of both instances is in Prometheus');

    const overall = panelTargets(/^Latency of the run so far, all instances/);
    for (const t of overall) {
      const rows = await evaluate(t.expr);
      assert.equal(rows.length, 1, t.expr);
      const key = `latency_ms_${t.legendFormat}`;
      within(2, (rows[0] as { ms: number }).ms, merged[key], key);
    }
    const perEndpoint = panelTargets(/^p95 per endpoint of the run so far/);
    const rows = await evaluate((perEndpoint[0] as Target).expr);
    assert.deepEqual(rows.map((r) => r.metric.endpoint).sort(), Object.keys(merged.endpoints).sort());
    // Per endpoint, 500 requests: k6's native histograms have buckets 9% wide (its fixed factor 1.1),
    // and Prometheus interpolates inside one; measured 0.3-2.2% off, so 5% here (half a bucket and the summary's 0.5%).
    for (const r of rows) within(5, r.ms, merged.endpoints[r.metric.endpoint as string].latency_ms_p95, `${r.metric.endpoint} p95`);
  },
);
