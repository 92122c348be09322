// `make bench-hotpath PART=bursts`: how the VUs' stats records fall in time, and what that does to
// the load phase's p99. Plain k6 runs the bundle as k6-operator's runners do (CHANNEL=1
// STREAM_STATS=1, JSON log, no k6 summary), so the figures are the script's alone, no CLI reading;
// the p99 is exact, from every request's sample in the log's records. With BEFORE=dir, that
// build's bundle (dir/dist/scenario.js) runs too, in alternating order. RUNS (4) runs a build, at
// PAIRS_RPM (60000) with 200 VUs, 20 s after a 3 s ramp.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecord } from '../lib/channel';
import { LOAD_METRICS } from '../lib/metric-names';
import { StatsDecoder } from '../lib/stats-stream';
import { startSimulator, type Simulator } from '../sim/server';
import { k6Percentile } from '../test/helpers/reference-stats';
import { ROOT } from '../test/helpers/paths';
import { runPlainK6, writeConfig } from '../test/helpers/e2e';

export interface BurstRun {
  build: 'current' | 'before';
  p99: number;
  requests: number;
  /** Records in the busiest whole second of k6's log in the load phase, its last two seconds left out. */
  busiestSecondRecords: number;
  /** Records in the last two seconds of k6's log (they hold the final window, which is under a second). */
  finalRecords: number;
  /** p99 of the samples in those records. */
  finalP99: number | null;
}

interface LogEntry {
  msg?: string;
  time?: string;
}

interface Second {
  records: number;
  samples: number[];
}

/** The load phase's request durations, and the stats records of each second of k6's log. */
function readLog(text: string): { durations: number[]; bySecond: Map<string, Second> } {
  const decoder = new StatsDecoder();
  const durations: number[] = [];
  const bySecond = new Map<string, Second>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as LogEntry;
    const record = decodeRecord(entry.msg ?? '');
    if (record?.type !== 'stats') continue;
    const key = entry.time ?? '';
    const second = bySecond.get(key) ?? { records: 0, samples: [] };
    bySecond.set(key, second);
    second.records++;
    for (const s of decoder.decode(record.data).series)
      if (s.m === LOAD_METRICS.duration && s.s !== undefined)
        for (const v of s.s) {
          durations.push(v);
          second.samples.push(v);
        }
  }
  return { durations, bySecond };
}

function burstRun(build: BurstRun['build'], text: string): BurstRun {
  const { durations, bySecond } = readLog(text);
  // k6's log times are whole seconds in RFC 3339, so they sort as strings. Seconds with no load
  // sample are the login's and the warm-up's.
  const seconds = [...bySecond.keys()].sort().filter((k) => (bySecond.get(k)?.samples.length ?? 0) > 0);
  const final = seconds.slice(-2).map((k) => bySecond.get(k) as Second);
  const finalSamples = final.flatMap((f) => f.samples);
  return {
    build,
    p99: round(k6Percentile(durations, 0.99)),
    requests: durations.length,
    busiestSecondRecords: Math.max(0, ...seconds.slice(0, -2).map((k) => bySecond.get(k)?.records ?? 0)),
    finalRecords: final.reduce((n, f) => n + f.records, 0),
    finalP99: finalSamples.length > 0 ? round(k6Percentile(finalSamples, 0.99)) : null,
  };
}

const round = (v: number) => Math.round(v * 100) / 100;

async function plainRun(script: string, sim: Simulator, dir: string, rpm: number, sec: number, vus: number): Promise<string> {
  const config = writeConfig(dir, sim, sim.users, { urls: [{ path: '/my/' }] });
  const env = { CONFIG: config, RPM: rpm, DURATION: sec, CONCURRENCY: vus, WARMUP: 3, CHANNEL: 1, STREAM_STATS: 1 };
  const flags = ['--log-format', 'json', '--summary-mode=disabled', '--no-thresholds'];
  const p = await runPlainK6(env, { cwd: dir, timeoutMs: (sec + 120) * 1000, script }, flags).done;
  if (p.code !== 0) throw new Error(`k6 exited ${p.code}: ${p.stderr.slice(-400)}`);
  return p.stderr;
}

export async function recordBursts(beforeDir: string | null, say: (s: string) => void): Promise<Record<string, unknown>> {
  const runs = Number(process.env.RUNS ?? 4);
  const rpm = Number(process.env.PAIRS_RPM ?? 60000);
  const sec = 20;
  const vus = 200;
  const dir = mkdtempSync(join(tmpdir(), 'moodle-load-bursts-'));
  const sim = await startSimulator({ maxUserId: 10000, perfFooter: true });
  const builds: [BurstRun['build'], string][] = [['current', join(ROOT, 'dist', 'scenario.js')]];
  if (beforeDir !== null) builds.push(['before', join(beforeDir, 'dist', 'scenario.js')]);
  say(`bursts: ${runs} runs a build at ${rpm} rpm, ${vus} VUs, ${sec} s after a 3 s ramp, plain k6 (site with the footer)`);
  const out: BurstRun[] = [];
  for (let i = 0; i < runs; i++) {
    for (const [build, script] of i % 2 === 0 ? builds : [...builds].reverse()) {
      const r = burstRun(build, await plainRun(script, sim, dir, rpm, sec, vus));
      say(
        `  ${build.padEnd(7)}: p99 ${r.p99} ms over ${r.requests} requests; busiest second ${r.busiestSecondRecords} records; last two seconds ${r.finalRecords} records, their samples' p99 ${r.finalP99} ms`,
      );
      out.push(r);
      sim.resetStats();
    }
  }
  await sim.close();
  return { rpm, vus, sec, runs: out };
}
