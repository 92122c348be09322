// The ecosystem, for real: k6's Prometheus remote write into a real Prometheus, the Grafana
// dashboard's queries against it, and the HTML report rendered in headless Chromium.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startSimulator, Simulator } from '../../sim/server';
import { start, CLI, tempDir, writeConfig } from '../helpers/e2e';
import { ROOT } from '../helpers/paths';
import { Prometheus, startPrometheus } from '../helpers/prometheus';

let sim: Simulator;
let prom: Prometheus;
let summary: any;
before(async () => {
  sim = await startSimulator({ notEnrolledCourses: [2, 3] });
  prom = await startPrometheus();
  const dir = tempDir();
  // A URL entry that always fails (not enrolled), so failure series exist in Prometheus.
  const config = writeConfig(dir, sim, sim.users, {
    parameters: {
      courseid: { min: 4, max: 500 },
      cmid: { min: 10, max: 2000 },
      userid: { min: 5, max: 10000 },
      closed: { min: 2, max: 3 },
    },
    urls: [
      { path: '/my/' },
      { path: '/course/view.php?id={courseid}' },
      { path: '/mod/forum/view.php?id={cmid}' },
      { path: '/user/profile.php?id={userid}' },
      { path: '/course/view.php?id={closed}', name: 'course not enrolled' },
    ],
  });
  const run = start(
    process.execPath,
    [
      CLI,
      '--config',
      config,
      '--rpm',
      '1200',
      '--duration',
      '8',
      '--concurrency',
      '5',
      '--summary',
      join(dir, 's.json'),
      '--out',
      'experimental-prometheus-rw',
    ],
    {
      timeoutMs: 40_000,
      env: { ...process.env, K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write`, K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s' },
    },
  );
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  summary = JSON.parse(stdout);
});
after(async () => {
  await sim?.close();
  await prom?.stop();
});

test('Prometheus remote write: per-endpoint request counts agree with the summary', { timeout: 30_000 }, async () => {
  const rows = await prom.query('sum by (endpoint) (max_over_time(k6_moodle_reqs_total{scenario="load"}[1h]))');
  const counts = Object.fromEntries(rows.map((r) => [r.metric.endpoint, Number(r.value[1])]));
  const expected = Object.fromEntries(Object.entries(summary.endpoints).map(([name, e]) => [name, (e as { total: number }).total]));
  assert.deepEqual(counts, expected);
  const failures = await prom.query('sum by (reason) (max_over_time(k6_moodle_failures_total{scenario="load"}[1h]))');
  assert.ok(summary.failure_reasons.not_enrolled > 0);
  assert.deepEqual(Object.fromEntries(failures.map((r) => [r.metric.reason, Number(r.value[1])])), {
    not_enrolled: summary.failure_reasons.not_enrolled,
  });
});

test('the endpoint name is a label; no label holds a rendered URL', { timeout: 30_000 }, async () => {
  const labels = (await prom.get('/api/v1/labels')) as string[];
  assert.ok(labels.includes('endpoint'));
  assert.ok(!labels.includes('url'), 'k6 url tag is off');
  for (const label of labels.filter((l) => l !== '__name__')) {
    const values = (await prom.get(`/api/v1/label/${label}/values`)) as string[];
    for (const v of values) assert.doesNotMatch(v, /[?&]id=\d/, `label ${label}=${v} is a rendered URL`);
  }
});

test('every panel of the Grafana dashboard returns data from that Prometheus', { timeout: 30_000 }, async () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'grafana', 'moodle-load-dashboard.json'), 'utf8'));
  assert.ok(dashboard.panels.length >= 6);
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      const expr = (target.expr as string).split('$__rate_interval').join('1m').split('$__range').join('1h');
      const rows = await prom.query(expr);
      assert.ok(rows.length > 0, `panel "${panel.title}" query ${target.refId} returned no data: ${expr}`);
      for (const r of rows) assert.ok(Number.isFinite(Number(r.value[1])), `${panel.title}: ${r.value[1]}`);
    }
  }
  const target = await prom.query('max(k6_moodle_target_rpm)');
  assert.equal(Number(target[0]?.value[1]), 1200);
});

test(
  "--no-stream-stats --report writes k6's HTML report, and Chromium renders its charts with this run's data",
  { timeout: 60_000 },
  async () => {
    const dir = tempDir();
    const report = join(dir, 'report.html');
    const { code, stderr } = await start(
      process.execPath,
      [
        CLI,
        '--config',
        writeConfig(dir, sim),
        '--rpm',
        '1200',
        '--duration',
        '4',
        '--progress',
        '2',
        '--summary',
        join(dir, 's.json'),
        '--no-stream-stats',
        '--report',
        report,
      ],
      { timeoutMs: 30_000 },
    ).done;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /HTML report saved to/);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`file://${report}`);
      await page.waitForSelector('.uplot canvas', { timeout: 20_000 });
      assert.ok((await page.locator('.uplot canvas').count()) >= 5, 'charts rendered');
      const text = await page.locator('body').innerText();
      for (const metric of ['moodle_reqs', 'moodle_req_duration', 'http_reqs'])
        assert.ok(text.includes(metric), `the report shows ${metric}`);
    } finally {
      await browser.close();
    }
  },
);
