// Site state and server resources on the real Moodle site (make moodle-site). Run under the
// shared lock: flock /tmp/moodle-load-heavy.lock node --import tsx --test test/moodle/state*.test.ts
// It snapshots the site first and restores that snapshot at the end, so the site is left as found.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ResourceSample } from '../../analysis/server-resources';
import type { RequestLogRecord } from '../../lib/request-log';
import { runCli, tempDir } from '../helpers/e2e';

const SITE = process.env.MOODLE_SITE_DIR ?? '/var/tmp/moodle-load-site';
const CONFIG = join(SITE, 'moodle-load.json');
const CODE = join(SITE, 'code');
if (!existsSync(CONFIG))
  throw new Error(`no Moodle site at ${SITE} (moodle-load.json missing): build it with make moodle-site, or set MOODLE_SITE_DIR`);

const dir = tempDir();
const ORIGINAL = join(dir, 'original.dump');
const RUN_MS = 120_000;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

async function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const done = await runCli(args, RUN_MS).done;
  return done;
}

async function ok(args: readonly string[]): Promise<string> {
  const r = await cli(args);
  assert.equal(r.code, 0, `moodle-load ${args.join(' ')} exit ${r.code}:\n${r.stderr}`);
  return r.stderr;
}

/** Moodle's lastaccess throttle (60 s, lib/datalib.php user_accesstime_log) and a margin. */
const LASTACCESS_THROTTLE_MS = 65_000;
const SEEDED_VUS = 4;
const DB = process.env.MOODLE_SITE_DB ?? 'moodle_load';

/**
 * The `n` users of the site's users file that were active longest ago (user.lastaccess, and their course
 * accesses): a config of their own for the seeded runs, and when the most recent of them was last active
 * (Unix seconds, 0 when none ever was).
 */
function restingUsersConfig(n: number): { configPath: string; lastActiveSec: number } {
  const config = JSON.parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
  const users = readFileSync(join(SITE, config.users_file as string), 'utf8')
    .trim()
    .split('\n')
    .map((line) => ({ line, name: line.split(',')[0] as string }));
  const sql = `SELECT u.username, GREATEST(u.lastaccess, COALESCE(MAX(l.timeaccess), 0)) FROM mdl_user u LEFT JOIN mdl_user_lastaccess l ON l.userid = u.id WHERE u.username IN (${users.map((u) => `'${u.name.replace(/'/g, "''")}'`).join(',')}) GROUP BY u.id`;
  const rows = execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-A', '-t', '-d', DB, '-c', sql], { encoding: 'utf8' })
    .trim()
    .split('\n');
  const active = new Map(rows.map((row) => row.split('|') as [string, string]).map(([name, sec]) => [name, Number(sec)]));
  const activeOf = (name: string) => active.get(name) ?? 0;
  const chosen = [...users].sort((a, b) => activeOf(a.name) - activeOf(b.name)).slice(0, n);
  const usersPath = join(dir, 'resting-users.csv');
  writeFileSync(usersPath, chosen.map((u) => u.line).join('\n'), { mode: 0o600 });
  const configPath = join(dir, 'resting-config.json');
  writeFileSync(configPath, JSON.stringify({ ...config, users_file: usersPath }), { mode: 0o600 });
  return { configPath, lastActiveSec: Math.max(...chosen.map((u) => activeOf(u.name))) };
}

/** A short seeded run with its request log; returns the load phase's first attempts. */
async function seededRun(config: string, name: string, extra: readonly string[] = []): Promise<RequestLogRecord[]> {
  const log = join(dir, `${name}.jsonl`);
  await ok([
    '--config',
    config,
    '--rpm',
    '240',
    '--duration',
    '20',
    '--concurrency',
    String(SEEDED_VUS),
    '--seed',
    '4242',
    '--log',
    log,
    '--summary',
    join(dir, `${name}.json`),
    '--progress',
    '10',
    ...extra,
  ]);
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RequestLogRecord)
    .filter((r) => r.phase === 'load' && r.attempt === 0 && r.outcome === 'success');
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function dbMedians(records: readonly RequestLogRecord[]): Record<string, number> {
  const by = new Map<string, number[]>();
  for (const r of records) if (r.db_reads !== null) by.set(r.endpoint, [...(by.get(r.endpoint) ?? []), r.db_reads]);
  return Object.fromEntries([...by].map(([e, v]) => [e, median(v)]));
}

/** Pairs of the same iteration (so the same URL) in two runs, and how many have equal DB reads and writes. */
function samePairs(a: readonly RequestLogRecord[], b: readonly RequestLogRecord[]): { pairs: number; equal: number; readsEqual: number } {
  const byIteration = new Map(b.map((r) => [r.iteration, r]));
  let pairs = 0;
  let equal = 0;
  let readsEqual = 0;
  for (const r of a) {
    const o = byIteration.get(r.iteration);
    if (!o || o.path !== r.path || r.db_reads === null) continue;
    pairs++;
    if (o.db_reads === r.db_reads) readsEqual++;
    if (o.db_reads === r.db_reads && o.db_writes === r.db_writes) equal++;
  }
  return { pairs, equal, readsEqual };
}

/** php-fpm's CPU seconds from /proc, read here without the CLI's code: all its processes' utime+stime, plus the master's reaped children. */
/** How many processes `ppid` has now (field 4 of /proc/<pid>/stat). */
function childrenOf(ppid: number): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) n++;
    } catch {
      // ended meanwhile
    }
  }
  return n;
}

function phpFpmCpuSeconds(): number {
  let ticks = 0;
  const pids = new Map<number, { ppid: number; own: number; children: number }>();
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (!name.startsWith('php-fpm')) continue;
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // f[0] is field 3: ppid 4, utime 14, stime 15, cutime 16, cstime 17.
    pids.set(Number(pid), {
      ppid: f[1] as number,
      own: (f[11] as number) + (f[12] as number),
      children: (f[13] as number) + (f[14] as number),
    });
  }
  for (const p of pids.values()) ticks += p.own + (pids.has(p.ppid) ? 0 : p.children);
  return ticks / CLK_TCK;
}

before(async () => {
  await ok(['site', 'snapshot', '--out', ORIGINAL, '--with-dataroot', '--moodle-dir', CODE]);
});

after(async () => {
  // Leave the site as it was found, whatever the tests did.
  await ok(['site', 'restore', ORIGINAL]);
});

test('site restore: a database that is not Moodle is refused before anything is dropped; the password is never printed', async () => {
  const r = await cli(['site', 'restore', ORIGINAL, '--db-name', 'postgres']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /database postgres .* does not look like a Moodle database \(no table mdl_config with a version row\)/);
  assert.doesNotMatch(r.stderr, /will replace/);
  const password = /\$CFG->dbpass\s*=\s*'([^']*)'/.exec(readFileSync(join(CODE, 'config.php'), 'utf8'))?.[1] as string;
  assert.ok(password.length > 0);
  const dry = await cli(['site', 'restore', ORIGINAL, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stderr, /will replace database moodle_load .* drops and recreates the snapshot's \d+ tables/);
  for (const out of [r.stderr, r.stdout, dry.stderr, dry.stdout]) assert.ok(!out.includes(password), 'the database password was printed');
});

test(
  "after a restore, a run with the same seed repeats the first run's per-endpoint DB medians; server stats add up against /proc",
  { timeout: 600_000 },
  async (t) => {
    // Moodle re-reads a user's course access on every course page for a minute after that user was last
    // active (user_accesstime_log). So the runs log in as the users idle the longest, and what is left of
    // that minute is waited out: the first run does not pay for their earlier activity, nor the restored one.
    const resting = restingUsersConfig(SEEDED_VUS);
    const idleMs = resting.lastActiveSec === 0 ? Infinity : Date.now() - resting.lastActiveSec * 1000;
    const waitMs = Math.max(0, LASTACCESS_THROTTLE_MS - idleMs);
    t.diagnostic(
      `the ${SEEDED_VUS} users idle the longest: ${idleMs === Infinity ? 'never active' : `last active ${Math.round(idleMs / 1000)} s ago`}, waiting ${Math.round(waitMs / 1000)} s`,
    );
    await new Promise((done) => setTimeout(done, waitMs));
    await ok(['site', 'restore', ORIGINAL]);
    const cpuBefore = phpFpmCpuSeconds();
    const first = await seededRun(resting.configPath, 'first', ['--server-stats']);
    const cpuTruth = phpFpmCpuSeconds() - cpuBefore;

    // Server stats: php-fpm's CPU seconds summed over our per-second samples against /proc read here.
    const samples = readFileSync(join(dir, 'first.server.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ResourceSample);
    const sampled = samples.reduce(
      (sum, s) => sum + ((s.groups['php-fpm']?.cpu_pct ?? 0) / 100) * (s.groups['php-fpm']?.interval_s ?? 0),
      0,
    );
    t.diagnostic(
      `php-fpm CPU: ${sampled.toFixed(2)} s in ${samples.length} samples, ${cpuTruth.toFixed(2)} s by /proc around the whole run`,
    );
    assert.ok(samples.length >= 20, `${samples.length} samples for a run of 20 s plus login`);
    assert.ok(cpuTruth > 1, `php-fpm used ${cpuTruth} s: was the load served?`);
    // The test's window holds the sampler's (k6 start-up and exit, with an idle php-fpm, are the difference).
    assert.ok(sampled <= cpuTruth + 0.05 && sampled >= cpuTruth * 0.95 - 0.1, `sampled ${sampled} s, /proc ${cpuTruth} s`);
    const summary = JSON.parse(readFileSync(join(dir, 'first.json'), 'utf8')) as {
      server_resources: {
        warnings: string[];
        groups: Record<string, { cpu_seconds: number; samples: number; cpu_pct_peak: number; cpu_pct_mean: number; processes_max: number }>;
      };
    };
    const fpm = summary.server_resources.groups['php-fpm'];
    assert.ok(
      fpm && fpm.samples >= 18 && fpm.cpu_seconds > 0 && fpm.cpu_seconds <= sampled + 0.01 && fpm.cpu_pct_peak >= fpm.cpu_pct_mean,
      JSON.stringify(fpm),
    );
    // Found from base_url's port: this site's nginx (its master and workers, none of another
    // nginx), the pool it passes PHP to, and the database that pool talks to.
    assert.deepEqual(Object.keys(summary.server_resources.groups).sort(), ['nginx', 'php-fpm', 'postgres']);
    assert.deepEqual(summary.server_resources.warnings, []);
    const nginxMaster = Number(readFileSync(join(SITE, 'run', 'nginx.pid'), 'utf8'));
    assert.equal(summary.server_resources.groups.nginx?.processes_max, 1 + childrenOf(nginxMaster));

    await ok(['site', 'restore', ORIGINAL]);
    const second = await seededRun(resting.configPath, 'second');
    const noRestore = await seededRun(resting.configPath, 'third-without-restore');

    const restored = samePairs(first, second);
    const unrestored = samePairs(second, noRestore);
    t.diagnostic(
      `same-URL pairs (same iteration) with equal DB reads: after a restore ${restored.readsEqual} of ${restored.pairs}, without a restore ${unrestored.readsEqual} of ${unrestored.pairs}; equal reads and writes: ${restored.equal} and ${unrestored.equal}`,
    );
    t.diagnostic(
      `per-endpoint DB read medians: first ${JSON.stringify(dbMedians(first))}, after restore ${JSON.stringify(dbMedians(second))}, without restore ${JSON.stringify(dbMedians(noRestore))}`,
    );
    assert.ok(restored.pairs >= 60, `${restored.pairs} pairs`);
    // Measured here: 81 of 81 after a restore, 39 of 81 without one.
    assert.ok(
      restored.readsEqual >= 0.9 * restored.pairs,
      `after a restore only ${restored.readsEqual} of ${restored.pairs} pairs read the same`,
    );
    assert.ok(restored.readsEqual > unrestored.readsEqual, 'a restore made no difference to DB reads');
    assert.deepEqual(dbMedians(second), dbMedians(first));
  },
);

test("users on an existing site (the recipe of docs/running-a-load.md): Moodle's uploaduser.php makes N users with a known password, and they log in", async () => {
  const csv = join(dir, 'load-users.csv');
  const users = join(dir, 'users.csv');
  // The commands of docs/running-a-load.md (*Users on an existing site*; test/unit/docs.test.ts checks they are
  // still there), with N=3 and the plan's course; the site is restored to its snapshot at the end.
  const script = [
    "N=3; PW='Load-test-1A'",
    `{ echo 'username,password,firstname,lastname,email,course1'; seq -f "statetest%04g" 1 $N | awk -v pw="$PW" '{print $1 "," pw ",Load," $1 "," $1 "@example.invalid,testcourse_9"}'; } > ${csv}`,
    `chmod 644 ${csv} && chmod 755 ${dir}`,
    `cd ${CODE} && runuser -u www-data -- php admin/tool/uploaduser/cli/uploaduser.php --file=${csv} --uutype=0`,
    `tail -n +2 ${csv} | cut -d, -f1,2 > ${users}`,
  ].join('\n');
  const out = execFileSync('bash', ['-e', '-c', script], { encoding: 'utf8' });
  assert.match(out, /Users created: 3\s+Users having a weak password: 0\s+Errors: 0/);
  const config = JSON.parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
  const configPath = join(dir, 'users-config.json');
  writeFileSync(configPath, JSON.stringify({ ...config, users_file: users }));
  const r = await cli([
    '--config',
    configPath,
    '--rpm',
    '60',
    '--duration',
    '3',
    '--concurrency',
    '3',
    '--summary',
    join(dir, 'users.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { sessions: { logged_in: number }; failures: number; total: number };
  assert.equal(summary.sessions.logged_in, 3);
  assert.ok(summary.total > 0 && summary.failures === 0, r.stderr);
});
