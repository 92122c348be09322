// Running k6 for a benchmark, or the CLI that starts it, with k6's RSS and CPU read from /proc
// every second; and bench/bare-k6.js, the bare k6 script the benchmarks set moodle-load beside.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulator } from '../sim/server';
import { ROOT } from '../test/helpers/paths';
import { childNamed, procStat } from '../cli/server-stats/proc-stat';

export const K6 = join(ROOT, '.tools', 'bin', 'k6');

export interface Sampled {
  code: number | null;
  stderr: string;
  k6PeakRssMb: number;
  k6CpuSec: number;
  /** The command's own CPU seconds when it is the CLI (k6 not included), else 0. */
  cliCpuSec: number;
  /** k6's RSS every second, t in seconds from the command's start (to 0.1 s). */
  samples: { t: number; mb: number }[];
  /** The CLI's own RSS every second when the command is the CLI, else empty. */
  cliSamples: { t: number; mb: number }[];
  /** Seconds from the command's start at which the CLI's load phase began (from its first progress line), or null. */
  loadStartSec: number | null;
}

/** Runs a command (k6, or the CLI that starts k6), sampling k6's RSS and CPU every second. */
export function runSampled(command: string, args: string[]): Promise<Sampled> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
    const out: Sampled = {
      code: null,
      stderr: '',
      k6PeakRssMb: 0,
      k6CpuSec: 0,
      cliCpuSec: 0,
      samples: [],
      cliSamples: [],
      loadStartSec: null,
    };
    const t0 = Date.now();
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      out.stderr += c;
      // "progress: load 30/300s": the phase began 30 s before this line arrived.
      const m = /progress: load (\d+)\/\d+s/.exec(c);
      if (m && out.loadStartSec === null) out.loadStartSec = (Date.now() - t0) / 1000 - Number(m[1]);
    });
    const timer = setInterval(() => {
      const t = Math.round((Date.now() - t0) / 100) / 10;
      const pid = command === K6 ? (child.pid as number) : childNamed(child.pid as number, 'k6');
      const s = pid === null ? null : procStat(pid);
      // A finished k6 lingers as a zombie with RSS 0 until reaped: not a sample.
      if (s && s.rssMb > 0) {
        out.k6PeakRssMb = Math.max(out.k6PeakRssMb, Math.round(s.rssMb));
        out.k6CpuSec = s.cpuSec;
        out.samples.push({ t, mb: Math.round(s.rssMb) });
      }
      const self = command === K6 ? null : procStat(child.pid as number);
      if (self) {
        out.cliCpuSec = self.cpuSec;
        if (self.rssMb > 0) out.cliSamples.push({ t, mb: Math.round(self.rssMb) });
      }
    }, 1000);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ ...out, code });
    });
  });
}

export interface BareK6Run {
  /** discard: bodies thrown away; bytes: the head of each body read; strings: whole bodies searched (the footer). */
  readonly mode: 'discard' | 'bytes' | 'strings';
  readonly rpm: number;
  readonly sec: number;
  readonly vus: number;
  readonly warmupSec: number;
  /** The page every VU requests, e.g. /my/. */
  readonly page: string;
}

/** bench/bare-k6.js against the simulator: every VU logs in as the simulator's first user, then requests `page`. Its summary JSON and the sampled process. */
export async function runBareK6(sim: Simulator, dir: string, r: BareK6Run): Promise<{ summary: unknown; proc: Sampled }> {
  const summaryPath = join(dir, `bare-${Date.now()}.json`);
  const u = sim.users[0];
  if (u === undefined) throw new Error('the simulator has no user for bare k6 to log in as');
  const env = {
    MODE: r.mode,
    RPM: r.rpm,
    DURATION: r.sec,
    WARMUP: r.warmupSec,
    VUS: r.vus,
    BASE: sim.url,
    URL: sim.url + r.page,
    USERNAME: u.username,
    PASSWORD: u.password,
    SUMMARY: summaryPath,
  };
  const proc = await runSampled(K6, [
    'run',
    '--quiet',
    '--address',
    '',
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    join(ROOT, 'bench', 'bare-k6.js'),
  ]);
  if (proc.code !== 0) throw new Error(`bare k6 exited ${proc.code}: ${proc.stderr.slice(-600)}`);
  return { summary: JSON.parse(readFileSync(summaryPath, 'utf8')) as unknown, proc };
}
