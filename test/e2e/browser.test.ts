// --emulate-browser against the simulator: what the summary says the page views sent must be
// what the simulator served (pages, assets, AJAX POSTs), each VU fetches an asset once, and
// a failed AJAX call is a failed page view with its reason, in the summary and the errors file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { failAjaxMethods } from '../../sim/browser-routes';
import { startSimulator, Simulator } from '../../sim/server';
import { COUNTING_MODES, runCli, servedLoad, tempDir, writeConfig } from '../helpers/e2e';

const SERVICE = '/lib/ajax/service.php';
const isAsset = (path: string) => /^\/(theme|lib\/javascript\.php|lib\/requirejs\.php)/.test(path);

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ recordSecrets: true });
});
after(() => sim.close());

function fresh(): void {
  sim.resetStats();
  sim.killSessions();
  failAjaxMethods([]);
}

async function emulated(extra: readonly string[], concurrency = 2, seconds = 8) {
  const dir = tempDir();
  const errors = join(dir, 'errors.csv');
  const config = writeConfig(dir, sim, sim.users, {
    urls: [
      { path: '/my/', name: 'dashboard' },
      { path: '/course/view.php?id={courseid}', name: 'course' },
    ],
  });
  const run = runCli(
    [
      '--config',
      config,
      '--rpm',
      '120',
      '--duration',
      String(seconds),
      '--concurrency',
      String(concurrency),
      '--emulate-browser',
      '--errors',
      errors,
      '--summary',
      join(dir, 's.json'),
      ...extra,
    ],
    60_000,
  );
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  return { summary: JSON.parse(stdout), stderr, errors: readFileSync(errors, 'utf8') };
}

// The VUs counting (the default), and k6 counting (--no-stream-stats): the same figures.
for (const [how, flags] of COUNTING_MODES)
  test(
    `requests add up to what the simulator served; each VU fetches each asset once; the dashboard makes its calls${how}`,
    { timeout: 90_000 },
    async () => {
      fresh();
      const { summary, stderr, errors } = await emulated(flags);
      const pages = sim.stats().pages;
      const v = summary.page_views;
      const assetsServed = Object.entries(pages)
        .filter(([p]) => isAsset(p))
        .reduce((n, [, c]) => n + c, 0);
      assert.equal(v.requests.pages, servedLoad(sim), 'page attempts');
      assert.equal(v.requests.assets + v.requests.revalidations, assetsServed, 'assets');
      assert.equal(v.requests.ajax, pages[SERVICE] ?? 0, 'AJAX POSTs');
      assert.equal(v.requests.total, servedLoad(sim) + assetsServed + (pages[SERVICE] ?? 0));
      // --rpm counts page views: 120 rpm for 8 s is 16 views, each its HTML page.
      assert.equal(v.total, summary.total);
      assert.ok(Math.abs(summary.total - 16) <= 1, `views ${summary.total}`);
      assert.equal(v.failures, 0);
      // 2 VUs, each with its own cache: no asset more than twice, and the rest from the cache.
      // (yui_combo.php serves two URLs, its .css and .js rollups, under one path.)
      for (const [path, n] of Object.entries(pages))
        if (isAsset(path)) assert.ok(n <= (path === '/theme/yui_combo.php' ? 4 : 2), `${path} served ${n} times`);
      assert.equal(pages['/theme/styles.php/boost/1795498227_1795498235/all'], 2, 'both VUs fetched the theme once');
      assert.ok(v.cache_hits > 0);
      // Every dashboard view made the two block calls and the tour call; the video player's strings once per VU at most.
      const dashboards = pages['/my/'] ?? 0;
      assert.ok(dashboards > 0);
      assert.equal(v.ajax.core_calendar_get_action_events_by_timesort.calls, dashboards);
      assert.equal(v.ajax.block_recentlyaccesseditems_get_recent_items.calls, dashboards);
      assert.ok(v.ajax.media_videojs_get_language.calls <= 2);
      assert.equal(v.ajax_calls, v.requests.ajax, 'one call per POST on these pages');
      assert.ok(v.latency_ms_p50 >= summary.latency_ms_p50, 'a view lasts at least as long as its page');
      assert.match(stderr, /page view \(page\+assets\+ajax\)/);
      assert.match(
        stderr,
        /^requests: \d+ \(\d+ pages, \d+ assets, \d+ revalidations, \d+ AJAX POSTs\); \d+ assets from the VU cache; \d+ AJAX calls$/m,
      );
      assert.equal(errors, 'time,vu,user,endpoint,part,url,status,reason,error\n', 'no failure, no line');
    },
  );

test(
  'a failed AJAX call fails its page view with the reason Moodle gave, in the summary and the errors file; no secret written',
  { timeout: 90_000 },
  async () => {
    fresh();
    failAjaxMethods(['block_recentlyaccesseditems_get_recent_items']);
    const { summary, errors, stderr } = await emulated([]);
    const dashboards = sim.stats().pages['/my/'] ?? 0;
    const v = summary.page_views;
    assert.ok(dashboards > 0);
    assert.equal(summary.failures, 0, 'the HTML pages themselves were fine');
    assert.equal(v.failures, dashboards, 'every dashboard view failed');
    assert.equal(v.endpoints.dashboard.failures, dashboards);
    assert.equal(v.ajax.block_recentlyaccesseditems_get_recent_items.failure_reasons.moodle_exception, dashboards);
    assert.match(stderr, /block_recentlyaccesseditems_get_recent_items .* moodle_exception \d+/);
    const lines = errors.trim().split('\n').slice(1);
    assert.equal(lines.length, dashboards);
    for (const line of lines) {
      assert.match(
        line,
        /^\d{4}-\d\d-\d\dT[\d:.]+Z,[12],perfuser0[12],dashboard,ajax,http:\/\/127\.0\.0\.1:\d+\/lib\/ajax\/service\.php\?info=block_recentlyaccesseditems_get_recent_items,200,moodle_exception,invalidrecord: Can't find data record in database table external_functions\.$/,
      );
    }
    for (const secret of [...sim.users.map((u) => u.password), ...sim.secretsIssued()])
      assert.ok(!errors.includes(secret), 'a password, session id or sesskey in the errors file');
  },
);

test('--exclude-url-pattern: matching assets and calls are not requested', { timeout: 90_000 }, async () => {
  fresh();
  const { summary } = await emulated(['--exclude-url-pattern', 'image\\.php', '--exclude-url-pattern', 'service\\.php'], 1, 4);
  const pages = sim.stats().pages;
  assert.deepEqual(
    Object.keys(pages).filter((p) => p.includes('image.php') || p === SERVICE),
    [],
  );
  assert.equal(summary.page_views.requests.ajax, 0);
  assert.ok(summary.page_views.requests.assets > 0);
});

test('a failed page is a failed view and a line in the errors file, its URL without the sesskey', { timeout: 90_000 }, async () => {
  fresh();
  const dir = tempDir();
  const errors = join(dir, 'errors.jsonl');
  const config = writeConfig(dir, sim, sim.users, { urls: [{ path: '/course/view.php?id=999999', name: 'missing' }] });
  const run = runCli(
    [
      '--config',
      config,
      '--rpm',
      '60',
      '--duration',
      '3',
      '--concurrency',
      '1',
      '--emulate-browser',
      '--errors',
      errors,
      '--summary',
      join(dir, 's.json'),
    ],
    60_000,
  );
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  assert.equal(summary.page_views.failures, summary.total);
  assert.equal(summary.page_views.requests.assets + summary.page_views.requests.ajax, 0, 'no parts for an error page');
  const lines = readFileSync(errors, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, summary.total);
  assert.deepEqual(Object.keys(lines[0]), ['time', 'vu', 'user', 'endpoint', 'part', 'url', 'status', 'reason', 'error']);
  assert.equal(lines[0].part, 'page');
  assert.equal(lines[0].status, 404);
  assert.equal(lines[0].reason, 'http_4xx');
});
