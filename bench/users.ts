// `make bench-users PART=open|closed|closed-stream|rate|rate-pairs`: many users from a few VUs, side by side
// with bare k6, one part a run, against the simulator's real-size pages (/my/, the 214 KB
// dashboard, each user in its own logged-in session). Each part holds the heavy lock for under
// ~10 minutes; results merge into bench/users-results.json.
//   open:          k6 peak RSS, 1,000 logged-in users at 6,000 rpm (OPEN_SEC, default 60 s):
//                  moodle-load --users 1000 --concurrency OPEN_VUS (default 50), moodle-load the
//                  old way (1,000 VUs, one user each) and bare k6 with 1,000 VUs, in one run
//   closed:        k6 RSS every second, 10,000 users, the closed model (--think-time 30,90,
//                  --ramp 60, 50 VUs) for CLOSED_SEC (default 300); growth in MB/min by least
//                  squares after the ramp
//   closed-stream: the same with --stream-stats (closed runs with --no-stream-stats: k6's summary)
//   rate:          the highest sustained rate of the default path (one user per VU) against the
//                  build in BEFORE=dir: bench/hotpath.ts's rate part, its figures copied here
//   rate-pairs:    k6 CPU of the default path against BEFORE's at one rate, runs taking turns
// Every account is the simulator's own (user1..userN), so each user logs in as itself.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, Simulator } from '../sim/server';
import type { SimUser } from '../sim/site';
import { ROOT } from '../test/helpers/paths';
import { runBareK6, runSampled, type Sampled } from './k6-process';

const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'moodle-load-users-'));
const RESULTS = join(ROOT, 'bench', 'users-results.json');
const say = (s: string) => process.stderr.write(`bench: ${s}\n`);
const PAGE = '/my/';

/** Least-squares slope of RSS over time in MB per minute (null with fewer than two samples). */
function slopePerMin(samples: { t: number; mb: number }[]): number | null {
  if (samples.length < 2) return null;
  const n = samples.length;
  const mt = samples.reduce((a, x) => a + x.t, 0) / n;
  const mm = samples.reduce((a, x) => a + x.mb, 0) / n;
  const sxy = samples.reduce((a, x) => a + (x.t - mt) * (x.mb - mm), 0);
  const sxx = samples.reduce((a, x) => a + (x.t - mt) ** 2, 0);
  return sxx > 0 ? Math.round((sxy / sxx) * 60 * 10) / 10 : null;
}

function accounts(n: number): SimUser[] {
  return Array.from({ length: n }, (_, i) => ({ username: `user${i + 1}`, password: `pass${i + 1}` }));
}

function writeConfig(sim: Simulator): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ base_url: sim.url, users: sim.users, urls: [{ path: PAGE }] }));
  return path;
}

interface Summary {
  total: number;
  dropped_iterations: number;
  failures: number;
  latency_ms_p50: number | null;
  latency_ms_p99: number | null;
  sessions: { logged_in: number; login_sec: number | null };
  users?: Record<string, unknown>;
}

/** moodle-load with `flags` after the config; its summary and k6's RSS. */
async function ours(sim: Simulator, flags: string[], cli = CLI): Promise<{ summary: Summary; proc: Sampled; args: string[] }> {
  const summaryPath = join(dir, `ours-${Date.now()}.json`);
  const args = ['--config', writeConfig(sim), ...flags, '--summary', summaryPath];
  const proc = await runSampled(process.execPath, [cli, ...args]);
  if (proc.code !== 0) throw new Error(`moodle-load exited ${proc.code}: ${proc.stderr.slice(-600)}`);
  return { summary: JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary, proc, args: flags };
}

/** bench/bare-k6.js: every VU logs in (its own session), then GETs /my/ discarding bodies. */
async function bare(sim: Simulator, rpm: number, sec: number, vus: number): Promise<{ summary: Summary; proc: Sampled }> {
  const r = await runBareK6(sim, dir, { mode: 'discard', rpm, sec, vus, warmupSec: 0, page: PAGE });
  return { summary: r.summary as Summary, proc: r.proc };
}

const every = (samples: { t: number; mb: number }[], n: number) => samples.filter((_, i) => i % n === 0);

const part = process.argv[2] ?? process.env.PART ?? 'open';
const results: Record<string, unknown> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
const started = Date.now();
const load = { before: loadavg().map((x) => Math.round(x * 100) / 100) };
let key = part;

if (part === 'open') {
  const users = 1000;
  const rpm = 6000;
  const sec = Number(process.env.OPEN_SEC ?? 60);
  const vus = Number(process.env.OPEN_VUS ?? 50);
  // Both moodle-load runs log their 1,000 users in at 100 a second (10 s; the default 20 would take 50 s).
  const common = ['--rpm', String(rpm), '--duration', String(sec), '--login-concurrency', '100', '--progress', '3600'];
  const sim = await startSimulator({ users: accounts(users) });
  const row = (r: { summary: Summary; proc: Sampled }) => ({
    k6PeakRssMb: r.proc.k6PeakRssMb,
    k6CpuSec: Math.round(r.proc.k6CpuSec * 10) / 10,
    total: r.summary.total,
    observedRpm: Math.round((r.summary.total / sec) * 60),
    dropped: r.summary.dropped_iterations,
    failures: r.summary.failures ?? 0,
    p50: r.summary.latency_ms_p50,
    p99: r.summary.latency_ms_p99,
    loggedIn: r.summary.sessions?.logged_in ?? null,
    samples: every(r.proc.samples, 5),
  });
  say(`open: 1,000 logged-in users at ${rpm} rpm for ${sec} s, each run alone`);
  const many = await ours(sim, ['--users', String(users), '--concurrency', String(vus), ...common]);
  say(`  moodle-load --users ${users} --concurrency ${vus}: peak ${many.proc.k6PeakRssMb} MB, dropped ${many.summary.dropped_iterations}`);
  const old = await ours(sim, ['--concurrency', String(users), ...common]);
  say(`  moodle-load --concurrency ${users} (one user per VU): peak ${old.proc.k6PeakRssMb} MB, dropped ${old.summary.dropped_iterations}`);
  const b = await bare(sim, rpm, sec, users);
  say(`  bare k6, ${users} VUs, bodies discarded: peak ${b.proc.k6PeakRssMb} MB, dropped ${b.summary.dropped_iterations}`);
  await sim.close();
  results.open = {
    page: PAGE,
    users,
    rpm,
    sec,
    gogc: process.env.GOGC ?? 'CLI default (200) for moodle-load, Go default (100) for bare k6',
    ours: { vus, command: `moodle-load ${many.args.join(' ')}`, ...row(many), usersSummary: many.summary.users ?? null },
    oldWay: { vus: users, command: `moodle-load ${old.args.join(' ')}`, ...row(old) },
    bareDiscard: {
      vus: users,
      command: `k6 run -e MODE=discard -e VUS=${users} -e RPM=${rpm} -e DURATION=${sec} bench/bare-k6.js`,
      ...row(b),
    },
    goalMb: 300,
    met: many.proc.k6PeakRssMb <= 300,
  };
} else if (part === 'closed' || part === 'closed-stream') {
  const stream = part === 'closed-stream';
  key = stream ? 'closedStream' : 'closed';
  const users = Number(process.env.CLOSED_USERS ?? 10000);
  const vus = Number(process.env.CLOSED_VUS ?? 50);
  const sec = Number(process.env.CLOSED_SEC ?? 300);
  const ramp = Number(process.env.CLOSED_RAMP ?? 60);
  const think = (process.env.CLOSED_THINK ?? '30,90').split(',').map(Number) as [number, number];
  const sim = await startSimulator({ users: accounts(users) });
  const flags = [
    '--users',
    String(users),
    '--concurrency',
    String(vus),
    '--think-time',
    think.join(','),
    '--ramp',
    String(ramp),
    '--duration',
    String(sec),
    '--seed',
    '28',
    stream ? '--stream-stats' : '--no-stream-stats',
  ];
  say(
    `closed ${stream ? '--stream-stats' : '--no-stream-stats'}: ${users} users from ${vus} VUs, think ${think.join('-')} s, ramp ${ramp} s, ${sec} s`,
  );
  const r = await ours(sim, flags);
  const sessions = sim.stats().loggedInSessions;
  await sim.close();
  const start = r.proc.loadStartSec ?? 0;
  // Load-phase seconds for every sample; the growth is fitted from the ramp's end (all users
  // logged in) and, apart, from the ramp's end plus the longest think time (every user in its cycle).
  const samples = r.proc.samples.map((x) => ({ t: Math.round((x.t - start) * 10) / 10, mb: x.mb }));
  const inPhase = samples.filter((x) => x.t <= sec);
  const afterRamp = inPhase.filter((x) => x.t >= ramp);
  const steady = inPhase.filter((x) => x.t >= ramp + think[1]);
  const at = (t: number) => inPhase.find((x) => x.t >= t)?.mb ?? null;
  const growth = slopePerMin(afterRamp);
  const growthSteady = slopePerMin(steady);
  say(
    `  peak ${r.proc.k6PeakRssMb} MB; RSS ${at(ramp)} MB at the ramp's end, ${inPhase[inPhase.length - 1]?.mb} MB at ${sec} s; growth ${growth} MB/min after the ramp, ${growthSteady} MB/min from ${ramp + think[1]} s; ${r.summary.total} requests, ${r.summary.failures} failed`,
  );
  results[key] = {
    page: PAGE,
    users,
    vus,
    thinkSec: think,
    rampSec: ramp,
    sec,
    streamStats: stream,
    command: `moodle-load ${r.args.join(' ')}`,
    k6PeakRssMb: r.proc.k6PeakRssMb,
    k6CpuSec: Math.round(r.proc.k6CpuSec * 10) / 10,
    rssAtRampEndMb: at(ramp),
    rssAtEndMb: inPhase[inPhase.length - 1]?.mb ?? null,
    growthMbPerMinAfterRamp: growth,
    growthMbPerMinSteady: growthSteady,
    total: r.summary.total,
    failures: r.summary.failures,
    p50: r.summary.latency_ms_p50,
    p99: r.summary.latency_ms_p99,
    usersSummary: r.summary.users ?? null,
    simLoggedInSessions: sessions,
    goalMb: 1024,
    met: r.proc.k6PeakRssMb <= 1024,
    loadStartSec: r.proc.loadStartSec,
    /** k6 RSS every 2 s; t in seconds from the load phase's start (negative: setup and k6's start). */
    samples: every(samples, 2),
  };
} else if (part === 'rate') {
  // bench/hotpath.ts's rate part as it is (BEFORE=dir passes through), into a file of its own so
  // that bench/hotpath-results.json keeps the hot path's figures.
  const file = join(dir, 'hotpath-rate.json');
  if (!process.env.BEFORE) say('rate: no BEFORE=dir, so moodle-load against bare k6 only');
  // The other build's CLI runs the k6 in its own tree: better said now than after the first series.
  else if (!existsSync(join(process.env.BEFORE, '.tools', 'bin', 'k6')))
    throw new Error(`BEFORE: no k6 in ${process.env.BEFORE}/.tools/bin (copy this tree's .tools/bin/k6 there, or run make k6 there)`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'hotpath.ts'), 'rate'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, HOTPATH_RESULTS: file },
    });
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`bench/hotpath.ts rate exited ${code}`);
  const r = JSON.parse(readFileSync(file, 'utf8'));
  results.rate = { before: process.env.BEFORE ?? null, ...r.rate, load: r.rateLoad };
} else if (part === 'rate-pairs') {
  // The default path's CPU per request against BEFORE's, closer than a ceiling's steps: PAIRS
  // pairs of 10 s runs at PAIRS_RPM (default 90,000; 200 VUs, 3 s ramp), the two builds taking
  // turns, so that the machine's drift falls on both alike.
  if (!process.env.BEFORE) throw new Error('rate-pairs needs BEFORE=dir');
  const before = join(process.env.BEFORE, 'dist', 'cli.js');
  const rpm = Number(process.env.PAIRS_RPM ?? 90000);
  const pairs = Number(process.env.PAIRS ?? 4);
  const sec = 10;
  // PAIRS_FOOTER=1: the site shows Moodle's performance footer (bodies searched for it).
  const footer = process.env.PAIRS_FOOTER === '1';
  const sim = await startSimulator({ maxUserId: 10000, perfFooter: footer });
  const flags = ['--rpm', String(rpm), '--duration', String(sec), '--concurrency', '200', '--warmup', '3', '--progress', '3600'];
  const one = async (cli: string) => {
    const r = await ours(sim, flags, cli);
    return {
      k6CpuSec: Math.round(r.proc.k6CpuSec * 10) / 10,
      observedRpm: Math.round((r.summary.total / sec) * 60),
      dropped: r.summary.dropped_iterations,
      p99: r.summary.latency_ms_p99,
    };
  };
  const runs: { after: Awaited<ReturnType<typeof one>>; before: Awaited<ReturnType<typeof one>> }[] = [];
  say(`rate-pairs: ${pairs} pairs at ${rpm} rpm, ${sec} s, 200 VUs, this build and ${process.env.BEFORE} in turn`);
  for (let i = 0; i < pairs; i++) {
    // Which goes first alternates too.
    const a = i % 2 === 0 ? await one(CLI) : null;
    const b = await one(before);
    const after = a ?? (await one(CLI));
    runs.push({ after, before: b });
    say(`  pair ${i + 1}: after CPU ${after.k6CpuSec} s, dropped ${after.dropped}; before CPU ${b.k6CpuSec} s, dropped ${b.dropped}`);
  }
  await sim.close();
  const mean = (xs: number[]) => Math.round((xs.reduce((x, y) => x + y, 0) / xs.length) * 100) / 100;
  key = `ratePairs${footer ? 'Footer' : ''}${rpm}`;
  results[key] = {
    before: process.env.BEFORE,
    footer,
    rpm,
    sec,
    vus: 200,
    runs,
    meanCpuAfter: mean(runs.map((r) => r.after.k6CpuSec)),
    meanCpuBefore: mean(runs.map((r) => r.before.k6CpuSec)),
  };
} else {
  throw new Error(`PART must be open, closed, closed-stream, rate or rate-pairs, not ${part}`);
}
results[`${key}Load`] = {
  ...load,
  after: loadavg().map((x) => Math.round(x * 100) / 100),
  wallSec: Math.round((Date.now() - started) / 1000),
  date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
};
writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
say(`done in ${Math.round((Date.now() - started) / 1000)} s: ${RESULTS}`);
