// Faults during a run: the run keeps its schedule, the summary is always written, the cause
// is named.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { CLI, runCli, servedLoad, start, tempDir, writeConfig } from '../helpers/e2e';

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

function fresh(): void {
  sim.resetStats();
  sim.killSessions();
  sim.setLatency('*', 0);
}

test(
  'site unreachable at start: names base_url and the error, exit 6, no stack trace, summary still written',
  { timeout: 30_000 },
  async () => {
    const dir = tempDir();
    const config = writeConfig(dir, sim);
    const { code, stdout, stderr } = await runCli(
      ['--config', config, '--base-url', 'http://127.0.0.1:1', '--rpm', '60', '--duration', '5', '--summary', join(dir, 's.json')],
      25_000,
    ).done;
    assert.equal(code, 6, stderr);
    assert.match(stderr, /site unreachable: base_url http:\/\/127\.0\.0\.1:1: GET login page failed: .*connection refused; check base_url/);
    assert.doesNotMatch(stderr, /at file:\/\/|\.js:\d+:\d+/, 'no stack trace');
    assert.equal(JSON.parse(stdout).sessions.logged_in, 0);
    assert.equal(readFileSync(join(dir, 's.json'), 'utf8'), stdout);
  },
);

test('site dies mid-run: the rest are transport failures, the run ends on time, the summary is written', { timeout: 40_000 }, async () => {
  const doomed = await startSimulator();
  const dir = tempDir();
  const run = runCli(
    [
      '--config',
      writeConfig(dir, doomed),
      '--rpm',
      '1200',
      '--duration',
      '6',
      '--concurrency',
      '5',
      '--progress',
      '1',
      '--summary',
      join(dir, 's.json'),
    ],
    35_000,
  );
  await run.waitForStderr(/progress: load [2-9]\//);
  await doomed.close();
  const started = Date.now();
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  assert.ok(summary.failure_reasons.transport > 20, JSON.stringify(summary.failure_reasons));
  assert.equal(summary.failures, summary.failure_reasons.transport);
  assert.ok(summary.success > 0);
  assert.ok(Math.abs(summary.elapsed_sec - 6) < 1, `elapsed ${summary.elapsed_sec}`);
  assert.ok(Date.now() - started < 10_000, 'the run kept its schedule');
  assert.match(stderr, /k6: \d+ more "Request Failed" lines not shown/);
});

test('a site slower than --request-timeout: counted as timeouts, the run ends on time', { timeout: 40_000 }, async () => {
  fresh();
  const dir = tempDir();
  const config = writeConfig(dir, sim, sim.users, { urls: [{ path: '/my/' }] });
  sim.setLatency('/my/', 2500);
  try {
    const { code, stdout, stderr } = await runCli(
      [
        '--config',
        config,
        '--rpm',
        '600',
        '--duration',
        '3',
        '--concurrency',
        '40',
        '--request-timeout',
        '1',
        '--summary',
        join(dir, 's.json'),
      ],
      35_000,
    ).done;
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    assert.ok(summary.total >= 29, `total ${summary.total}`);
    assert.equal(summary.failure_reasons.timeout, summary.total);
    assert.ok(summary.elapsed_sec < 5, `elapsed ${summary.elapsed_sec}`);
    assert.equal(summary.latency_ms_p95, null, 'no successful request, so no latency figure');
  } finally {
    sim.setLatency('/my/', 0);
  }
});

test('HTTPS with a self-signed certificate: a clear TLS error without --insecure, a working run with it', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const tlsSim = await startSimulator({
    tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') },
  });
  try {
    assert.match(tlsSim.url, /^https:/);
    const config = writeConfig(dir, tlsSim);
    const refused = await runCli(
      ['--config', config, '--rpm', '600', '--duration', '2', '--concurrency', '2', '--summary', join(dir, 'a.json')],
      25_000,
    ).done;
    assert.equal(refused.code, 6, refused.stderr);
    assert.match(refused.stderr, /site unreachable: .*certificate.*use --insecure/);
    assert.equal(servedLoad(tlsSim), 0);
    const ok = await runCli(
      ['--config', config, '--rpm', '600', '--duration', '2', '--concurrency', '2', '--insecure', '--summary', join(dir, 'b.json')],
      25_000,
    ).done;
    assert.equal(ok.code, 0, ok.stderr);
    const summary = JSON.parse(ok.stdout);
    assert.equal(summary.failures, 0);
    assert.equal(summary.total, servedLoad(tlsSim));
  } finally {
    await tlsSim.close();
  }
});

test('a second Ctrl-C quits at once, even while requests hang', { timeout: 40_000 }, async () => {
  fresh();
  const dir = tempDir();
  const run = runCli(
    [
      '--config',
      writeConfig(dir, sim),
      '--rpm',
      '600',
      '--duration',
      '60',
      '--concurrency',
      '5',
      '--progress',
      '1',
      '--summary',
      join(dir, 's.json'),
    ],
    35_000,
  );
  await run.waitForStderr(/progress: load [1-9]\//);
  sim.setLatency('*', 20_000);
  await new Promise((r) => setTimeout(r, 500));
  run.child.kill('SIGINT');
  await run.waitForStderr(/press Ctrl-C again to quit at once/);
  const second = Date.now();
  run.child.kill('SIGINT');
  const { code } = await run.done;
  assert.equal(code, 130);
  assert.ok(Date.now() - second < 2000, `quit after ${Date.now() - second} ms`);
  sim.setLatency('*', 0);
});

test('k6 of another version: a clear message naming `make k6`, exit 5', { timeout: 20_000 }, async () => {
  fresh();
  const dir = tempDir();
  const fake = join(dir, 'k6');
  writeFileSync(fake, '#!/bin/sh\necho "k6 v0.99.0 (go1.20, linux/amd64)"\n');
  chmodSync(fake, 0o755);
  const { code, stderr } = await start(process.execPath, [CLI, '--config', writeConfig(dir, sim), '--rpm', '60', '--duration', '1'], {
    timeoutMs: 15_000,
    env: { ...process.env, K6_BINARY: fake },
  }).done;
  assert.equal(code, 5);
  assert.match(
    stderr,
    /^moodle-load: k6 at .* is "k6 v0\.99\.0 \(go1\.20, linux\/amd64\)", not v1\.8\.1: run `make k6` to install the pinned version\n$/,
  );
  assert.deepEqual(sim.stats().pages, {});
});
