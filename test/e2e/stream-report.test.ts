// --report (streamed figures, the default): the CLI's own HTML report from the figures it counted, against the
// simulator. The page's per-endpoint counts are the summary's and what the simulator served, and
// its windows add up to the summary's load requests, also after Ctrl-C.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { LOAD_PAGES, runCli, servedLoad, tempDir, writeConfig } from '../helpers/e2e';
import { assertValidSummary } from '../helpers/summary-schema';

let sim: Simulator;
before(async () => {
  // The footer on every page, and half the courses closed to the users, so that about 1 request in 8 fails (30 of 240 in the first test).
  sim = await startSimulator({ perfFooter: true, notEnrolledCourses: Array.from({ length: 250 }, (_, i) => i + 2) });
});
after(() => sim.close());

function fresh(): void {
  sim.resetStats();
  sim.killSessions();
}

function unescape(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&');
}

/** What a page says: one document, no script; its per-endpoint totals and its windows' request counts. */
function readReport(path: string): { totals: Record<string, number>; windows: { startSec: number; requests: number }[] } {
  assert.ok(existsSync(path), `no report at ${path}`);
  const html = readFileSync(path, 'utf8');
  assert.ok(html.startsWith('<!DOCTYPE html>\n<html'), 'one HTML document');
  assert.equal(html.match(/<html[\s>]/g)?.length, 1);
  assert.ok(html.trimEnd().endsWith('</html>'));
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /(src|href)="https?:/i, 'nothing fetched');
  const totals = Object.fromEntries(
    [...html.matchAll(/<tr class="endpoint" data-endpoint="([^"]*)" data-total="(\d+)">/g)].map((m) => [
      unescape(m[1] as string),
      Number(m[2]),
    ]),
  );
  const windows = [...html.matchAll(/<tr class="window" data-start-sec="(\d+)" data-success="(\d+)" data-failure="(\d+)">/g)].map((m) => ({
    startSec: Number(m[1]),
    requests: Number(m[2]) + Number(m[3]),
  }));
  return { totals, windows };
}

test(
  '--report: one HTML page, no script; its endpoint counts = the summary = the simulator; its windows add up to the load requests',
  { timeout: 60_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const reportPath = join(dir, 'report.html');
    const summaryPath = join(dir, 's.json');
    const run = runCli(
      [
        '--config',
        writeConfig(dir, sim),
        '--rpm',
        '1200',
        '--duration',
        '12',
        '--concurrency',
        '10',
        '--report',
        reportPath,
        '--summary',
        summaryPath,
      ],
      50_000,
    );
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /HTML report saved to /);
    const summary = JSON.parse(stdout);
    assertValidSummary(summary);
    assert.equal(summary.total, servedLoad(sim));
    assert.ok(summary.failures > 0, 'some requests failed');
    const { totals, windows } = readReport(reportPath);
    assert.deepEqual(totals, Object.fromEntries(Object.entries<{ total: number }>(summary.endpoints).map(([name, e]) => [name, e.total])));
    for (const page of LOAD_PAGES) {
      const name = Object.keys(totals).find((e) => e.startsWith(page)) as string;
      assert.equal(totals[name], sim.stats().pages[page], page);
    }
    // 12 s in windows of 10 s.
    assert.deepEqual(
      windows.map((w) => w.startSec),
      [0, 10],
    );
    assert.equal(
      windows.reduce((sum, w) => sum + w.requests, 0),
      summary.total,
    );
  },
);

test(
  '--stream-stats --report, stopped with Ctrl-C: the page is still written, its windows add up to the summary',
  { timeout: 60_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const reportPath = join(dir, 'report.html');
    const run = runCli(
      [
        '--config',
        writeConfig(dir, sim),
        '--rpm',
        '1200',
        '--duration',
        '120',
        '--concurrency',
        '5',
        '--progress',
        '1',
        '--stream-stats',
        '--report',
        reportPath,
        '--summary',
        join(dir, 's.json'),
      ],
      50_000,
    );
    await run.waitForStderr(/progress: load [3-9]\//);
    run.child.kill('SIGINT');
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 130, stderr);
    const summary = JSON.parse(stdout);
    assert.equal(summary.stopped_early, true);
    const { windows } = readReport(reportPath);
    // Windows up to the one the run stopped in.
    assert.equal(windows.length, Math.max(1, Math.ceil(summary.elapsed_sec / 10)), `ran ${summary.elapsed_sec} s`);
    assert.ok(summary.total > 0);
    assert.equal(windows[0]?.requests, summary.total);
    assert.match(readFileSync(reportPath, 'utf8'), /stopped early/);
  },
);
