// Streamed figures (the default; --stream-stats): the VUs count their own figures and the CLI builds the
// summary from them (k6 keeps no sample). Checked against what the simulator served and against the request log,
// whose every latency and DB count gives the exact percentiles and medians independently.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { CLI, LOAD_PAGES, requestRecordsInLog, runCli, runPlainK6, servedLoad, start, tempDir, writeConfig } from '../helpers/e2e';
import { assertValidSummary } from '../helpers/summary-schema';
import { k6Percentile } from '../helpers/reference-stats';

let sim: Simulator;
before(async () => {
  // Noisy server times and DB counts, the footer on every page, and one course the users are
  // not enrolled in, so some requests fail with a reason.
  sim = await startSimulator({
    perfFooter: true,
    baseLatency: { medianMs: 3, sigma: 0.6 },
    notEnrolledCourses: Array.from({ length: 30 }, (_, i) => i + 2),
  });
});
after(() => sim.close());

function fresh(): void {
  sim.resetStats();
  sim.killSessions();
}

interface LogRow {
  phase: string;
  endpoint: string;
  outcome: string;
  reason: string;
  latency_ms: number;
  db_reads: number | null;
  db_writes: number | null;
  server_ms: number | null;
  attempt: number;
}

function near(actual: number | null, expected: number, label: string): void {
  assert.ok(actual !== null, `${label}: no figure`);
  // 0.5% of the bucket, plus the summary's rounding to 0.01 and the log's to 0.001.
  assert.ok(Math.abs(actual - expected) <= expected * 0.005 + 0.011, `${label}: ${actual} vs exact ${expected.toFixed(3)}`);
}

test(
  'streamed figures (the default): counts = what the simulator served, percentiles within 0.5% of the request log, DB medians exact',
  { timeout: 90_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const logPath = join(dir, 'requests.jsonl');
    const summaryPath = join(dir, 's.json');
    const run = runCli(
      [
        '--config',
        writeConfig(dir, sim),
        '--rpm',
        '3000',
        '--duration',
        '20',
        '--concurrency',
        '20',
        '--progress',
        '5',
        '--log',
        logPath,
        '--summary',
        summaryPath,
      ],
      80_000,
    );
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    assertValidSummary(summary);
    assert.equal(readFileSync(summaryPath, 'utf8'), stdout);
    const served = servedLoad(sim);
    assert.equal(summary.total, served, `summary total ${summary.total} vs served ${served}`);
    assert.equal(summary.dropped_iterations, 0);
    assert.ok(Math.abs(summary.req_per_min_observed / 3000 - 1) < 0.02, `observed ${summary.req_per_min_observed}`);
    // The simulator's 303s to the enrolment page, counted by reason.
    const notEnrolled = sim.stats().statuses['/course/view.php']?.['303'] ?? 0;
    assert.ok(notEnrolled > 0, 'some courses were not enrolled');
    assert.equal(summary.failure_reasons.not_enrolled, notEnrolled);
    assert.equal(summary.failures, notEnrolled);
    for (const page of LOAD_PAGES) {
      const name = Object.keys(summary.endpoints).find((e) => e.startsWith(page)) as string;
      assert.equal(summary.endpoints[name].total, sim.stats().pages[page], page);
    }
    assert.deepEqual({ ...summary.sessions, login_sec: 0 }, { logged_in: 20, attempted: 20, login_sec: 0, failed_users: [] });
    assert.ok((stderr.match(/^progress: load/gm) ?? []).length >= 3, stderr);

    const rows = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogRow)
      .filter((r) => r.phase === 'load');
    const ok = rows.filter((r) => r.outcome === 'success');
    assert.equal(ok.length, summary.success);
    const latencies = ok.map((r) => r.latency_ms);
    near(summary.latency_ms_p50, k6Percentile(latencies, 0.5), 'p50');
    near(summary.latency_ms_p95, k6Percentile(latencies, 0.95), 'p95');
    near(summary.latency_ms_p99, k6Percentile(latencies, 0.99), 'p99');
    near(summary.latency_ms_max, Math.max(...latencies), 'max');
    for (const [name, e] of Object.entries<{
      latency_ms_p95: number;
      server: { db_reads_median: number; db_writes_median: number; time_ms_p95: number; requests: number };
    }>(summary.endpoints)) {
      const mine = ok.filter((r) => r.endpoint === name);
      near(
        e.latency_ms_p95,
        k6Percentile(
          mine.map((r) => r.latency_ms),
          0.95,
        ),
        `${name} p95`,
      );
      assert.equal(e.server.requests, mine.length, `${name}: footers read`);
      assert.equal(
        e.server.db_reads_median,
        k6Percentile(
          mine.map((r) => r.db_reads as number),
          0.5,
        ),
        `${name}: DB reads median`,
      );
      // The footer's figures travel as one interleaved group (vu-stats.ts): each must land in its own trend.
      assert.equal(
        e.server.db_writes_median,
        k6Percentile(
          mine.map((r) => r.db_writes as number),
          0.5,
        ),
        `${name}: DB writes median`,
      );
      near(
        e.server.time_ms_p95,
        k6Percentile(
          mine.map((r) => r.server_ms as number),
          0.95,
        ),
        `${name}: server time p95`,
      );
    }
  },
);

test(
  "streamed figures (the default): dropped iterations are the schedule's minus those started, as the simulator saw them",
  { timeout: 60_000 },
  async () => {
    fresh();
    sim.setLatency('*', 200);
    try {
      const dir = tempDir();
      // 1200 rpm for 5 s is 100 iterations; one VU busy 200 ms a page can start about 25.
      const run = runCli(
        ['--config', writeConfig(dir, sim), '--rpm', '1200', '--duration', '5', '--concurrency', '1', '--summary', join(dir, 's.json')],
        50_000,
      );
      const { code, stdout, stderr } = await run.done;
      assert.equal(code, 0, stderr);
      const summary = JSON.parse(stdout);
      const served = servedLoad(sim);
      assert.equal(summary.total, served);
      assert.ok(served >= 15 && served <= 30, `served ${served}`);
      assert.equal(summary.dropped_iterations, 100 - served);
      assert.match(summary.warnings.join('\n'), /dropped \d+ iterations/);
    } finally {
      sim.setLatency('*', 0);
    }
  },
);

test('--stream-stats: Ctrl-C still prints the summary, says what may be missing, and exits 130', { timeout: 60_000 }, async () => {
  fresh();
  const dir = tempDir();
  const run = runCli(
    [
      '--config',
      writeConfig(dir, sim),
      '--rpm',
      '1200',
      '--duration',
      '120',
      '--concurrency',
      '5',
      '--progress',
      '1',
      '--stream-stats',
      '--summary',
      join(dir, 's.json'),
    ],
    50_000,
  );
  await run.waitForStderr(/progress: load [3-9]\//);
  run.child.kill('SIGINT');
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 130, stderr);
  const summary = JSON.parse(stdout);
  assert.equal(summary.stopped_early, true);
  const served = servedLoad(sim);
  // At most each VU's last second (20 requests a second in all) and the requests cut off.
  assert.ok(summary.total > 0 && summary.total <= served && served - summary.total <= 20 + 5, `total ${summary.total}, served ${served}`);
  assert.match(stderr, /streamed figures: the run stopped early/);
});

test(
  'plain `k6 run -e STREAM_STATS=1` without CHANNEL=1 is refused in one message (its figures would go nowhere); nothing sent',
  { timeout: 30_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const { code, stderr } = await runPlainK6(
      { CONFIG: writeConfig(dir, sim), RPM: '60', DURATION: '5', STREAM_STATS: '1' },
      { cwd: dir, timeoutMs: 25_000 },
    ).done;
    assert.notEqual(code, 0, stderr);
    assert.match(stderr, /STREAM_STATS needs CHANNEL=1 and --log-format json/);
    assert.deepEqual(sim.stats().pages, {});
  },
);

test(
  'plain `k6 run` with flat memory (CHANNEL=1 STREAM_STATS=1, no k6 summary): `moodle-load merge --config` of its log gives counts = served, percentiles within 0.5% of its requests',
  { timeout: 90_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const config = writeConfig(dir, sim);
    const run = await runPlainK6(
      { CONFIG: config, RPM: '3000', DURATION: '10', CONCURRENCY: '20', CHANNEL: '1', STREAM_STATS: '1', REQUEST_LOG: '1' },
      { cwd: dir, timeoutMs: 60_000 },
      ['--log-format', 'json', '--summary-mode=disabled', '--no-thresholds'],
    ).done;
    assert.equal(run.code, 0, run.stderr.slice(-2000));
    const logPath = join(dir, 'run.log');
    writeFileSync(logPath, run.stderr);

    const merge = await start(process.execPath, [CLI, 'merge', '--config', config, logPath], { timeoutMs: 30_000 }).done;
    assert.equal(merge.code, 0, merge.stderr);
    const summary = JSON.parse(merge.stdout);
    assertValidSummary(summary);
    assert.equal(summary.total, servedLoad(sim));
    assert.ok(summary.total >= 480, `${summary.total} requests`);
    assert.equal(summary.dropped_iterations, 0);
    for (const page of LOAD_PAGES) {
      const name = Object.keys(summary.endpoints).find((e) => e.startsWith(page)) as string;
      assert.equal(summary.endpoints[name].total, sim.stats().pages[page], page);
    }
    assert.equal(summary.failure_reasons.not_enrolled, sim.stats().statuses['/course/view.php']?.['303'] ?? 0);

    const ok = requestRecordsInLog(run.stderr)
      .filter((r) => r.phase === 'load' && r.outcome === 'success')
      .map((r) => r.latency_ms);
    assert.equal(ok.length, summary.success);
    near(summary.latency_ms_p50, k6Percentile(ok, 0.5), 'p50');
    near(summary.latency_ms_p95, k6Percentile(ok, 0.95), 'p95');
    near(summary.latency_ms_p99, k6Percentile(ok, 0.99), 'p99');
  },
);
