// The CLI/k6 contract with the real k6: plain `k6 run` defaults and strictness, a site under a
// path, faults during login, `no_session`, SIGTERM, more than 100 sessions, the order of the
// dashboard events progress relies on, segments with every run flag, bisect-check's clean-up.
// Every summary written here is validated against summary.schema.json.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { DashboardDecoder, SseParser } from '../../cli/dashboard-events';
import { MAX_PERIOD_SEC } from '../../cli/dashboard-period';
import { BISECT_EXIT } from '../../cli/exit-codes';
import { EXIT, K6_EXIT } from '../../cli/exit-codes';
import { k6Invocation } from '../../cli/k6/invocation';
import { PINNED_K6_VERSION } from '../../cli/k6/binary';
import { readRunSettings } from '../../lib/run-settings';
import type { ChannelRecord, EndRecord } from '../../lib/channel';
import type { SetupData } from '../../lib/summary-files';
import { parseK6LogLine } from '../../cli/k6/k6-log';
import { CLI, K6, LOAD_PAGES, runCli, runPlainK6, servedLoad, start, tempDir, writeConfig } from '../helpers/e2e';
import { ROOT } from '../helpers/paths';
import { startSiteProxy } from '../helpers/site-proxy';
import { assertValidSummary } from '../helpers/summary-schema';

/** k6's exit code when the script throws in its init context (a bad config or variable). */
const K6_SCRIPT_EXCEPTION = 107;

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

function fresh(): void {
  sim.resetStats();
  sim.killSessions();
}

/** Our console lines: k6 prints them as msg="..." source=console, or plain with --log-format json off. */
function firstConsoleLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.includes('source=console')) ?? '';
  return /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line;
}

test(
  'plain `k6 run` without CONFIG, RPM, DURATION: the shipped config at 60 rpm for 10 s, said on the first line',
  { timeout: 60_000 },
  async () => {
    fresh();
    const dir = tempDir();
    // Only the site differs from the shipped config's 127.0.0.1:8081, which another process may hold.
    const { code, stdout, stderr } = await runPlainK6({ BASE_URL: sim.url }, { cwd: dir, timeoutMs: 50_000 }).done;
    assert.equal(code, 0, stderr);
    const first = firstConsoleLine(stderr);
    assert.match(
      first,
      /^moodle-load: not given with -e, so using the defaults CONFIG=config.json \(the shipped one: base_url http:\/\/127\.0\.0\.1:8081/,
      stderr,
    );
    assert.match(first, /RPM=60, DURATION=10$/);
    const summary = JSON.parse(stdout);
    assertValidSummary(summary, 'plain k6 run summary');
    assert.equal(summary.target_rpm, 60);
    assert.equal(summary.duration_sec, 10);
    assert.equal(summary.k6_version, null, 'k6 does not tell a plain script its version');
    assert.equal(summary.total, servedLoad(sim));
    assert.ok(Math.abs(summary.total - 10) <= 1, `60 rpm for 10 s is 10 requests, not ${summary.total}`);
    assert.deepEqual(
      Object.keys(summary.endpoints),
      JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8')).urls.map((u: { path: string }) => u.path),
    );
  },
);

test('plain `k6 run -e RPN=600`: one message naming the variable and the one meant, nothing sent', { timeout: 30_000 }, async () => {
  fresh();
  const dir = tempDir();
  const { code, stderr } = await runPlainK6({ CONFIG: writeConfig(dir, sim), RPN: '600', DURATION: '5' }, { cwd: dir, timeoutMs: 25_000 })
    .done;
  assert.equal(code, K6_SCRIPT_EXCEPTION, stderr);
  assert.match(stderr, /RPN is not a moodle-load variable \(did you mean RPM\?\)/);
  assert.deepEqual(sim.stats().pages, {});
});

test('an unknown config key: one line from the CLI, the same message from plain `k6 run`, nothing sent', { timeout: 30_000 }, async () => {
  fresh();
  const dir = tempDir();
  const config = writeConfig(dir, sim, sim.users, { urls: [{ path: '/my/', weigth: 5 }] });
  const cli = await runCli(['--config', config, '--rpm', '60', '--duration', '5'], 20_000).done;
  assert.equal(cli.code, EXIT.badInput, cli.stderr);
  assert.equal(cli.stderr.trim(), `moodle-load: config: urls[0].weigth is not a known key (did you mean weight?) (in ${config})`);
  const k6 = await runPlainK6({ CONFIG: config }, { cwd: dir, timeoutMs: 25_000 }).done;
  assert.equal(k6.code, K6_SCRIPT_EXCEPTION);
  assert.ok(k6.stderr.includes(`config: urls[0].weigth is not a known key (did you mean weight?) (in ${config})`), k6.stderr);
  // A stack trace names our TypeScript source (inline source maps), not the bundle.
  assert.match(k6.stderr, /lib\/config\.ts:\d+/);
  assert.deepEqual(sim.stats().pages, {});
});

test(
  'base_url with a path (http://host/moodle): login, pages, lost sessions and not-enrolled redirects all under it',
  { timeout: 60_000 },
  async () => {
    // Its own simulator, where half the courses do not enrol the users.
    const site = await startSimulator({ notEnrolledCourses: Array.from({ length: 250 }, (_, i) => i + 2) });
    const proxy = await startSiteProxy(site.url, { prefix: '/moodle' });
    try {
      const dir = tempDir();
      const run = runCli(
        [
          '--config',
          writeConfig(dir, site, site.users, { base_url: `${proxy.url}/` }),
          '--rpm',
          '600',
          '--duration',
          '8',
          '--concurrency',
          '5',
          '--progress',
          '1',
          '--summary',
          join(dir, 's.json'),
        ],
        50_000,
      );
      await run.waitForStderr(/progress: load [3-9]\//);
      site.killSessions();
      const { code, stdout, stderr } = await run.done;
      assert.equal(code, EXIT.ok, stderr);
      const summary = JSON.parse(stdout);
      assertValidSummary(summary);
      assert.deepEqual(
        proxy.requests.filter((r) => !r.path.startsWith('/moodle/')),
        [],
        'every request went under the path',
      );
      assert.equal(summary.sessions.logged_in, 5);
      assert.equal(summary.total, servedLoad(site));
      // The 303 to /moodle/login/index.php is a lost session, and the VU logged in again under the path.
      assert.ok(
        summary.failure_reasons.session_lost > 0 && summary.failure_reasons.session_lost <= 5,
        JSON.stringify(summary.failure_reasons),
      );
      assert.equal(summary.relogins.success, summary.failure_reasons.session_lost);
      // The 303 to /moodle/enrol/index.php is "not enrolled", exactly as often as the simulator sent it.
      const enrolRedirects = proxy.requests.filter((r) => r.path.startsWith('/moodle/course/view.php') && r.status === 303).length;
      assert.ok(summary.failure_reasons.not_enrolled > 0);
      assert.equal(
        summary.failure_reasons.not_enrolled + (summary.endpoints['/course/view.php?id={courseid}'].failure_reasons.session_lost ?? 0),
        enrolRedirects,
      );
    } finally {
      await proxy.close();
      await site.close();
    }
  },
);

test(
  "faults during login: 503s on some login requests are passed by the probe's second pass and the VUs' own logins; every login failing is exit 3",
  { timeout: 60_000 },
  async () => {
    fresh();
    let injected = 0;
    const proxy = await startSiteProxy(sim.url, {
      fault: (r) => (r.method === 'POST' && r.path.startsWith('/login/') && injected < 3 ? (injected++, 503) : null),
    });
    try {
      const dir = tempDir();
      const { code, stdout, stderr } = await runCli(
        [
          '--config',
          writeConfig(dir, sim, sim.users, { base_url: proxy.url }),
          '--rpm',
          '600',
          '--duration',
          '3',
          '--concurrency',
          '6',
          '--summary',
          join(dir, 's.json'),
        ],
        40_000,
      ).done;
      assert.equal(code, EXIT.ok, stderr);
      const summary = JSON.parse(stdout);
      assertValidSummary(summary);
      assert.equal(proxy.requests.filter((r) => r.status === 503).length, 3, 'three login POSTs were answered 503');
      assert.equal(summary.sessions.logged_in, 6, 'every VU logged in although logins met 503s');
      assert.equal(summary.failures, 0);
      assert.ok(
        summary.sessions.failed_users.some((u: { reason: string }) => /unexpected HTTP status/.test(u.reason)),
        JSON.stringify(summary.sessions),
      );

      fresh();
      proxy.setFault((r) => (r.method === 'POST' && r.path.startsWith('/login/') ? 500 : null));
      const none = await runCli(
        [
          '--config',
          writeConfig(dir, sim, sim.users, { base_url: proxy.url }),
          '--rpm',
          '600',
          '--duration',
          '3',
          '--concurrency',
          '3',
          '--summary',
          join(dir, 's2.json'),
        ],
        40_000,
      ).done;
      assert.equal(none.code, EXIT.noSession, none.stderr);
      const s2 = JSON.parse(none.stdout);
      assertValidSummary(s2, 'the summary of a run with no session');
      assert.equal(s2.sessions.logged_in, 0);
      assert.equal(servedLoad(sim), 0, 'no load was sent');
    } finally {
      await proxy.close();
    }
  },
);

test('`no_session`: a VU that lost its session and cannot log in again sends nothing and counts it', { timeout: 60_000 }, async () => {
  fresh();
  const proxy = await startSiteProxy(sim.url);
  try {
    const dir = tempDir();
    const run = runCli(
      [
        '--config',
        writeConfig(dir, sim, sim.users, { base_url: proxy.url }),
        '--rpm',
        '600',
        '--duration',
        '8',
        '--concurrency',
        '4',
        '--progress',
        '1',
        '--summary',
        join(dir, 's.json'),
      ],
      50_000,
    );
    await run.waitForStderr(/progress: load [2-9]\//);
    proxy.setFault((r) => (r.path.startsWith('/login/') ? 500 : null));
    sim.killSessions();
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, EXIT.ok, stderr);
    const summary = JSON.parse(stdout);
    assertValidSummary(summary);
    assert.ok(summary.failure_reasons.no_session > 0, JSON.stringify(summary.failure_reasons));
    assert.ok(summary.relogins.failure > 0);
    // A no_session iteration sends no load request: the site served the rest.
    assert.equal(summary.total - summary.failure_reasons.no_session, servedLoad(sim));
  } finally {
    await proxy.close();
  }
});

test('SIGTERM stops the run like Ctrl-C: exit 130, the summary of what ran printed and saved', { timeout: 40_000 }, async () => {
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
    ],
    35_000,
  );
  await run.waitForStderr(/progress: load [2-9]\//);
  run.child.kill('SIGTERM');
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, EXIT.interrupted, stderr);
  assert.match(stderr, /SIGTERM: stopping the run/);
  const summary = JSON.parse(stdout);
  assertValidSummary(summary);
  assert.equal(summary.stopped_early, true);
  assert.ok(summary.total > 0 && summary.total <= servedLoad(sim));
  assert.equal(readFileSync(summaryPath, 'utf8'), stdout);
});

test(
  '150 sessions (more than the 100 logged in at once): all logged in, each its own, one request at a time',
  { timeout: 60_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const { code, stdout, stderr } = await runCli(
      ['--config', writeConfig(dir, sim), '--rpm', '1200', '--duration', '4', '--concurrency', '150', '--summary', join(dir, 's.json')],
      50_000,
    ).done;
    assert.equal(code, EXIT.ok, stderr);
    const summary = JSON.parse(stdout);
    assertValidSummary(summary);
    assert.deepEqual({ logged_in: summary.sessions.logged_in, attempted: summary.sessions.attempted }, { logged_in: 150, attempted: 150 });
    const logins = Object.values(sim.stats().logins).reduce((n, l) => n + l.success, 0);
    // setup() probes one login first (its session unused, see scenarios/k6/login.ts), then each VU logs in once.
    assert.equal(logins, 150 + 1, 'one Moodle login per session, plus the probe');
    assert.equal(sim.stats().maxConcurrentPerSession, 1);
    assert.equal(summary.total, servedLoad(sim));
    assert.equal(summary.failures, 0);
  },
);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test(
  'a long --progress with --no-stream-stats: k6 still snapshots every 30 s at most (its dashboard holds a period of samples in memory); the last line comes at the end',
  { timeout: 40_000 },
  async () => {
    fresh();
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
        '3600',
        '--no-stream-stats',
        '--summary',
        join(dir, 's.json'),
      ],
      35_000,
    );
    await run.waitForStderr(/logging in 2 sessions/);
    const k6Pid = Number(
      execFileSync('pgrep', ['-P', String(run.child.pid)], { encoding: 'utf8' })
        .trim()
        .split('\n')[0],
    );
    const env = readFileSync(`/proc/${k6Pid}/environ`, 'utf8').split('\0');
    const { code, stderr } = await run.done;
    assert.equal(code, EXIT.ok, stderr);
    assert.ok(env.includes(`K6_WEB_DASHBOARD_PERIOD=${MAX_PERIOD_SEC}s`), env.filter((e) => e.startsWith('K6_WEB')).join(' '));
    const lines = stderr.match(/^progress: .*$/gm) ?? [];
    assert.equal(lines.length, 1, stderr);
    const total = /^progress: load 4\/4s \| rpm [\d.]+ of 600 \| total (\d+) ok \1 failed 0 /.exec(lines[0]);
    assert.ok(total, lines[0]);
    assert.equal(Number(total[1]), servedLoad(sim));
  },
);

test(
  "the dashboard's event order that progress relies on: params and metric names before the figures, sorted names, `stop` last",
  { timeout: 60_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const port = await freePort();
    const settings = {
      ...readRunSettings(
        {
          CONFIG: writeConfig(dir, sim),
          RPM: '600',
          DURATION: '4',
          CONCURRENCY: '4',
          SUMMARY: join(dir, 's.json'),
          SUMMARY_STDOUT: '0',
          CHANNEL: '1',
        },
        'env',
      ),
      k6Version: PINNED_K6_VERSION,
    };
    const inv = k6Invocation({ projectRoot: ROOT, settings, outputs: [], dashboard: { port, periodSec: 1 }, baseEnv: process.env });
    const child = spawn(K6, inv.args, { env: inv.env, stdio: ['ignore', 'ignore', 'pipe'] });
    const records: ChannelRecord[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      const parsed = parseK6LogLine(line);
      if (parsed.kind === 'record') records.push(parsed.record);
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const events: { event: string; data: string }[] = [];
    await new Promise<void>((resolve) => {
      const connect = () => {
        const req = http.get({ host: '127.0.0.1', port, path: '/events' }, (res) => {
          const parser = new SseParser();
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            for (const ev of parser.feed(chunk)) {
              events.push(ev);
              if (ev.event === 'stop') {
                req.destroy();
                resolve();
              }
            }
          });
        });
        req.on('error', () => setTimeout(connect, 100));
      };
      connect();
    });
    assert.equal(await exited, K6_EXIT.ok);
    const kinds = events.map((e) => e.event);
    const firstFigures = kinds.indexOf('cumulative');
    assert.ok(firstFigures > 0, kinds.join(' '));
    assert.ok(kinds.indexOf('param') >= 0 && kinds.indexOf('param') < firstFigures, `param before the first figures: ${kinds.join(' ')}`);
    assert.ok(kinds.indexOf('metric') >= 0 && kinds.indexOf('metric') < firstFigures, 'metric names before the first figures');
    assert.equal(kinds[kinds.length - 1], 'stop', 'stop is the last event');
    // Every snapshot has one row per metric announced so far, in name order, so the decoder
    // reads it; the last one decodes to this run's figures under the right names.
    const decoder = new DashboardDecoder();
    let decoded = 0;
    let last: Record<string, Record<string, number>> | null = null;
    for (const ev of events) {
      const m = decoder.accept(ev);
      if (ev.event === 'cumulative') {
        assert.ok(m !== null, 'a snapshot the decoder could not line up with the metric names');
        decoded++;
        last = m;
      }
    }
    assert.ok(decoded >= 3, `${decoded} snapshots`);
    const summary = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    assertValidSummary(summary);
    // The channel: setup first, the end last, with the same summary as the file.
    assert.deepEqual(
      records.map((r) => r.type),
      ['setup', 'end'],
    );
    const end = records[1]?.data as EndRecord;
    assert.equal(end.stop, 'completed');
    assert.deepEqual(end.summary, summary);
    assert.equal(end.load_from_ms, (records[0]?.data as SetupData).loadStartMs);
    assert.equal(last?.['moodle_target_rpm']?.value, 600, JSON.stringify(last?.['moodle_target_rpm']));
    assert.equal(last?.['moodle_reqs{outcome:success}']?.count, summary.success);
  },
);

test(
  'make segments takes every run flag (--seed, --warmup, --insecure, --retries...) and refuses per-run files in one line',
  { timeout: 60_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const segments = [CLI, 'segments'];
    const common = ['--instances', '2', '--config', writeConfig(dir, sim), '--rpm', '600', '--duration', '3', '--concurrency', '4'];
    const merged = join(dir, 'merged.json');
    const { code, stdout, stderr } = await start(
      process.execPath,
      [...segments, ...common, '--seed', '7', '--warmup', '1', '--insecure', '--retries', '1', '--login-timeout', '5', '--summary', merged],
      { timeoutMs: 50_000 },
    ).done;
    assert.equal(code, EXIT.ok, stderr);
    const r = JSON.parse(stdout);
    assertValidSummary(r, 'merged');
    assert.deepEqual([r.seed, r.warmup_sec, r.max_retries, r.merged.instances], [7, 1, 1, 2]);
    for (const [i, segment] of ['0:1/2', '1/2:1'].entries()) {
      const s = JSON.parse(readFileSync(join(dir, `merged-instance-${i + 1}.json`), 'utf8'));
      assertValidSummary(s, `instance ${segment}`);
      assert.deepEqual([s.seed, s.warmup_sec, s.max_retries, s.execution_segment], [7, 1, 1, segment]);
    }
    const refused = await start(process.execPath, [...segments, ...common, '--log', join(dir, 'x.jsonl')], { timeoutMs: 20_000 }).done;
    assert.equal(refused.code, EXIT.badInput);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /--log is not for segments/);
  },
);

test('bisect-check removes its run folders (request logs included) unless --keep-runs', { timeout: 90_000 }, async () => {
  fresh();
  const dir = tempDir();
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const args = [
    CLI,
    'bisect-check',
    '--save-baseline',
    join(dir, 'base.json'),
    '--repeat',
    '2',
    '--config',
    writeConfig(dir, sim),
    '--rpm',
    '600',
    '--duration',
    '2',
    '--concurrency',
    '3',
  ];
  const env = { ...process.env, TMPDIR: tmp };
  // Flags that would name files bisect-check writes itself are refused in one line (128 stops `git bisect run`).
  const refused = await start(process.execPath, [...args, '--log', join(dir, 'mine.jsonl')], { timeoutMs: 20_000, env }).done;
  assert.equal(refused.code, BISECT_EXIT.abort);
  assert.equal(
    refused.stderr.trim(),
    "bisect-check: --log is not for bisect-check: it writes each run's summary and request log itself, in a temporary folder (--keep-runs keeps it)",
  );
  const removed = await start(process.execPath, args, { timeoutMs: 40_000, env }).done;
  assert.equal(removed.code, EXIT.ok, removed.stderr);
  assert.deepEqual(
    readdirSync(tmp).filter((f) => f.startsWith('moodle-load-')),
    [],
    'no run or status folder left',
  );
  const kept = await start(process.execPath, [...args, '--keep-runs'], { timeoutMs: 40_000, env }).done;
  assert.equal(kept.code, EXIT.ok, kept.stderr);
  const folders = readdirSync(tmp).filter((f) => f.startsWith('moodle-load-bisect-'));
  assert.equal(folders.length, 1);
  assert.match(kept.stderr, new RegExp(`runs kept in ${join(tmp, folders[0] as string)}`));
  assert.ok(existsSync(join(tmp, folders[0] as string, 'run-1.jsonl')) && existsSync(join(tmp, folders[0] as string, 'run-1.json')));
  assertValidSummary(JSON.parse(readFileSync(join(tmp, folders[0] as string, 'run-1.json'), 'utf8')), 'a bisect-check run');
});

void LOAD_PAGES;
