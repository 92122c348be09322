// The Docker path of --server-stats. Always: against answers recorded from a real Docker
// Engine (test/fixtures/docker-engine), served from a fake Unix socket, with exact expected
// figures. When a Docker engine answers at /var/run/docker.sock: against it too, checked
// against the containers' own cgroup CPU counters read from /sys.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { summarizeResources } from '../../analysis/server-resources';
import { DockerSource, engineGet } from '../../cli/server-stats/docker-source';
import { ResourceSampler } from '../../cli/server-stats/sampler';
import { tempDir } from '../helpers/e2e';
import { recordedAnswers, startFakeEngine } from './docker-fake';

test('Docker path against RECORDED Engine API answers (docker.io 20.10.24, API 1.41) served from a fake Unix socket: CPU %, memory and CPU seconds per container', async () => {
  const dir = tempDir();
  const socket = join(dir, 'docker.sock');
  const fake = await startFakeEngine(socket);
  try {
    const rec = recordedAnswers();
    const rounds = Math.min(...[...rec.stats.values()].map((a) => a.length));
    const sampler = new ResourceSampler([new DockerSource(socket)], join(dir, 'run.server.jsonl'), 20);
    await sampler.start();
    while (fake.served() < rounds * rec.stats.size) await new Promise((r) => setTimeout(r, 5));
    await sampler.stop();
    const lines = readFileSync(sampler.file, 'utf8').trim().split('\n');
    assert.ok(lines.length >= rounds - 1, `${lines.length} lines for ${rounds} recorded rounds`);
    const groups = summarizeResources(sampler.samples.slice(0, rounds - 1));
    for (const c of rec.containers) {
      const name = (c.Names[0] as string).slice(1);
      const answers = rec.stats.get(c.Id) as NonNullable<ReturnType<typeof rec.stats.get>>;
      const first = answers[0] as (typeof answers)[0];
      const last = answers[rounds - 1] as (typeof answers)[0];
      // Independent of the sampler: CPU seconds and % straight from the recorded counters and timestamps.
      const cpuSec = ((last.cpu_stats?.cpu_usage?.total_usage ?? 0) - (first.cpu_stats?.cpu_usage?.total_usage ?? 0)) / 1e9;
      const wallSec = (Date.parse(last.read as string) - Date.parse(first.read as string)) / 1000;
      const g = groups[name];
      assert.ok(g, `group ${name} in ${Object.keys(groups).join(',')}`);
      assert.equal(g.source, 'docker');
      assert.equal(g.samples, rounds - 1);
      assert.ok(Math.abs(g.cpu_seconds - cpuSec) <= 0.01, `${name}: ${g.cpu_seconds} CPU s sampled, ${cpuSec} recorded`);
      assert.ok(
        Math.abs(g.cpu_pct_mean - (cpuSec / wallSec) * 100) <= 0.5 + 0.1 * g.cpu_pct_mean,
        `${name}: mean ${g.cpu_pct_mean}% against ${((cpuSec / wallSec) * 100).toFixed(2)}% over the whole recording`,
      );
      const lastMem = last.memory_stats as { usage: number; stats: Record<string, number> };
      assert.equal(
        sampler.samples[rounds - 2]?.groups[name]?.rss_mb,
        Math.round(((lastMem.usage - (lastMem.stats.inactive_file as number)) / 1048576) * 10) / 10,
      );
      assert.equal(g.processes_max, Math.max(...answers.slice(1, rounds).map((a) => a.pids_stats?.current ?? 0)));
    }
  } finally {
    await fake.close();
  }
});

const REAL_SOCKET = '/var/run/docker.sock';

async function realEngineAnswers(): Promise<boolean> {
  if (!existsSync(REAL_SOCKET)) return false;
  try {
    await engineGet(REAL_SOCKET, '/version');
    return true;
  } catch {
    return false;
  }
}

/** A container's CPU nanoseconds from its cgroup (v1 cpuacct, or v2 cpu.stat), or null. */
function cgroupCpuNs(id: string): number | null {
  for (const path of [`/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`]) {
    if (existsSync(path)) return Number(readFileSync(path, 'utf8').trim());
  }
  for (const path of [`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, `/sys/fs/cgroup/docker/${id}/cpu.stat`]) {
    if (existsSync(path)) return Number(/usage_usec (\d+)/.exec(readFileSync(path, 'utf8'))?.[1]) * 1000;
  }
  return null;
}

if (await realEngineAnswers()) {
  test('Docker path against the REAL Docker engine at /var/run/docker.sock: CPU seconds per container match its cgroup counters', async () => {
    const list = (await engineGet(REAL_SOCKET, '/containers/json')) as { Id: string; Names: string[] }[];
    assert.ok(list.length > 0, 'the engine runs no container: start one to test against');
    const before = new Map(list.map((c) => [c.Id, cgroupCpuNs(c.Id)]));
    const dir = tempDir();
    const sampler = new ResourceSampler([new DockerSource(REAL_SOCKET)], join(dir, 'run.server.jsonl'));
    await sampler.start();
    await new Promise((r) => setTimeout(r, 6000));
    await sampler.stop();
    const groups = summarizeResources(sampler.samples);
    for (const c of list) {
      const start = before.get(c.Id);
      const end = cgroupCpuNs(c.Id);
      const name = (c.Names[0] as string).slice(1);
      const g = groups[name];
      assert.ok(g && g.samples >= 3, `${name}: ${g?.samples} samples`);
      if (start === null || start === undefined || end === null) continue;
      const truth = (end - start) / 1e9;
      console.log(`${name}: ${g.cpu_seconds} CPU s sampled over ${g.samples} samples, ${truth.toFixed(3)} s by its cgroup`);
      // The cgroup window (read before the first and after the last reading) holds the sampled one.
      assert.ok(
        g.cpu_seconds <= truth + 0.02 && g.cpu_seconds >= truth * 0.6 - 0.05,
        `${name}: ${g.cpu_seconds} CPU s sampled, ${truth.toFixed(3)} by its cgroup`,
      );
    }
  });
}
