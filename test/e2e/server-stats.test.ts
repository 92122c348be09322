// --server-stats with the real k6 against the simulator, found by its port (the process
// listening on base_url's, with nothing behind it): the CPU seconds in the per-second file add
// up to what /proc says the process used, read here independently; the summary, progress
// lines and compare show them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ResourceSample, ServerResources } from '../../analysis/server-resources';
import { DEFAULT_USERS, Simulator } from '../../sim/server';
import { CLI, start, tempDir, writeConfig } from '../helpers/e2e';
import { ROOT } from '../helpers/paths';

const RPM = 6000;
const DURATION_S = 8;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime + stime of one process, in seconds, straight from /proc/<pid>/stat (fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

test(
  '--server-stats finds the simulator by its port and says nothing is behind it; its per-second CPU adds up to /proc; summary, progress and compare show it',
  { timeout: 60_000 },
  async (t) => {
    const port = 20000 + (process.pid % 20000);
    const sim = spawn(process.execPath, [join(ROOT, 'dist', 'sim.js'), '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        sim.stdout?.setEncoding('utf8').on('data', (c: string) => c.includes('listening') && resolve());
        sim.once('exit', (code) => reject(new Error(`simulator exited ${code}`)));
      });
      const dir = tempDir();
      const summaryPath = join(dir, 'summary.json');
      const config = writeConfig(dir, { url: `http://127.0.0.1:${port}`, users: DEFAULT_USERS } as unknown as Simulator);
      const before = cpuSeconds(sim.pid as number);
      // 800 requests: about 0.5 s of the simulator's CPU, clear of the floor below (160 requests used
      // 0.20-0.23 s, which sat on it and failed a CI run).
      // No Docker source (a developer's containers would add groups): DOCKER_HOST names no socket.
      const env = { ...process.env, DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}` };
      const run = start(
        process.execPath,
        [
          CLI,
          '--config',
          config,
          '--rpm',
          String(RPM),
          '--duration',
          String(DURATION_S),
          '--concurrency',
          '10',
          '--progress',
          '2',
          '--summary',
          summaryPath,
          '--server-stats',
        ],
        { timeoutMs: 45_000, env },
      );
      const { code, stdout, stderr } = await run.done;
      const truth = cpuSeconds(sim.pid as number) - before;
      assert.equal(code, 0, stderr);

      const samples = readFileSync(join(dir, 'summary.server.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ResourceSample);
      const sampled = samples.reduce((sum, s) => sum + ((s.groups.node?.cpu_pct ?? 0) / 100) * (s.groups.node?.interval_s ?? 0), 0);
      t.diagnostic(`simulator CPU: ${sampled.toFixed(3)} s in ${samples.length} samples, ${truth.toFixed(3)} s by /proc around the run`);
      assert.ok(samples.length >= 8, `${samples.length} samples`);
      const summary = JSON.parse(stdout) as { total: number; server_resources: ServerResources };
      const planned = (RPM / 60) * DURATION_S;
      assert.ok(summary.total >= planned * 0.9, `${summary.total} load requests of ${planned} planned`);
      // A floor so that the comparison below is not met by two near-zero figures.
      assert.ok(truth > 0.25, `the simulator used ${truth} s of CPU for ${summary.total} requests`);
      // The sampler's window lies inside the test's; the simulator idles outside the run.
      assert.ok(sampled <= truth + 0.02 && sampled >= truth * 0.9 - 0.05, `sampled ${sampled.toFixed(3)} s, /proc ${truth.toFixed(3)} s`);
      for (const s of samples) assert.deepEqual(Object.keys(s.groups), ['node'], 'only the simulator (it has no children)');
      assert.match(
        stderr,
        new RegExp(
          `^moodle-load: server stats every second from the local processes serving 127\\.0\\.0\\.1:${port} \\(found: node \\(127\\.0\\.0\\.1:${port}\\)\\)`,
          'm',
        ),
      );
      assert.deepEqual(summary.server_resources.warnings, [
        `server stats: 127.0.0.1:${port} is served by node, with no PHP pool or database behind it that /proc shows: only it is sampled`,
      ]);
      assert.match(
        stderr,
        new RegExp(`^moodle-load: warning: server stats: 127\\.0\\.0\\.1:${port} is served by node, with no PHP pool`, 'm'),
      );

      const node = summary.server_resources.groups.node;
      assert.ok(node, JSON.stringify(summary.server_resources));
      assert.equal(node.source, 'proc');
      assert.equal(node.processes_max, 1);
      assert.ok(node.samples >= 7 && node.samples <= samples.length, `${node.samples} samples in the load phase`);
      assert.ok(
        node.cpu_seconds > 0 && node.cpu_seconds <= sampled + 0.01 && node.cpu_pct_peak >= node.cpu_pct_mean && node.rss_mb_peak > 10,
        JSON.stringify(node),
      );
      assert.equal(summary.server_resources.file, 'summary.server.jsonl');
      assert.equal(readFileSync(summaryPath, 'utf8'), stdout, 'the summary file holds server_resources too');
      assert.match(stderr, /^progress: load .* \| server cpu node \d+%$/m);

      const compared = start(process.execPath, [CLI, 'compare', summaryPath, summaryPath, '--format', 'json'], { timeoutMs: 10_000 });
      const c = await compared.done;
      assert.equal(c.code, 0, c.stderr);
      const rows = (
        JSON.parse(c.stdout) as { rows: { scope: string; figure: string; old: number; new: number; regression: string | null }[] }
      ).rows.filter((r) => r.scope === 'server node');
      assert.deepEqual(
        rows.map((r) => r.figure),
        ['cpu_pct_mean', 'cpu_pct_peak', 'cpu_seconds', 'rss_mb_mean', 'rss_mb_peak', 'read_mb', 'write_mb'],
      );
      assert.equal(rows.find((r) => r.figure === 'cpu_seconds')?.old, node.cpu_seconds);
      assert.ok(rows.every((r) => r.regression === null));
    } finally {
      sim.kill();
    }
  },
);
