import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressPart, resourceRows, ResourceSample, summarizeResources } from '../../analysis/server-resources';
import { readingFromStats } from '../../cli/server-stats/docker-source';
import { groupOf, withDescendants } from '../../cli/server-stats/proc-source';
import { cpuPercent, parseProcIo, parseProcStat, parseVmRss } from '../../cli/server-stats/proc-stat';
import type { GroupReading } from '../../cli/server-stats/readings';
import { groupSample } from '../../cli/server-stats/sampler';
import { addServerResources, resourcesFileFor, siteAddressOf } from '../../cli/server-stats/run-hook';
import { ResourceSampler } from '../../cli/server-stats/sampler';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/e2e';
import { parseCliArgs } from '../../cli/commands/run';
import { throwsMessage } from '../helpers/assert';

// Read from this machine's PostgreSQL 15 postmaster (/proc/22792/stat), unchanged.
const POSTMASTER_STAT =
  '22792 (postgres) S 1 22792 22792 0 -1 4194304 6060 201565 1 3 2 9 1861 404 20 0 1 0 48297 222470144 7520 18446744073709551615 94776995188736 94777000602025 140733562764768 0 0 0 0 24129536 84487 1 0 0 17 0 0 0 0 0 0 94777003067568 94777003284874 94777492463616 140733562769053 140733562769175 140733562769175 140733562769364 0\n';

test('/proc/<pid>/stat: pid, name, parent, own ticks (utime+stime) and reaped children (cutime+cstime)', () => {
  assert.deepEqual(parseProcStat(POSTMASTER_STAT), { pid: 22792, comm: 'postgres', ppid: 1, ticks: 2 + 9, childTicks: 1861 + 404 });
});

test('/proc/<pid>/stat: a name with spaces and parentheses does not shift the fields', () => {
  const line = POSTMASTER_STAT.replace('(postgres)', '(a) b (c))');
  const s = parseProcStat(line);
  assert.equal(s?.comm, 'a) b (c)');
  assert.equal(s?.ticks, 11);
  assert.equal(s?.childTicks, 2265);
  assert.equal(parseProcStat('garbage'), null);
});

test('/proc/<pid>/io and status: storage bytes and VmRSS', () => {
  const io =
    'rchar: 38582446\nwchar: 41431212\nsyscr: 8141\nsyscw: 5089\nread_bytes: 13004800\nwrite_bytes: 53731328\ncancelled_write_bytes: 65536\n';
  assert.deepEqual(parseProcIo(io), { readBytes: 13004800, writeBytes: 53731328 });
  assert.equal(parseProcIo('rchar: 1\n'), null);
  assert.equal(parseVmRss('Name:\tpostgres\nVmPeak:\t  217256 kB\nVmRSS:\t   30396 kB\nRssAnon:\t 1 kB\n'), 30396 * 1024);
  assert.equal(parseVmRss('Name:\tkthreadd\n'), 0);
});

test('CPU %: CPU seconds over wall seconds, 100 = one core; never negative', () => {
  assert.equal(cpuPercent(1.5, 1), 150);
  assert.equal(cpuPercent(0.25, 0.5), 50);
  assert.equal(cpuPercent(-3, 1), 0);
  assert.equal(cpuPercent(1, 0), 0);
});

test('process groups by name; --server-pids takes the pids and all their descendants', () => {
  assert.equal(groupOf('php-fpm8.2'), 'php-fpm');
  assert.equal(groupOf('nginx'), 'nginx');
  assert.equal(groupOf('apache2'), 'apache');
  assert.equal(groupOf('postgres'), 'postgres');
  assert.equal(groupOf('node'), undefined);
  const s = (pid: number, ppid: number) => ({ pid, ppid, comm: 'x', ticks: 0, childTicks: 0 });
  assert.deepEqual([...withDescendants([s(10, 1), s(11, 10), s(12, 11), s(20, 1)], new Set([10]))].sort(), [10, 11, 12]);
});

const reading = (atMs: number, cpuSeconds: number, readBytes: number, writeBytes: number, rssBytes = 200 * 1024 * 1024): GroupReading => ({
  group: 'php-fpm',
  source: 'proc',
  atMs,
  processes: 13,
  cpuSeconds,
  rssBytes,
  readBytes,
  writeBytes,
});

test('one interval from two readings: CPU %, RSS MB, bytes per second; a restart gives 0, not a negative rate', () => {
  assert.deepEqual(groupSample(reading(1000, 10, 0, 0), reading(3000, 13, 4096, 8192)), {
    source: 'proc',
    interval_s: 2,
    processes: 13,
    cpu_pct: 150,
    rss_mb: 200,
    read_bytes_per_s: 2048,
    write_bytes_per_s: 4096,
  });
  assert.equal(groupSample(reading(1000, 10, 0, 0), reading(2000, 11, 0, 0))?.cpu_pct, 100);
  assert.equal(groupSample(reading(1000, 10, 5000, 0), reading(2000, 11, 0, 0))?.read_bytes_per_s, 0);
  assert.equal(groupSample(reading(1000, 10, 0, 0), reading(1000, 11, 0, 0)), null);
});

const sample = (time: string, cpu: number, rss: number, read: number): ResourceSample => ({
  time,
  interval_s: 1,
  groups: {
    'php-fpm': { source: 'proc', interval_s: 1, processes: 13, cpu_pct: cpu, rss_mb: rss, read_bytes_per_s: read, write_bytes_per_s: 0 },
  },
});

test('means and peaks over the samples inside the load window; CPU seconds and MB from the rates', () => {
  const samples = [
    sample('2026-01-01T00:00:01Z', 10, 100, 0),
    sample('2026-01-01T00:00:02Z', 150, 300, 1048576),
    sample('2026-01-01T00:00:03Z', 50, 200, 3145728),
    sample('2026-01-01T00:00:04Z', 5, 100, 0),
  ];
  const from = Date.parse('2026-01-01T00:00:01Z');
  const g = summarizeResources(samples, { fromMs: from, toMs: from + 2000 })['php-fpm'];
  // Samples 2 and 3 have their middles (1.5 s and 2.5 s) in [1 s, 3 s].
  assert.deepEqual(g, {
    source: 'proc',
    samples: 2,
    processes_max: 13,
    cpu_pct_mean: 100,
    cpu_pct_peak: 150,
    cpu_seconds: 2,
    rss_mb_mean: 250,
    rss_mb_peak: 300,
    read_mb: 4,
    write_mb: 0,
    read_mb_per_s_peak: 3,
    write_mb_per_s_peak: 0,
  });
  assert.equal(summarizeResources(samples)['php-fpm']?.samples, 4);
});

test('compare rows: every group of either run, null where a run lacks it', () => {
  const res = (cpu: number) => ({
    file: 'x',
    covers: '',
    samples: 1,
    warnings: [],
    groups: summarizeResources([sample('2026-01-01T00:00:01Z', cpu, 100, 0)]),
  });
  const rows = resourceRows(res(50), undefined);
  assert.deepEqual(
    rows.find((r) => r.figure === 'cpu_pct_mean'),
    { scope: 'server php-fpm', figure: 'cpu_pct_mean', old: 50, new: null },
  );
  assert.equal(resourceRows(res(50), res(80)).find((r) => r.figure === 'cpu_pct_peak')?.new, 80);
  assert.equal(resourceRows(undefined, undefined).length, 0);
});

test('progress part: the latest CPU per group', () => {
  assert.equal(progressPart(sample('2026-01-01T00:00:01Z', 143.4, 1, 0)), 'server cpu php-fpm 143%');
  assert.equal(progressPart(undefined), 'server: sampling');
  assert.equal(progressPart({ time: '2026-01-01T00:00:01Z', interval_s: 1, groups: {} }), 'server: no process found');
});

test('Docker stats: CPU seconds from total_usage ns, memory without inactive file cache, block I/O by op (v1 and v2 spellings)', () => {
  const r = readingFromStats(
    'moodle-docker-db-1',
    {
      read: '2026-11-25T17:00:01.5Z',
      pids_stats: { current: 7 },
      cpu_stats: { cpu_usage: { total_usage: 2_500_000_000 } },
      memory_stats: { usage: 300 * 1048576, stats: { inactive_file: 100 * 1048576 } },
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'read', value: 10 },
          { op: 'write', value: 20 },
          { op: 'Read', value: 1 },
          { op: 'Total', value: 31 },
        ],
      },
    },
    0,
  );
  assert.deepEqual(r, {
    group: 'moodle-docker-db-1',
    source: 'docker',
    atMs: Date.parse('2026-11-25T17:00:01.5Z'),
    processes: 7,
    cpuSeconds: 2.5,
    rssBytes: 200 * 1048576,
    readBytes: 11,
    writeBytes: 20,
  });
  // cgroup v2 hosts may send null block I/O; a v1 host's page cache is "cache".
  const v1 = readingFromStats(
    'c',
    { memory_stats: { usage: 50, stats: { cache: 20 } }, blkio_stats: { io_service_bytes_recursive: null } },
    42,
  );
  assert.deepEqual([v1.atMs, v1.rssBytes, v1.readBytes], [42, 30, 0]);
});

test('the resources file sits beside the summary', () => {
  assert.equal(resourcesFileFor('/r/summary-1.json'), '/r/summary-1.server.jsonl');
  assert.equal(resourcesFileFor('/r/out'), '/r/out.server.jsonl');
});

test('flags: --server-stats with --server-pids and --docker-socket; either alone, or bad pids, is a one-line error', () => {
  const base = ['--config', 'c.json', '--rpm', '60', '--duration', '5'];
  const run = (extra: string[]) => {
    const p = parseCliArgs([...base, ...extra]);
    assert.equal(p.kind, 'run');
    return p.kind === 'run' ? p.options.serverStats : undefined;
  };
  assert.equal(run([]), undefined);
  assert.deepEqual(run(['--server-stats']), { pids: undefined, dockerSocket: undefined });
  assert.deepEqual(run(['--server-stats', '--server-pids', '12, 34', '--docker-socket', '/s']), { pids: [12, 34], dockerSocket: '/s' });
  throwsMessage(() => run(['--server-pids', '12']), /^--server-pids needs --server-stats$/);
  throwsMessage(() => run(['--docker-socket', '/s']), /^--docker-socket needs --server-stats$/);
  throwsMessage(
    () => run(['--server-stats', '--server-pids', 'php-fpm']),
    /^--server-pids must be process ids separated by commas, not "php-fpm"$/,
  );
});

test("server_resources covers the load window given, whatever the summary file's time; warnings said before sampling are kept", () => {
  const dir = tempDir();
  const summaryPath = join(dir, 'summary.json');
  writeFileSync(summaryPath, '{"total":1}');
  const sampler = new ResourceSampler([], join(dir, 'summary.server.jsonl'));
  sampler.samples.push(
    sample('2026-01-01T00:00:01Z', 10, 100, 0),
    sample('2026-01-01T00:00:02Z', 30, 100, 0),
    sample('2026-01-01T00:00:09Z', 90, 100, 0),
  );
  sampler.warn('server stats: example.org is not this machine: no local process is sampled');
  const from = Date.parse('2026-01-01T00:00:00Z');
  const text = addServerResources('{"total":1,"elapsed_sec":99}', summaryPath, sampler, { fromMs: from, toMs: from + 3000 });
  const r = (
    JSON.parse(text) as {
      server_resources: { covers: string; groups: Record<string, { samples: number; cpu_pct_mean: number }>; warnings: string[] };
    }
  ).server_resources;
  assert.equal(r.groups['php-fpm']?.samples, 2);
  assert.equal(r.groups['php-fpm']?.cpu_pct_mean, 20);
  assert.match(r.covers, /^load phase, 2026-01-01T00:00:00\.000Z to 2026-01-01T00:00:03\.000Z/);
  assert.deepEqual(r.warnings, ['server stats: example.org is not this machine: no local process is sampled']);
  assert.equal(readFileSync(summaryPath, 'utf8'), text);
});

test('the site is on this machine when base_url names a loopback address or localhost; not when it cannot be resolved', async () => {
  assert.deepEqual(await siteAddressOf('http://127.0.0.1:8090/moodle'), { addresses: ['127.0.0.1'], port: 8090, label: '127.0.0.1:8090' });
  assert.deepEqual(await siteAddressOf('http://[::1]'), { addresses: ['0:0:0:0:0:0:0:1'], port: 80, label: '[::1]:80' });
  assert.deepEqual((await siteAddressOf('https://localhost'))?.port, 443);
  assert.equal(await siteAddressOf('http://192.0.2.7:8090'), null, 'TEST-NET-1: no machine has it');
  assert.equal(await siteAddressOf('http://moodle.invalid'), null);
});
