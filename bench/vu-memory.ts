// Experiments on k6's memory per VU (BENCHMARKS.md, "Hot path and memory"), under the heavy lock:
//   node --import tsx bench/vu-memory.ts ours bare ours,GOGC=50 ours,PROFILE=1
// runs each variant (moodle-load's CLI, or bench/bare-k6.js discarding bodies; after the comma,
// environment variables for k6, and FLAGS=--a+--b: more CLI flags, e.g. ours,FLAGS=--stream-stats)
// with VUS (1,000) VUs for SEC (20) s at RPM (6,000) against the simulator's /my/, and prints k6's peak RSS (sampled every 0.5 s from /proc) and CPU seconds.
// k6 runs through a wrapper that records its pid; PROFILE=1 turns on k6's pprof endpoint on
// 127.0.0.1:6565 (`go tool pprof -top http://127.0.0.1:6565/debug/pprof/heap` while it runs).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../sim/server';
import { ROOT } from '../test/helpers/paths';
import { procStat } from '../cli/server-stats/proc-stat';

const VUS = Number(process.env.VUS ?? 1000);
const SEC = Number(process.env.SEC ?? 20);
const RPM = Number(process.env.RPM ?? 6000);
const dir = mkdtempSync(join(tmpdir(), 'vu-memory-'));
const PID_FILE = join(dir, 'k6.pid');
// Named k6 so that the process keeps that name after exec.
const WRAP = join(mkdtempSync(join(dir, 'bin-')), 'k6');
writeFileSync(
  WRAP,
  `#!/bin/bash
echo $$ > ${PID_FILE}
args=("$@")
if [ "$1" = run ] && [ -n "$PROFILE" ]; then
  for i in "\${!args[@]}"; do [ "\${args[$i]}" = --address ] && args[$((i+1))]=127.0.0.1:6565; done
  args=(run --profiling-enabled "\${args[@]:1}")
fi
exec ${join(ROOT, '.tools', 'bin', 'k6')} "\${args[@]}"
`,
);
chmodSync(WRAP, 0o755);
const sim = await startSimulator({ maxUserId: 10000 });
const config = join(dir, 'config.json');
writeFileSync(config, JSON.stringify({ base_url: sim.url, users: sim.users, urls: [{ path: '/my/' }] }));

async function measure(label: string, cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, K6_NO_USAGE_REPORT: 'true', ...env } });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  child.stdout.on('data', () => {});
  let peak = 0,
    cpu = 0,
    atPeak = 0;
  const t0 = Date.now();
  const series: string[] = [];
  const timer = setInterval(() => {
    let pid: number;
    try {
      pid = Number(readFileSync(PID_FILE, 'utf8'));
    } catch {
      return;
    }
    const stat = procStat(pid);
    const s = stat && { mb: stat.rssMb, cpu: stat.cpuSec };
    if (!s) return;
    if (s.mb > peak) {
      peak = s.mb;
      atPeak = (Date.now() - t0) / 1000;
    }
    cpu = s.cpu;
    if (series.length === 0 || (Date.now() - t0) / 1000 >= series.length * 5)
      series.push(`${Math.round((Date.now() - t0) / 1000)}s:${Math.round(s.mb)}`);
  }, 500);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  clearInterval(timer);
  let extra = '';
  try {
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    extra = ` total ${s.total} dropped ${s.dropped_iterations ?? s.dropped} p99 ${s.latency_ms?.p99 ?? s.latency_ms_p99}`;
  } catch {
    // No summary: the run failed before writing one, and its exit code and stderr say why.
  }
  process.stdout.write(
    `${label}: exit ${code}, peak ${Math.round(peak)} MB at ${atPeak.toFixed(0)} s, k6 CPU ${cpu.toFixed(1)} s${extra} | ${series.join(' ')}\n`,
  );
  if (code !== 0) process.stdout.write(err.slice(-600) + '\n');
}

for (const v of process.argv.slice(2)) {
  rmSync(join(dir, 'summary.json'), { force: true });
  const [name, ...kv] = v.split(',');
  const { FLAGS, ...env }: Record<string, string> = Object.fromEntries(kv.map((p) => p.split('=') as [string, string]));
  const flags = FLAGS === undefined ? [] : FLAGS.split('+');
  if (name === 'bare') {
    const u = sim.users[0]!;
    const e = {
      MODE: env.MODE ?? 'discard',
      RPM,
      DURATION: SEC,
      VUS,
      BASE: sim.url,
      URL: sim.url + '/my/',
      USERNAME: u.username,
      PASSWORD: u.password,
      SUMMARY: join(dir, 'summary.json'),
    };
    await measure(
      v,
      WRAP,
      [
        'run',
        '--quiet',
        '--address',
        '',
        ...Object.entries(e).flatMap(([k, x]) => ['-e', `${k}=${x}`]),
        env.SCRIPT ?? join(ROOT, 'bench', 'bare-k6.js'),
      ],
      env,
    );
  } else {
    await measure(
      v,
      process.execPath,
      [
        join(ROOT, 'dist', 'cli.js'),
        '--config',
        config,
        '--rpm',
        String(RPM),
        '--duration',
        String(SEC),
        '--concurrency',
        String(VUS),
        '--login-concurrency',
        String(env.LC ?? 250),
        '--summary',
        join(dir, 'summary.json'),
        '--progress',
        '3600',
        ...flags,
      ],
      { K6_BINARY: WRAP, ...env },
    );
  }
}
await sim.close();
