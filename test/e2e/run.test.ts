// The real k6 against the simulator: what the generator reports must match what the
// simulator served.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { CLI, COUNTING_MODES, K6, LOAD_PAGES, runCli, SCENARIO, servedLoad, start, tempDir, writeConfig } from '../helpers/e2e';

const PREDECESSOR_KEYS = [
  'elapsed_sec',
  'total',
  'success',
  'failures',
  'req_per_min_observed',
  'latency_ms_p50',
  'latency_ms_p95',
  'latency_ms_p99',
];

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ recordSecrets: true });
});
after(() => sim.close());

function fresh(): void {
  sim.resetStats();
  sim.killSessions();
}

test(
  '20 s at 600 rpm: eight keys, total = what the simulator served, rate within 2%, nothing secret printed',
  { timeout: 60_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const summaryPath = join(dir, 'summary.json');
    const run = runCli(
      [
        '--config',
        writeConfig(dir, sim),
        '--rpm',
        '600',
        '--duration',
        '20',
        '--concurrency',
        '10',
        '--progress',
        '5',
        '--summary',
        summaryPath,
      ],
      50_000,
    );
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    assert.deepEqual(Object.keys(summary).slice(0, 8), PREDECESSOR_KEYS);
    const served = servedLoad(sim);
    assert.equal(summary.total, served, `summary total ${summary.total} vs served ${served}`);
    assert.equal(summary.success, served);
    assert.equal(summary.failures, 0);
    assert.ok(Math.abs(summary.req_per_min_observed / 600 - 1) < 0.02, `observed ${summary.req_per_min_observed}`);
    assert.ok(Math.abs(summary.elapsed_sec - 20) < 1, `elapsed ${summary.elapsed_sec}`);
    assert.ok(
      summary.latency_ms_p50 > 0 && summary.latency_ms_p50 <= summary.latency_ms_p95 && summary.latency_ms_p95 <= summary.latency_ms_p99,
    );
    assert.equal(summary.target_rpm, 600);
    assert.equal(summary.dropped_iterations, 0);
    assert.deepEqual({ ...summary.sessions, login_sec: 0 }, { logged_in: 10, attempted: 10, login_sec: 0, failed_users: [] });
    assert.equal(readFileSync(summaryPath, 'utf8'), stdout, 'the summary file holds the same JSON');
    // Every URL template was requested, one session per VU and never two requests at once in one.
    for (const page of LOAD_PAGES) assert.ok((sim.stats().pages[page] ?? 0) > 0, page);
    assert.equal(sim.stats().maxConcurrentPerSession, 1);
    assert.ok((stderr.match(/^progress: load/gm) ?? []).length >= 3, stderr);
    for (const secret of [...sim.users.map((u) => u.password), ...sim.secretsIssued()]) {
      assert.ok(!stdout.includes(secret) && !stderr.includes(secret), 'a password, session id, sesskey or login token was printed');
    }
  },
);

test('a wrong password is reported per user, never retried, and its sessions go to users that work', { timeout: 30_000 }, async () => {
  fresh();
  const dir = tempDir();
  const users = [sim.users[0]!, { username: 'perfuser02', password: 'wrong-password' }];
  const run = runCli(
    ['--config', writeConfig(dir, sim, users), '--rpm', '600', '--duration', '3', '--concurrency', '4', '--summary', join(dir, 's.json')],
    25_000,
  );
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  assert.equal(summary.sessions.logged_in, 4);
  assert.equal(summary.sessions.failed_users.length, 1);
  assert.equal(summary.sessions.failed_users[0].username, 'perfuser02');
  assert.equal(summary.sessions.failed_users[0].sessions, 2);
  assert.match(summary.sessions.failed_users[0].reason, /invalid login/);
  assert.match(stderr, /login failed for user "perfuser02" \(2 session\(s\)\): invalid login/);
  assert.deepEqual(sim.stats().logins.perfuser02, { success: 0, failure: 2 }, 'one attempt per slot, no retry');
  assert.equal(summary.total, servedLoad(sim));
  assert.equal(summary.failures, 0);
  assert.ok(!stdout.includes('wrong-password') && !stderr.includes('wrong-password'));
});

test('killed sessions show up as failures (session_lost), VUs log in again and carry on', { timeout: 40_000 }, async () => {
  fresh();
  const dir = tempDir();
  const run = runCli(
    [
      '--config',
      writeConfig(dir, sim),
      '--rpm',
      '1200',
      '--duration',
      '8',
      '--concurrency',
      '5',
      '--progress',
      '1',
      '--summary',
      join(dir, 's.json'),
    ],
    35_000,
  );
  await run.waitForStderr(/progress: load [3-9]\//);
  sim.killSessions();
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  const lost = summary.failure_reasons.session_lost;
  assert.ok(lost >= 1 && lost <= 5, `each of the 5 VUs loses its session once: ${lost}`);
  assert.equal(summary.failures, lost);
  assert.equal(summary.relogins.success, lost);
  assert.equal(summary.total, servedLoad(sim));
  // The simulator answered exactly that many load requests with its 303 to the login page.
  const redirected = LOAD_PAGES.reduce((n, p) => n + (sim.stats().statuses[p]?.['303'] ?? 0), 0);
  assert.equal(redirected, lost);
  assert.ok(summary.success > summary.failures * 10, 'the run carried on after re-login');
});

// k6's summary misses only the requests in flight at the stop; streamed figures also miss what each VU had not
// yet reported (up to a second of its figures: the stderr line says so).
for (const [how, flags] of COUNTING_MODES)
  test(`Ctrl-C stops the run early and still prints and saves the summary${how}`, { timeout: 40_000 }, async () => {
    fresh();
    const dir = tempDir();
    const summaryPath = join(dir, 's.json');
    const run = runCli(
      [
        '--config',
        writeConfig(dir, sim),
        '--rpm',
        '600',
        '--duration',
        '120',
        '--concurrency',
        '5',
        '--progress',
        '1',
        '--summary',
        summaryPath,
        ...flags,
      ],
      35_000,
    );
    await run.waitForStderr(/progress: load [2-9]\//);
    run.child.kill('SIGINT');
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 130, stderr);
    const summary = JSON.parse(stdout);
    assert.equal(summary.stopped_early, true);
    assert.ok(summary.total > 0 && summary.elapsed_sec < 30, JSON.stringify(summary));
    const served = servedLoad(sim);
    // 5 VUs in flight; streamed, also what each VU finished since its last report (at most once a second): up to
    // a second of the schedule (600 rpm: 10 requests) and one iteration more per VU.
    const missing = flags.includes('--no-stream-stats') ? 5 : 5 + 10 + 5;
    if (missing > 5) assert.match(stderr, /streamed figures: the run stopped early/);
    assert.ok(
      summary.total <= served && served - summary.total <= missing,
      `total ${summary.total}, served ${served} (in-flight requests at the stop are not counted)`,
    );
    assert.equal(readFileSync(summaryPath, 'utf8'), stdout);
  });

test('no session logged in: exit 3 with hints, and no load sent', { timeout: 30_000 }, async () => {
  fresh();
  const dir = tempDir();
  const users = sim.users.map((u) => ({ username: u.username, password: 'nope' }));
  const run = runCli(
    ['--config', writeConfig(dir, sim, users), '--rpm', '600', '--duration', '5', '--concurrency', '3', '--summary', join(dir, 's.json')],
    25_000,
  );
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 3, stderr);
  assert.match(stderr, /no session logged in \(0 of 3\)/);
  assert.match(stderr, /check the usernames and passwords/);
  assert.equal(servedLoad(sim), 0);
  assert.equal(JSON.parse(stdout).sessions.logged_in, 0);
});

test('a bad config: exit 2, one line naming the field, no request sent', { timeout: 20_000 }, async () => {
  fresh();
  const dir = tempDir();
  const config = writeConfig(dir, sim, sim.users, {
    parameters: { courseid: { min: 9, max: 2 }, cmid: { min: 1, max: 2 }, userid: { min: 1, max: 2 } },
  });
  const { code, stdout, stderr } = await runCli(['--config', config, '--rpm', '600', '--duration', '5'], 15_000).done;
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.match(stderr, /^moodle-load: config: parameters\.courseid has min \(9\) greater than max \(2\) \(in .*config\.json\)\n$/);
  assert.deepEqual(sim.stats().pages, {});
});

test('plain `k6 run -e CONFIG=<relative path>` works and prints the summary JSON', { timeout: 30_000 }, async () => {
  fresh();
  const dir = tempDir();
  writeConfig(dir, sim);
  const run = start(
    K6,
    [
      'run',
      '--quiet',
      '--address',
      '',
      '-e',
      'CONFIG=config.json',
      '-e',
      'RPM=600',
      '-e',
      'DURATION=3',
      '-e',
      'CONCURRENCY=2',
      '-e',
      'SUMMARY=out.json',
      SCENARIO,
    ],
    {
      cwd: dir,
      timeoutMs: 25_000,
      env: { ...process.env, PWD: dir, K6_NO_USAGE_REPORT: 'true' },
    },
  );
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  assert.equal(summary.total, servedLoad(sim));
  assert.equal(summary.sessions.logged_in, 2);
  assert.equal(readFileSync(join(dir, 'out.json'), 'utf8'), stdout);
});

test('k6 missing: a clear message naming `make k6`, exit 5, no request', { timeout: 20_000 }, async () => {
  fresh();
  const dir = tempDir();
  const run = start(process.execPath, [CLI, '--config', writeConfig(dir, sim), '--rpm', '60', '--duration', '1'], {
    timeoutMs: 15_000,
    env: { ...process.env, K6_BINARY: join(dir, 'no-k6-here') },
  });
  const { code, stderr } = await run.done;
  assert.equal(code, 5);
  assert.match(stderr, /^moodle-load: k6 not found at .*no-k6-here: run `make k6`/);
  assert.deepEqual(sim.stats().pages, {});
});
