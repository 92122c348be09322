// Secrets and exposure: no password, MoodleSession value, logintoken or sesskey in any output,
// and everything the tool listens on bound to 127.0.0.1.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { COUNTING_MODES, K6, runCli, SCENARIO, start, tempDir, writeConfig } from '../helpers/e2e';

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ recordSecrets: true });
});
after(() => sim.close());

/** Listening TCP sockets of a process: "address:port" per socket (from ss). */
function listening(pid: number): string[] {
  const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[3] as string);
}

test('with every output on, no password, session id, login token or sesskey appears anywhere', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const users = [...sim.users, { username: 'perfuser09', password: 'Sup3r-Secret-Wrong!' }];
  const files = { summary: join(dir, 'summary.json'), jsonl: join(dir, 'requests.jsonl'), k6json: join(dir, 'k6.json') };
  const run = runCli(
    [
      '--config',
      writeConfig(dir, sim, users),
      '--rpm',
      '1200',
      '--duration',
      '6',
      '--concurrency',
      '6',
      '--progress',
      '1',
      '--summary',
      files.summary,
      '--log',
      files.jsonl,
      '--out',
      `json=${files.k6json}`,
    ],
    50_000,
  );
  // Kill sessions mid-run so that VUs log in again during the load, with fresh tokens and ids.
  await run.waitForStderr(/progress: load [2-9]\//);
  sim.killSessions();
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  assert.ok(summary.relogins.success > 0, 'relogins happened');
  assert.equal(summary.sessions.failed_users[0]?.username, 'perfuser09');

  const requestLog = readFileSync(files.jsonl, 'utf8');
  const k6json = readFileSync(files.k6json, 'utf8');
  assert.ok(k6json.length > 10_000 && requestLog.length > 1000, 'the outputs were written');
  const outputs: Record<string, string> = { stdout, stderr, summary: readFileSync(files.summary, 'utf8'), requestLog, k6json };
  const secrets = [...users.map((u) => u.password), ...sim.secretsIssued()];
  assert.ok(secrets.length > 30, `session ids, sesskeys and tokens were issued: ${secrets.length}`);
  for (const [name, text] of Object.entries(outputs)) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `a secret appears in ${name}`);
    assert.doesNotMatch(text, /MoodleSession=|logintoken=|sesskey=/i, name);
  }
});

// Streamed (the default), nothing listens but what k6 always opens; with --no-stream-stats, the CLI
// follows k6's web dashboard on a port of its own.
for (const [how, flags] of COUNTING_MODES)
  test(`k6 and the CLI listen on 127.0.0.1 only; k6 REST API (which serves setup data) is off${how}`, { timeout: 40_000 }, async () => {
    const dir = tempDir();
    const run = runCli(
      [
        '--config',
        writeConfig(dir, sim),
        '--rpm',
        '600',
        '--duration',
        '4',
        '--concurrency',
        '2',
        '--progress',
        '1',
        '--summary',
        join(dir, 's.json'),
        ...flags,
      ],
      35_000,
    );
    await run.waitForStderr(/progress: load [1-9]\//);
    const cliPid = run.child.pid as number;
    const k6Pid = Number(
      execFileSync('pgrep', ['-P', String(cliPid)], { encoding: 'utf8' })
        .trim()
        .split('\n')[0],
    );
    const sockets = [...listening(cliPid), ...listening(k6Pid)];
    await run.done;
    if (flags.includes('--no-stream-stats')) assert.ok(sockets.length >= 1, 'the dashboard stream the progress lines come from');
    for (const s of sockets) assert.match(s, /^127\.0\.0\.1:\d+$/, `bound to ${s}`);
    assert.ok(!sockets.some((s) => s.endsWith(':6565')), 'no REST API on its default port');
  });

test(
  "setup() data, which k6's REST API serves, holds no session cookie: each VU logs in itself and keeps its session",
  { timeout: 60_000 },
  async () => {
    sim.resetStats();
    const dir = tempDir();
    writeConfig(dir, sim);
    const port = 20000 + (process.pid % 20000);
    const run = start(
      K6,
      [
        'run',
        '--quiet',
        '--address',
        `127.0.0.1:${port}`,
        '-e',
        'CONFIG=config.json',
        '-e',
        'RPM=600',
        '-e',
        'DURATION=4',
        '-e',
        'CONCURRENCY=6',
        '-e',
        'SUMMARY=out.json',
        '-e',
        'SUMMARY_STDOUT=0',
        SCENARIO,
      ],
      {
        cwd: dir,
        timeoutMs: 50_000,
        env: { ...process.env, PWD: dir, K6_NO_USAGE_REPORT: 'true' },
      },
    );
    // The login phase has logged the VUs in by the time the load starts; read what the REST API gives anyone who asks.
    await run.waitForStderr(/logging in 6 sessions/);
    let setup = '';
    for (let i = 0; i < 50 && !setup.includes('loadStartMs'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      setup = await fetch(`http://127.0.0.1:${port}/v1/setup`).then(
        (r) => r.text(),
        () => '',
      );
    }
    const { code, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    assert.match(setup, /"loadStartMs"/, `the REST API served the setup data: ${setup}`);
    const secrets = sim.secretsIssued();
    assert.ok(secrets.length >= 7 * 2, `6 VU sessions and the probe's were issued: ${secrets.length} secrets`);
    for (const secret of secrets) assert.ok(!setup.includes(secret), 'a session id, sesskey or token in setup data');
    assert.doesNotMatch(setup, /MoodleSession|cookie|pass0/i);
    const summary = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    assert.equal(summary.sessions.logged_in, 6);
    assert.equal(summary.failures, 0, 'every VU kept its own session from the login phase into the load');
    assert.equal(summary.relogins.success + summary.relogins.failure, 0);
    assert.equal(summary.total, summary.success);
    assert.equal(sim.stats().maxConcurrentPerSession, 1);
  },
);
