// One test split across local k6 instances with execution segments, merged into one summary:
// counts equal what the simulator served, per endpoint; percentiles agree with a single
// instance's run at the same seed and load, within 1% beyond the noise between two single runs
// (measured here); `moodle-load merge` of the instance files gives the same summary.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { CLI, LOAD_PAGES, runCli, servedLoad, start, tempDir, writeConfig } from '../helpers/e2e';
import { assertValidSummary } from '../helpers/summary-schema';

let sim: Simulator;
before(async () => {
  // Server times well above the client's own jitter on this machine (a few ms) and narrow, so
  // that a p99 over 1,000 requests moves little between two runs; the footer on.
  sim = await startSimulator({ perfFooter: true, baseLatency: { medianMs: 150, sigma: 0.1 } });
});
after(() => sim.close());

const LOAD = ['--rpm', '6000', '--duration', '20', '--concurrency', '32', '--seed', '2901'];
/** Two endpoints: 1,000 requests each. */
const URLS = [{ path: '/my/' }, { path: '/course/view.php?id={courseid}' }];

interface EndpointFigures {
  total: number;
  latency_ms_p50: number;
  latency_ms_p95: number;
  latency_ms_p99: number;
  server: { db_reads_median: number } | null;
}
interface Figures {
  total: number;
  dropped_iterations: number;
  endpoints: Record<string, EndpointFigures>;
}

function pageOf(endpoint: string): string {
  return endpoint.split('?')[0] as string;
}

/** Asserts the summary counted exactly what the simulator served since the last reset, per page. */
function assertServed(s: Figures, label: string): void {
  assert.equal(s.total, servedLoad(sim), `${label}: total vs served`);
  assert.ok(s.total >= 1990, `${label}: ${s.total} requests`);
  for (const [name, e] of Object.entries(s.endpoints)) assert.equal(e.total, sim.stats().pages[pageOf(name)] ?? 0, `${label}: ${name}`);
}

/** One instance with k6's own summary (--no-stream-stats): exact percentiles from every sample, the reference. */
async function singleRun(dir: string, name: string): Promise<Figures> {
  sim.resetStats();
  const { code, stdout, stderr } = await runCli(
    ['--config', join(dir, 'config.json'), ...LOAD, '--no-stream-stats', '--summary', join(dir, name)],
    60_000,
  ).done;
  assert.equal(code, 0, stderr);
  const s = JSON.parse(stdout) as Figures;
  assertServed(s, name);
  return s;
}

const PERCENTILES = ['latency_ms_p50', 'latency_ms_p95', 'latency_ms_p99'] as const;

test(
  'make segments N=4 at 6,000 rpm: counts = served; merged p50/p95/p99 per endpoint within 1% of a single run beyond the noise between two single runs; merge gives the same',
  { timeout: 240_000 },
  async () => {
    const dir = tempDir();
    writeConfig(dir, sim, sim.users, { urls: URLS });
    const a = await singleRun(dir, 'a.json');
    const b = await singleRun(dir, 'b.json');

    sim.resetStats();
    sim.killSessions();
    const mergedPath = join(dir, 'merged.json');
    const seg = await start(
      process.execPath,
      [CLI, 'segments', '--instances', '4', '--config', join(dir, 'config.json'), ...LOAD, '--summary', mergedPath],
      { timeoutMs: 90_000 },
    ).done;
    assert.equal(seg.code, 0, seg.stderr);
    const merged = JSON.parse(seg.stdout);
    assertValidSummary(merged);
    assert.equal(readFileSync(mergedPath, 'utf8'), seg.stdout);
    assertServed(merged, 'merged');
    assert.equal(merged.dropped_iterations, 0);
    // One seed, one schedule; each instance's own arrival-rate ticker may start one iteration more at the end.
    assert.ok(Math.abs(merged.total - a.total) <= 4, `merged ${merged.total} vs single ${a.total}`);
    assert.deepEqual(merged.merged.execution_segments, ['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1']);
    assert.equal(merged.sessions.logged_in, 32);
    assert.equal(sim.stats().maxConcurrentPerSession, 1, 'each instance logs in its own sessions');

    const instances = [1, 2, 3, 4].map((i) => JSON.parse(readFileSync(join(dir, `merged-instance-${i}.json`), 'utf8')));
    assert.equal(
      instances.reduce((sum, s) => sum + s.total, 0),
      merged.total,
    );
    const lines: string[] = [];
    for (const [name, m] of Object.entries(merged.endpoints as Record<string, EndpointFigures>)) {
      const ea = a.endpoints[name] as EndpointFigures;
      const eb = b.endpoints[name] as EndpointFigures;
      assert.equal(m.server?.db_reads_median, ea.server?.db_reads_median, `${name}: DB reads median (whole numbers, exact)`);
      for (const p of PERCENTILES) {
        // The whole's percentile lies between its parts' (the sum of their distributions), to the histogram's 0.5%.
        const parts = instances.map((s) => s.endpoints[name][p] as number);
        assert.ok(m[p] >= Math.min(...parts) * 0.995 && m[p] <= Math.max(...parts) * 1.005, `${name} ${p}: ${m[p]} outside ${parts}`);
        const noise = Math.abs(eb[p] - ea[p]) / ea[p];
        const off = Math.abs(m[p] - ea[p]) / ea[p];
        lines.push(
          `${name} ${p}: single ${ea[p]} / ${eb[p]} (noise ${(noise * 100).toFixed(1)}%), merged ${m[p]} (${(off * 100).toFixed(1)}%)`,
        );
        assert.ok(off <= 0.01 + 2 * Math.max(noise, 0.02), lines[lines.length - 1]);
      }
    }
    console.log(lines.join('\n'));

    const files = [1, 2, 3, 4].map((i) => join(dir, `merged-instance-${i}.json`));
    const again = await start(process.execPath, [CLI, 'merge', ...files], { timeoutMs: 20_000 }).done;
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), merged);

    // A single run's summary (k6's own figures) is not a part: refused in one line, exit 2.
    const refused = await start(process.execPath, [CLI, 'merge', ...files.slice(0, 3), join(dir, 'a.json')], { timeoutMs: 20_000 }).done;
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr.trim(), /^moodle-load merge: .*a\.json: no mergeable part[^\n]*$/);
  },
);

test('segments refuses the flags that make one file per k6 process, in one line, before any request', { timeout: 30_000 }, async () => {
  sim.resetStats();
  const dir = tempDir();
  const r = await start(
    process.execPath,
    [CLI, 'segments', '--instances', '2', '--config', writeConfig(dir, sim), ...LOAD, '--log', join(dir, 'x.jsonl')],
    { timeoutMs: 20_000 },
  ).done;
  assert.equal(r.code, 2);
  assert.match(r.stderr.trim(), /^segments: --log is not for segments[^\n]*$/);
  // k6's own summaries do not merge: the instances must stream their figures.
  const k6Summary = await start(
    process.execPath,
    [CLI, 'segments', '--instances', '2', '--config', writeConfig(dir, sim), ...LOAD, '--no-stream-stats'],
    { timeoutMs: 20_000 },
  ).done;
  assert.equal(k6Summary.code, 2);
  assert.match(k6Summary.stderr.trim(), /^segments: --no-stream-stats cannot go with segments[^\n]*$/);
  assert.equal(servedLoad(sim), 0);
  for (const page of LOAD_PAGES) assert.equal(sim.stats().pages[page] ?? 0, 0);
});
