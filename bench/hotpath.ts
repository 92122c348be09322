// `make bench-hotpath PART=rate|memory|growth|latency|stream-pairs|bursts`: moodle-load's hot path side by side with bare
// k6, one part a run, against the simulator's real-size pages (/my/, the 214 KB dashboard, in a
// logged-in session).
// Each part holds the heavy lock for under 10 minutes; results merge into bench/hotpath-results.json.
//   rate:    highest sustained rate, moodle-load vs bare k6 discarding bodies and vs bare k6
//            reading each body's head as bytes (site without the footer), and vs bare k6 reading
//            strings (site with the footer)
//   memory:  peak k6 RSS with 1,000 VUs at 1,000 req/s, and its growth after the first minute
//   growth:  k6's and the CLI's memory growth per hour at 1,000 req/s after the first minute (GROWTH_SEC, default 300)
//   latency: client-added p99 against a fixed 50 ms page at half the highest sustained rate
//   stream-pairs: streamed figures (--stream-stats) against k6's summary (--no-stream-stats) at
//            PAIRS_RPM (60000) on the site with the footer, PAIRS (5) pairs in alternating order,
//            each with bare k6 (dropped, p99, k6 and CLI CPU)
//   bursts:  when the VUs' stats records are written, and the p99 beside it (bench/record-bursts.ts)
// The rate and latency parts ramp each run up over WARMUP_SEC (default 3) before its timed
// step, bare k6 and moodle-load alike (--warmup): near this machine's limit a run started at
// full rate, bare k6's too, drops iterations in its first second only, and that transient rather
// than the steady rate would set the ceiling. WARMUP_SEC=0 starts each step at full rate.
// RATES and RATES_FOOTER are the steps tried on the site without and with the footer.
// BEFORE=dir compares with another build of moodle-load (its dist/cli.js), e.g. another commit's.
// HOTPATH_RESULTS=file writes the figures there instead (bench/users.ts PART=rate does).
// STREAM=1 runs moodle-load with --stream-stats (figures counted in the VUs; k6 keeps no sample),
// STREAM=0 with --no-stream-stats (k6's summary); their results are kept under the part's name +
// "Stream" or "K6Summary". Unset, each build runs its own default (a BEFORE build may not know the flags).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, Simulator } from '../sim/server';
import { ROOT } from '../test/helpers/paths';
import { runBareK6, runSampled, type Sampled } from './k6-process';
import { recordBursts } from './record-bursts';
import { clockTicksPerSecond } from '../cli/server-stats/proc-stat';

const dir = mkdtempSync(join(tmpdir(), 'moodle-load-hotpath-'));
const RESULTS = process.env.HOTPATH_RESULTS ?? join(ROOT, 'bench', 'hotpath-results.json');
const say = (s: string) => process.stderr.write(`bench: ${s}\n`);
const PAGE = '/my/';
const STEP_SEC = Number(process.env.STEP_SEC ?? 10);
type Counting = 'default' | 'stream' | 'k6';
const COUNTING: Counting = process.env.STREAM === '1' ? 'stream' : process.env.STREAM === '0' ? 'k6' : 'default';
const COUNTING_FLAGS: Record<Counting, string[]> = { default: [], stream: ['--stream-stats'], k6: ['--no-stream-stats'] };
const COUNTING_KEY: Record<Counting, string> = { default: '', stream: 'Stream', k6: 'K6Summary' };
const WARMUP_SEC = Number(process.env.WARMUP_SEC ?? 3);
// moodle-load's --warmup takes whole seconds.
if (!Number.isInteger(WARMUP_SEC) || WARMUP_SEC < 0)
  throw new Error(`WARMUP_SEC must be a whole number of seconds, not ${process.env.WARMUP_SEC}`);

interface Step {
  rpm: number;
  total: number;
  dropped: number;
  /** Dropped in the warm-up ramp (bare k6 only: moodle-load's summary covers the timed phase). */
  warmupDropped?: number;
  observedRpm: number;
  sustained: boolean;
  p50: number | null;
  p99: number | null;
  k6PeakRssMb: number;
  k6CpuSec: number;
  /** moodle-load only: the CLI's own CPU seconds (k6 not included). */
  cliCpuSec?: number;
  samples?: { t: number; mb: number }[];
  cliSamples?: { t: number; mb: number }[];
}

function step(
  rpm: number,
  sec: number,
  s: {
    total: number;
    dropped_iterations: number;
    warmup_dropped_iterations?: number;
    latency_ms_p50: number | null;
    latency_ms_p99: number | null;
  },
  p: Sampled,
): Step {
  const observedRpm = Math.round((s.total / sec) * 60);
  return {
    rpm,
    total: s.total,
    dropped: s.dropped_iterations,
    ...(s.warmup_dropped_iterations === undefined ? {} : { warmupDropped: s.warmup_dropped_iterations }),
    observedRpm,
    sustained: s.dropped_iterations === 0 && Math.abs(observedRpm / rpm - 1) <= 0.01,
    p50: s.latency_ms_p50,
    p99: s.latency_ms_p99,
    k6PeakRssMb: p.k6PeakRssMb,
    k6CpuSec: p.k6CpuSec,
  };
}

function writeConfig(sim: Simulator): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ base_url: sim.url, users: sim.users, urls: [{ path: PAGE }] }));
  return path;
}

async function ours(cli: string, sim: Simulator, rpm: number, sec: number, vus: number, warmupSec = 0, counting = COUNTING): Promise<Step> {
  const summary = join(dir, `ours-${Date.now()}.json`);
  const p = await runSampled(process.execPath, [
    cli,
    '--config',
    writeConfig(sim),
    '--rpm',
    String(rpm),
    '--duration',
    String(sec),
    '--concurrency',
    String(vus),
    '--summary',
    summary,
    '--progress',
    '3600',
    '--warmup',
    String(warmupSec),
    ...COUNTING_FLAGS[counting],
  ]);
  if (p.code !== 0) throw new Error(`moodle-load exited ${p.code}: ${p.stderr.slice(-400)}`);
  return {
    ...step(rpm, sec, JSON.parse(readFileSync(summary, 'utf8')), p),
    samples: p.samples,
    cliSamples: p.cliSamples,
    cliCpuSec: p.cliCpuSec,
  };
}

async function bare(
  mode: 'discard' | 'strings' | 'bytes',
  sim: Simulator,
  rpm: number,
  sec: number,
  vus: number,
  warmupSec = 0,
): Promise<Step> {
  const r = await runBareK6(sim, dir, { mode, rpm, sec, vus, warmupSec, page: PAGE });
  return step(rpm, sec, r.summary as Parameters<typeof step>[2], r.proc);
}

/** Raises the rate until a step is not sustained. */
async function ceiling(name: string, at: (rpm: number) => Promise<Step>, rates: number[]): Promise<{ steps: Step[]; max: number }> {
  const steps: Step[] = [];
  let max = 0;
  for (const rpm of rates) {
    const s = await at(rpm);
    steps.push(s);
    const warm = s.warmupDropped === undefined ? '' : ` (warm-up ${s.warmupDropped})`;
    say(
      `  ${name} ${rpm} rpm: observed ${s.observedRpm}, dropped ${s.dropped}${warm}, k6 CPU ${s.k6CpuSec.toFixed(1)} s, peak ${s.k6PeakRssMb} MB${s.sustained ? '' : ' NOT sustained'}`,
    );
    if (!s.sustained) break;
    max = rpm;
  }
  return { steps, max };
}

/**
 * k6's summary (--no-stream-stats) against streamed figures (--stream-stats) at one rate on the site with the footer (8 trend samples a
 * request), in PAIRS pairs whose order alternates, each pair with bare k6 reading strings in the
 * same minute: one run of each is within the machine's run-to-run swing, so only the pairs'
 * spread says whether one mode costs more.
 */
async function streamPairs() {
  const rpm = Number(process.env.PAIRS_RPM ?? 60000);
  const pairs = Number(process.env.PAIRS ?? 5);
  const sec = Number(process.env.PAIRS_SEC ?? 20);
  const sim = await startSimulator({ maxUserId: 10000, perfFooter: true });
  say(`stream-pairs: ${pairs} pairs at ${rpm} rpm, ${sec} s after a ${WARMUP_SEC} s ramp, site with the footer`);
  const runs: { pair: number; mode: 'k6' | 'stream' | 'bare'; step: Step; otherCpuSec: number }[] = [];
  // The machine's CPU that was neither k6, the CLI nor the simulator (this process): anything
  // else running at the same time, which can spoil a run.
  const measured = async (pair: number, mode: 'k6' | 'stream' | 'bare', run: () => Promise<Step>) => {
    const busy0 = machineBusySec();
    const self0 = process.cpuUsage();
    const st = await run();
    const self = process.cpuUsage(self0);
    const other = machineBusySec() - busy0 - st.k6CpuSec - (st.cliCpuSec ?? 0) - (self.user + self.system) / 1e6;
    runs.push({ pair, mode, step: st, otherCpuSec: Math.round(other * 100) / 100 });
    say(
      `  pair ${pair + 1} ${mode.padEnd(7)}: dropped ${st.dropped}, p50 ${st.p50} p99 ${st.p99} ms, k6 CPU ${st.k6CpuSec.toFixed(1)} s${st.cliCpuSec === undefined ? '' : `, CLI CPU ${st.cliCpuSec.toFixed(2)} s`}, other CPU ${other.toFixed(1)} s`,
    );
  };
  for (let i = 0; i < pairs; i++) {
    const order: ('k6' | 'stream')[] = i % 2 === 0 ? ['k6', 'stream'] : ['stream', 'k6'];
    for (const mode of order) await measured(i, mode, () => ours(CLI, sim, rpm, sec, VUS, WARMUP_SEC, mode));
    await measured(i, 'bare', () => bare('strings', sim, rpm, sec, VUS, WARMUP_SEC));
  }
  await sim.close();
  const median = (xs: number[]) => {
    const a = [...xs].sort((x, y) => x - y);
    const m = a.length >> 1;
    return a.length === 0 ? null : a.length % 2 ? (a[m] as number) : ((a[m - 1] as number) + (a[m] as number)) / 2;
  };
  const of = (mode: string) => runs.filter((r) => r.mode === mode).map((r) => r.step);
  const sums = (mode: string) => {
    const st = of(mode);
    return {
      dropped: st.map((x) => x.dropped),
      p99: st.map((x) => x.p99 ?? NaN),
      k6CpuSec: st.map((x) => Math.round(x.k6CpuSec * 100) / 100),
      cliCpuSec: st.map((x) => Math.round((x.cliCpuSec ?? 0) * 100) / 100),
      otherCpuSec: runs.filter((r) => r.mode === mode).map((r) => r.otherCpuSec),
      medianP99: median(st.map((x) => x.p99 ?? NaN)),
      medianK6CpuSec: median(st.map((x) => x.k6CpuSec)),
      medianCliCpuSec: median(st.map((x) => x.cliCpuSec ?? 0)),
    };
  };
  const out = { rpm, pairs, sec, warmupSec: WARMUP_SEC, vus: VUS, k6Summary: sums('k6'), stream: sums('stream'), bare: sums('bare') };
  say(
    `  medians: p99 k6 summary ${out.k6Summary.medianP99} / stream ${out.stream.medianP99} / bare ${out.bare.medianP99} ms; k6 CPU ${out.k6Summary.medianK6CpuSec?.toFixed(2)} / ${out.stream.medianK6CpuSec?.toFixed(2)} / ${out.bare.medianK6CpuSec?.toFixed(2)} s; CLI CPU ${out.k6Summary.medianCliCpuSec?.toFixed(2)} / ${out.stream.medianCliCpuSec?.toFixed(2)} s`,
  );
  return out;
}

/** CPU seconds the whole machine has been busy since boot (/proc/stat: all but idle and iowait). */
function machineBusySec(): number {
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - (cpu[3] ?? 0) - (cpu[4] ?? 0)) / clockTicksPerSecond();
}

/** Least-squares slope of RSS over time, in MB per hour (null with fewer than two samples). */
function slopePerHour(samples: { t: number; mb: number }[]): number | null {
  if (samples.length < 2) return null;
  const n = samples.length;
  const mt = samples.reduce((a, x) => a + x.t, 0) / n;
  const mm = samples.reduce((a, x) => a + x.mb, 0) / n;
  const sxy = samples.reduce((a, x) => a + (x.t - mt) * (x.mb - mm), 0);
  const sxx = samples.reduce((a, x) => a + (x.t - mt) ** 2, 0);
  return sxx > 0 ? Math.round((sxy / sxx) * 3600) : null;
}

const part = process.argv[2] ?? process.env.PART ?? 'rate';
const before = process.env.BEFORE ? join(process.env.BEFORE, 'dist', 'cli.js') : null;
if (before !== null && !existsSync(before)) throw new Error(`BEFORE: ${before} not found (build it first)`);
const CLI = join(ROOT, 'dist', 'cli.js');
const results: Record<string, unknown> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
// A run with STREAM set must not overwrite the part's figures of the default.
const kept = COUNTING === 'default' ? undefined : results[part];
const started = Date.now();
const load = { before: loadavg().map((x) => Math.round(x * 100) / 100) };
const LATENCY_FALLBACK_RPM = 30000;
/** Long enough for 10,000 samples at 30,000 rpm: the p99 rests on 100 of them. */
const LATENCY_SEC = 20;
const DEFAULT_RATES = '60000,90000,120000,150000,180000';
const RATES = (process.env.RATES ?? DEFAULT_RATES).split(',').map(Number);
const RATES_FOOTER = (process.env.RATES_FOOTER ?? process.env.RATES ?? DEFAULT_RATES).split(',').map(Number);
const VUS = 200;

if (part === 'rate') {
  const plain = await startSimulator({ maxUserId: 10000 });
  const footer = await startSimulator({ maxUserId: 10000, perfFooter: true });
  say(
    `rate, ${STEP_SEC} s steps after a ${WARMUP_SEC} s ramp; site without the footer: moodle-load vs bare k6 discarding bodies, and vs bare k6 reading the head of each body as bytes`,
  );
  const noFooter = {
    bareDiscard: await ceiling('bare discard', (r) => bare('discard', plain, r, STEP_SEC, VUS, WARMUP_SEC), RATES),
    bareBytes: await ceiling('bare bytes', (r) => bare('bytes', plain, r, STEP_SEC, VUS, WARMUP_SEC), RATES),
    ours: await ceiling('ours', (r) => ours(CLI, plain, r, STEP_SEC, VUS, WARMUP_SEC), RATES),
    before: before ? await ceiling('before', (r) => ours(before, plain, r, STEP_SEC, VUS, WARMUP_SEC), RATES) : null,
  };
  say('rate, site with the footer: moodle-load vs bare k6 reading strings');
  const withFooter = {
    bareStrings: await ceiling('bare strings', (r) => bare('strings', footer, r, STEP_SEC, VUS, WARMUP_SEC), RATES_FOOTER),
    ours: await ceiling('ours', (r) => ours(CLI, footer, r, STEP_SEC, VUS, WARMUP_SEC), RATES_FOOTER),
    before: before ? await ceiling('before', (r) => ours(before, footer, r, STEP_SEC, VUS, WARMUP_SEC), RATES_FOOTER) : null,
  };
  await plain.close();
  await footer.close();
  results.rate = {
    page: PAGE,
    stepSec: STEP_SEC,
    warmupSec: WARMUP_SEC,
    vus: VUS,
    noFooter,
    withFooter,
    ratioNoFooter: noFooter.ours.max / (noFooter.bareDiscard.max || NaN),
    ratioNoFooterBytes: noFooter.ours.max / (noFooter.bareBytes.max || NaN),
    ratioFooter: withFooter.ours.max / (withFooter.bareStrings.max || NaN),
  };
} else if (part === 'memory') {
  // Peak: 1,000 VUs at 6,000 rpm (the condition of the < 400 MB goal). Growth: 1,000 req/s
  // (200 VUs, which this machine sustains), RSS after the first minute.
  const sec = Number(process.env.MEMORY_SEC ?? 60);
  const growthSec = Number(process.env.GROWTH_SEC ?? 150);
  const sim = await startSimulator({ maxUserId: 10000 });
  const growth = (s: Step) => {
    const samples = s.samples ?? [];
    const from = samples.find((x) => x.t >= 60);
    const to = samples[samples.length - 1];
    return from && to && to.t > from.t ? Math.round(((to.mb - from.mb) / (to.t - from.t)) * 3600) : null;
  };
  say(`memory: 1,000 VUs at 6,000 rpm for ${sec} s`);
  const peak = await ours(CLI, sim, 6000, sec, 1000);
  say(`  ours: peak ${peak.k6PeakRssMb} MB`);
  const peakBefore = before ? await ours(before, sim, 6000, sec, 1000) : null;
  if (peakBefore) say(`  before: peak ${peakBefore.k6PeakRssMb} MB`);
  const peakBare = await bare('discard', sim, 6000, sec, 1000);
  say(`  bare discard: peak ${peakBare.k6PeakRssMb} MB`);
  say(`memory growth: 200 VUs at 1,000 req/s for ${growthSec} s`);
  const long = await ours(CLI, sim, 60000, growthSec, 200);
  say(`  ours: peak ${long.k6PeakRssMb} MB, growth ${growth(long)} MB/h after the first minute, dropped ${long.dropped}`);
  await sim.close();
  const strip = (s: Step) => ({ ...s, samples: (s.samples ?? []).filter((_, i) => i % 5 === 0) });
  results.memory = {
    sec,
    growthSec,
    peak: { ours: strip(peak), before: peakBefore ? strip(peakBefore) : null, bareDiscard: peakBare },
    growth: { ...strip(long), growthMbPerHour: growth(long) },
  };
} else if (part === 'growth') {
  // Goal 4 alone, longer than PART=memory's growth phase: 1,000 req/s (200 VUs), RSS growth
  // after the first minute as a least-squares slope (the 30 s dashboard snapshots and Go's
  // GC make RSS a sawtooth, so two end points would mislead).
  const growthSec = Number(process.env.GROWTH_SEC ?? 300);
  const sim = await startSimulator({ maxUserId: 10000 });
  say(`memory growth: 200 VUs at 1,000 req/s for ${growthSec} s`);
  const long = await ours(CLI, sim, 60000, growthSec, 200);
  await sim.close();
  const after = (long.samples ?? []).filter((x) => x.t >= 60);
  const slope = slopePerHour(after);
  const cliAfter = (long.cliSamples ?? []).filter((x) => x.t >= 60);
  const cliSlope = slopePerHour(cliAfter);
  say(
    `  ours: peak ${long.k6PeakRssMb} MB, RSS ${after[0]?.mb} MB at 60 s, ${after[after.length - 1]?.mb} MB at the end, growth ${slope} MB/h (least squares), dropped ${long.dropped}`,
  );
  say(
    `  the CLI: RSS ${cliAfter[0]?.mb} MB at 60 s, ${cliAfter[cliAfter.length - 1]?.mb} MB at the end, peak ${Math.max(0, ...cliAfter.map((x) => x.mb))} MB, growth ${cliSlope} MB/h, CPU ${long.cliCpuSec?.toFixed(1)} s`,
  );
  results.growth = {
    growthSec,
    rpm: 60000,
    vus: 200,
    total: long.total,
    dropped: long.dropped,
    k6PeakRssMb: long.k6PeakRssMb,
    k6CpuSec: long.k6CpuSec,
    growthMbPerHour: slope,
    cliGrowthMbPerHour: cliSlope,
    cliCpuSec: long.cliCpuSec,
    samples: (long.samples ?? []).filter((_, i) => i % 5 === 0),
    cliSamples: (long.cliSamples ?? []).filter((_, i) => i % 5 === 0),
  };
} else if (part === 'latency') {
  // Half of moodle-load's highest sustained rate in the last PART=rate written to the results
  // file (run PART=rate first on the build measured), after the same ramp as the rate part, so
  // that the p99 is the steady state's, not the start's; without a rate result, LATENCY_FALLBACK_RPM.
  const lastRate = results.rate as { noFooter?: { ours?: { max?: number } } } | undefined;
  const rpm = Number(process.env.LATENCY_RPM ?? (lastRate?.noFooter?.ours?.max ? lastRate.noFooter.ours.max / 2 : LATENCY_FALLBACK_RPM));
  const sim = await startSimulator({ maxUserId: 10000 });
  sim.setLatency('*', 50);
  const vus = Math.ceil((rpm / 60) * 0.05 * 3) + 20;
  const a = await ours(CLI, sim, rpm, LATENCY_SEC, vus, WARMUP_SEC);
  const b = await bare('discard', sim, rpm, LATENCY_SEC, vus, WARMUP_SEC);
  await sim.close();
  const added = (s: Step) => (s.p99 === null ? null : Math.round((s.p99 - 50) * 100) / 100);
  say(`  at ${rpm} rpm after a ${WARMUP_SEC} s ramp, 50 ms page: ours p99 ${a.p99} ms (+${added(a)}), bare p99 ${b.p99} ms (+${added(b)})`);
  results.latency = {
    rpm,
    delayMs: 50,
    vus,
    warmupSec: WARMUP_SEC,
    ours: { p50: a.p50, p99: a.p99, addedP99: added(a), dropped: a.dropped },
    bare: { p50: b.p50, p99: b.p99, addedP99: added(b), dropped: b.dropped },
  };
} else if (part === 'stream-pairs') {
  results.streamPairs = await streamPairs();
} else if (part === 'bursts') {
  results.bursts = await recordBursts(process.env.BEFORE ?? null, say);
} else {
  throw new Error(`PART must be rate, memory, growth, latency, stream-pairs or bursts, not ${part}`);
}
if (COUNTING !== 'default') {
  results[`${part}${COUNTING_KEY[COUNTING]}`] = results[part];
  results[part] = kept;
}
results[`${part}${COUNTING_KEY[COUNTING]}Load`] = {
  ...load,
  after: loadavg().map((x) => Math.round(x * 100) / 100),
  wallSec: Math.round((Date.now() - started) / 1000),
};
writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
say(`done in ${Math.round((Date.now() - started) / 1000)} s: ${RESULTS}`);
