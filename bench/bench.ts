// `make bench`: how fast, how exact and how heavy moodle-load is on this machine, side by side
// with bare k6 and wrk, every target on 127.0.0.1. Writes BENCHMARKS.md and bench/results.json.
// A benchmark, not a test: it asserts nothing, it measures and says which goals were met.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startSimulator, Simulator } from '../sim/server';
import { writeConfig } from '../test/helpers/e2e';
import { ROOT } from '../test/helpers/paths';
import { childNamed, procStat } from '../cli/server-stats/proc-stat';
import { runBareK6 } from './k6-process';

const K6 = join(ROOT, '.tools', 'bin', 'k6');
const CLI = join(ROOT, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'moodle-load-bench-'));
const say = (s: string) => process.stderr.write(`bench: ${s}\n`);
const started = Date.now();

interface Proc {
  readonly code: number | null;
  readonly stderr: string;
  /** CPU seconds (user + system) of the process tree's k6, and peak RSS (MB) of k6 and of the CLI. */
  readonly k6CpuSec: number;
  readonly k6PeakRssMb: number;
  readonly cliPeakRssMb: number;
  readonly rssSamples: { t: number; k6Mb: number }[];
}

/** Runs a command, sampling k6's CPU and RSS (k6 is the command itself, or the CLI's child). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, K6_NO_USAGE_REPORT: 'true', ...env },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const isK6 = command === K6;
    let k6Cpu = 0;
    let k6Peak = 0;
    let cliPeak = 0;
    const samples: { t: number; k6Mb: number }[] = [];
    const t0 = Date.now();
    const timer = setInterval(() => {
      const k6 = isK6 ? (child.pid ?? null) : childNamed(child.pid as number, 'k6');
      const k = k6 === null ? null : procStat(k6);
      // A finished k6 lingers as a zombie with RSS 0 until reaped: not a sample.
      if (k && k.rssMb > 0) {
        k6Cpu = k.cpuSec;
        k6Peak = Math.max(k6Peak, k.rssMb);
        samples.push({ t: (Date.now() - t0) / 1000, k6Mb: Math.round(k.rssMb) });
      }
      const c = isK6 ? null : procStat(child.pid as number);
      if (c) cliPeak = Math.max(cliPeak, c.rssMb);
    }, 1000);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, stderr, k6CpuSec: k6Cpu, k6PeakRssMb: Math.round(k6Peak), cliPeakRssMb: Math.round(cliPeak), rssSamples: samples });
    });
  });
}

interface LoadResult {
  readonly rpm: number;
  readonly total: number;
  readonly observedRpm: number;
  readonly ratio: number;
  readonly dropped: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly sustained: boolean;
  readonly k6CpuSec: number;
  readonly k6PeakRssMb: number;
  readonly cliPeakRssMb: number;
  readonly loginSec?: number | null;
  readonly rssSamples?: { t: number; k6Mb: number }[];
}

function judge(
  rpm: number,
  durationSec: number,
  total: number,
  dropped: number,
): { observedRpm: number; ratio: number; sustained: boolean } {
  const observedRpm = (total / durationSec) * 60;
  const ratio = observedRpm / rpm;
  return {
    observedRpm: Math.round(observedRpm * 10) / 10,
    ratio: Math.round(ratio * 10000) / 10000,
    sustained: dropped === 0 && Math.abs(ratio - 1) <= 0.01,
  };
}

async function ours(
  sim: Simulator,
  config: string,
  rpm: number,
  durationSec: number,
  concurrency: number,
  extra: string[] = [],
): Promise<LoadResult> {
  const summaryPath = join(dir, `ours-${rpm}-${Date.now()}.json`);
  const p = await run(process.execPath, [
    CLI,
    '--config',
    config,
    '--base-url',
    sim.url,
    '--rpm',
    String(rpm),
    '--duration',
    String(durationSec),
    '--concurrency',
    String(concurrency),
    '--summary',
    summaryPath,
    '--progress',
    '3600',
    ...extra,
  ]);
  if (p.code !== 0) throw new Error(`moodle-load exited ${p.code}: ${p.stderr.slice(-500)}`);
  const s = JSON.parse(readFileSync(summaryPath, 'utf8'));
  const j = judge(rpm, durationSec, s.total, s.dropped_iterations);
  return {
    rpm,
    total: s.total,
    ...j,
    dropped: s.dropped_iterations,
    p50: s.latency_ms_p50,
    p99: s.latency_ms_p99,
    k6CpuSec: p.k6CpuSec,
    k6PeakRssMb: p.k6PeakRssMb,
    cliPeakRssMb: p.cliPeakRssMb,
    loginSec: s.sessions.login_sec,
    rssSamples: p.rssSamples,
  };
}

async function bare(sim: Simulator, rpm: number, durationSec: number, vus: number): Promise<LoadResult> {
  // bare-k6.js logs each VU in and requests /my/ (the real-size dashboard) in that session.
  const { summary, proc: p } = await runBareK6(sim, dir, { mode: 'discard', rpm, sec: durationSec, vus, warmupSec: 0, page: '/my/' });
  const s = summary as { total: number; dropped_iterations: number; latency_ms_p50: number; latency_ms_p99: number };
  const j = judge(rpm, durationSec, s.total, s.dropped_iterations);
  return {
    rpm,
    total: s.total,
    ...j,
    dropped: s.dropped_iterations,
    p50: s.latency_ms_p50,
    p99: s.latency_ms_p99,
    k6CpuSec: p.k6CpuSec,
    k6PeakRssMb: p.k6PeakRssMb,
    cliPeakRssMb: 0,
  };
}

/** Raises the rate step by step until a run is not sustained; returns every step. */
async function ceiling(
  runAt: (rpm: number) => Promise<LoadResult>,
  steps: number[],
): Promise<{ steps: LoadResult[]; maxSustainedRpm: number }> {
  const results: LoadResult[] = [];
  let max = 0;
  for (const rpm of steps) {
    const r = await runAt(rpm);
    results.push(r);
    say(
      `  ${rpm} rpm: observed ${r.observedRpm} (${(r.ratio * 100).toFixed(2)}%), dropped ${r.dropped}, ${r.sustained ? 'sustained' : 'NOT sustained'}`,
    );
    if (!r.sustained) break;
    max = rpm;
  }
  return { steps: results, maxSustainedRpm: max };
}

/** Asynchronous: the simulator runs in this process, and a blocked event loop would starve it. */
function wrk(url: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('wrk', ['-t1', '-c64', '-d10s', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('close', () => resolve(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)));
  });
}

const k6Version = execFileSync(K6, ['version'], { encoding: 'utf8' }).trim();
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? '?',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  k6: k6Version,
};
say(`${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB; ${k6Version}`);

// Real page bodies (the captured Moodle pages), but no drawn server time: these figures are the
// generator's, so the simulator answers as fast as it can (section 3 adds a fixed 50 ms).
const sim = await startSimulator({ maxUserId: 10000, baseLatency: { medianMs: 0, sigma: 0 } });
const config = writeConfig(dir, sim);
const results: Record<string, unknown> = { machine };

// 1. Rate accuracy.
say('1. rate accuracy');
const accuracy: LoadResult[] = [];
for (const [rpm, conc] of [
  [600, 20],
  [6000, 20],
  [60000, 100],
  [300000, 200],
] as const) {
  const r = await ours(sim, config, rpm, 30, conc);
  accuracy.push(r);
  say(`  ${rpm} rpm: observed ${r.observedRpm} (${(r.ratio * 100).toFixed(2)}%), dropped ${r.dropped}`);
}
results.accuracy = accuracy;

// 2. Overhead against the engine, and the machine's ceiling.
say('2. highest sustained rate: moodle-load, then bare k6');
const steps = [60000, 120000, 180000, 240000, 300000, 360000, 420000, 480000];
const oursCeiling = await ceiling((rpm) => ours(sim, config, rpm, 10, 200), steps);
const bareCeiling = await ceiling((rpm) => bare(sim, rpm, 10, 200), steps);
const wrkRps = await wrk(`${sim.url}/`);
say(`  wrk: ${wrkRps} req/s`);
results.overhead = {
  ours: oursCeiling,
  bare: bareCeiling,
  ratio: bareCeiling.maxSustainedRpm > 0 ? oursCeiling.maxSustainedRpm / bareCeiling.maxSustainedRpm : null,
  wrkRps,
};

// 3. Client-added latency against 50 ms pages, at half our maximum rate.
say('3. client-added latency at 50 ms');
sim.setLatency('*', 50);
const halfRpm = Math.max(6000, Math.floor(oursCeiling.maxSustainedRpm / 2 / 6000) * 6000);
const lat = await ours(sim, config, halfRpm, 20, Math.ceil((halfRpm / 60) * 0.05 * 3) + 20);
sim.setLatency('*', 0);
results.latency = {
  rpm: halfRpm,
  p50: lat.p50,
  p99: lat.p99,
  addedP50: lat.p50 === null ? null : Math.round((lat.p50 - 50) * 100) / 100,
  addedP99: lat.p99 === null ? null : Math.round((lat.p99 - 50) * 100) / 100,
  dropped: lat.dropped,
};
say(`  at ${halfRpm} rpm: p50 ${lat.p50} ms, p99 ${lat.p99} ms`);

// 4. Login.
say('4. login');
const login100 = await ours(sim, config, 600, 2, 100);
const login1000 = await ours(sim, config, 600, 2, 1000);
results.login = { sessions100Sec: login100.loginSec, sessions1000Sec: login1000.loginSec };
say(`  100 sessions ${login100.loginSec} s, 1000 sessions ${login1000.loginSec} s`);

// 6. Progress cost (before the long run).
say('6. progress cost: progress every second, against bare `k6 run` of the same scenario (no progress stream)');
const progressRpm = Math.floor((oursCeiling.maxSustainedRpm * 0.75) / 6000) * 6000 || 60000;
const withProgress = await ours(sim, config, progressRpm, 20, 200, ['--progress', '1']);
const progressSummary = join(dir, 'noprogress.json');
const plain = await run(K6, [
  'run',
  '--quiet',
  '--address',
  '',
  '-e',
  `CONFIG=${config}`,
  '-e',
  `BASE_URL=${sim.url}`,
  '-e',
  `RPM=${progressRpm}`,
  '-e',
  'DURATION=20',
  '-e',
  'CONCURRENCY=200',
  '-e',
  `SUMMARY=${progressSummary}`,
  '-e',
  'SUMMARY_STDOUT=0',
  join(ROOT, 'dist', 'scenario.js'),
]);
const plainSummary = JSON.parse(readFileSync(progressSummary, 'utf8'));
results.progress = {
  rpm: progressRpm,
  everySecond: { observedRpm: withProgress.observedRpm, dropped: withProgress.dropped, k6CpuSec: withProgress.k6CpuSec },
  none: {
    observedRpm: judge(progressRpm, 20, plainSummary.total, plainSummary.dropped_iterations).observedRpm,
    dropped: plainSummary.dropped_iterations,
    k6CpuSec: plain.k6CpuSec,
  },
};
say(`  ${JSON.stringify(results.progress)}`);

// 5. Memory: 1,000 VUs, 1,000 req/s for 5 minutes.
say('5. memory: 1,000 VUs at 1,000 req/s for 300 s');
const mem = await ours(sim, config, 60000, 300, 1000);
const samples = mem.rssSamples ?? [];
const early = samples.find((s) => s.t >= 30)?.k6Mb ?? null;
const last = samples[samples.length - 1]?.k6Mb ?? null;
results.memory = {
  k6PeakRssMb: mem.k6PeakRssMb,
  cliPeakRssMb: mem.cliPeakRssMb,
  k6RssAt30sMb: early,
  k6RssAtEndMb: last,
  growthMbPerMin:
    early !== null && last !== null ? Math.round(((last - early) / ((samples[samples.length - 1]!.t - 30) / 60)) * 10) / 10 : null,
  observedRpm: mem.observedRpm,
  dropped: mem.dropped,
  samples,
};
say(`  k6 peak ${mem.k6PeakRssMb} MB, CLI peak ${mem.cliPeakRssMb} MB, k6 ${early} MB at 30 s -> ${last} MB at the end`);

await sim.close();
const wallSec = Math.round((Date.now() - started) / 1000);
results.wallSec = wallSec;
results.date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
// The hot-path and many-users sections (bench/hotpath.ts's and bench/users.ts's figures, with their notes) are kept as they are.
const previous = readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8');
const kept = ['hotpath', 'users']
  .map((name) => new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->\\n`).exec(previous)?.[0] ?? '')
  .filter((block) => block !== '')
  .map((block) => `\n${block}`)
  .join('');
writeFileSync(join(ROOT, 'BENCHMARKS.md'), (await import('./report')).benchmarksMarkdown(results as never) + kept);
say(`done in ${wallSec} s: BENCHMARKS.md, bench/results.json`);
