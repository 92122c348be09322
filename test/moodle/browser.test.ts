// --emulate-browser on the real Moodle site (make moodle-site: http://127.0.0.1:8090), held to
// nginx's access log: the AJAX calls of a dashboard view are those headless Chromium makes,
// the second view of a VU fetches no cached asset, and the summary's request counts are
// nginx's. Run under the heavy lock:
//   flock /tmp/moodle-load-heavy.lock node --import tsx --test test/moodle/browser.test.ts
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { runCli, tempDir } from '../helpers/e2e';

const SITE = process.env.MOODLE_SITE_DIR ?? '/var/tmp/moodle-load-site';
const SITE_CONFIG = join(SITE, 'moodle-load.json');
const ACCESS_LOG = join(SITE, 'logs', 'access.log');
const K6_AGENT = 'moodle-load (k6)';
const CHROMIUM_AGENT = 'moodle-load-test chromium';
/** nginx writes its log line when the response is done; give it a moment after a run. */
const LOG_SETTLE_MS = 500;

interface LogLine {
  readonly msec: number;
  readonly method: string;
  readonly uri: string;
  readonly status: number;
  readonly user_agent: string;
}

const siteReady = existsSync(SITE_CONFIG);

function logOffset(): number {
  return statSync(ACCESS_LOG).size;
}

async function linesSince(offset: number, agent: string): Promise<LogLine[]> {
  await new Promise((r) => setTimeout(r, LOG_SETTLE_MS));
  return readFileSync(ACCESS_LOG)
    .subarray(offset)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.user_agent === agent);
}

const isLogin = (l: LogLine) => l.uri.startsWith('/login/');
const isAjax = (l: LogLine) => l.method === 'POST' && l.uri.startsWith('/lib/ajax/service.php?');
const isDashboard = (l: LogLine) => l.uri === '/my/';
const infoOf = (l: LogLine) => new URL(l.uri, 'http://x').searchParams.get('info') ?? '';

/** The service.php methods of each dashboard view, in order: the POSTs between one /my/ and the next. */
function ajaxPerView(lines: readonly LogLine[]): string[][] {
  const views: string[][] = [];
  for (const l of lines) {
    if (isDashboard(l)) views.push([]);
    else if (isAjax(l) && views.length > 0) (views[views.length - 1] as string[]).push(infoOf(l));
  }
  return views.map((v) => v.sort());
}

function users(): { username: string; password: string }[] {
  const config = JSON.parse(readFileSync(SITE_CONFIG, 'utf8')) as { users_file: string };
  return readFileSync(join(SITE, config.users_file), 'utf8')
    .split('\n')
    .filter((l) => l.includes(','))
    .map((l) => ({ username: l.slice(0, l.indexOf(',')), password: l.slice(l.indexOf(',') + 1).trim() }));
}

/** Headless Chromium logs in as `user`, then views the dashboard `views` times (each until the network is idle). */
async function chromiumDashboardViews(user: { username: string; password: string }, views: number): Promise<LogLine[]> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await (await browser.newContext({ userAgent: CHROMIUM_AGENT })).newPage();
    await page.goto('http://127.0.0.1:8090/login/index.php', { waitUntil: 'networkidle' });
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await Promise.all([page.waitForURL(/\/my\//), page.click('#loginbtn')]);
    await page.waitForLoadState('networkidle');
    const offset = logOffset();
    for (let i = 0; i < views; i++) await page.goto('http://127.0.0.1:8090/my/', { waitUntil: 'networkidle' });
    return await linesSince(offset, CHROMIUM_AGENT);
  } finally {
    await browser.close();
  }
}

test(
  'a dashboard view with emulation: the AJAX calls Chromium makes, no cached asset fetched twice, figures = nginx',
  { timeout: 180_000 },
  async (t) => {
    assert.ok(siteReady, `no Moodle site (${SITE_CONFIG} missing): make moodle-site`);
    const all = users();
    assert.ok(all.length >= 2, 'the site has at least two test users');
    // Chromium: a user who has seen the site (the login above), viewing the dashboard twice.
    const real = ajaxPerView(await chromiumDashboardViews(all[1]!, 2));
    assert.equal(real.length, 2);

    // Emulation: one VU (the users file's first user), a few dashboard views (k6 schedules 3 or 4 at 30 rpm in 6 s).
    const dir = tempDir();
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        base_url: 'http://127.0.0.1:8090',
        users_file: join(SITE, 'users.csv'),
        urls: [{ name: 'dashboard', path: '/my/' }],
      }),
    );
    const errors = join(dir, 'errors.csv');
    const offset = logOffset();
    const run = runCli(
      [
        '--config',
        config,
        '--rpm',
        '30',
        '--duration',
        '6',
        '--concurrency',
        '1',
        '--emulate-browser',
        '--errors',
        errors,
        '--summary',
        join(dir, 's.json'),
      ],
      120_000,
    );
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    const lines = (await linesSince(offset, K6_AGENT)).filter((l) => !isLogin(l));
    const emulated = ajaxPerView(lines);
    assert.equal(emulated.length, summary.total, `dashboard views in nginx's log: ${emulated.length}`);
    assert.ok(emulated.length >= 3, `only ${emulated.length} views`);

    // The AJAX calls: a returning view makes exactly the calls Chromium's returning view makes.
    for (let i = 1; i < emulated.length; i++) assert.deepEqual(emulated[i], real[1], `view ${i + 1}`);
    for (const info of real[1]!) assert.ok(emulated[0]!.includes(info), `first view lacks ${info}`);

    // The later views fetched no asset: every asset GET came before the second /my/.
    const dashboards = lines.filter(isDashboard);
    const assets = lines.filter((l) => !isDashboard(l) && !isAjax(l));
    assert.ok(assets.length > 0, 'the first view fetched the theme');
    for (const a of assets) assert.ok(a.msec < dashboards[1]!.msec, `${a.uri} fetched after the first view`);
    assert.equal(new Set(assets.map((a) => a.uri)).size, assets.length, 'no asset twice');

    // The figures are nginx's: pages, assets, AJAX POSTs, all answered 200, and no failure.
    const v = summary.page_views;
    assert.equal(v.requests.pages, dashboards.length);
    assert.equal(v.requests.assets + v.requests.revalidations, assets.length);
    assert.equal(v.requests.ajax, lines.filter(isAjax).length);
    assert.equal(v.requests.total, lines.length);
    assert.ok(
      lines.every((l) => l.status === 200),
      JSON.stringify(lines.filter((l) => l.status !== 200)),
    );
    assert.equal(v.total, emulated.length);
    assert.equal(v.failures, 0, readFileSync(errors, 'utf8'));
    assert.equal(v.cache_hits, (emulated.length - 1) * assets.length, 'each later view found every asset in the cache');
    assert.ok(v.latency_ms_p50 > summary.latency_ms_p50, 'a whole view takes longer than its HTML page');
    t.diagnostic(
      `chromium returning view: ${real[1]!.join(' ')}; emulated views ${v.total}, requests ${JSON.stringify(v.requests)}, cache hits ${v.cache_hits}, page p50 ${summary.latency_ms_p50} ms, view p50 ${v.latency_ms_p50} ms`,
    );
  },
);
