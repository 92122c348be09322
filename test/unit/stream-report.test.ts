// The streamed HTML report (cli/stream-report.ts), built as the CLI builds it: a collector and a
// timeline fed the same VU reports, the summary from cli/streamed-summary.ts. The config's
// strings are hostile (endpoint names with markup, a password in the base URL, a user whose
// login failed, so the summary names it): the page escapes them and shows no secret.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamCollector } from '../../analysis/stream-stats';
import { StreamTimeline } from '../../analysis/stream-timeline';
import { siteOf, streamReportHtml } from '../../cli/stream-report';
import { streamedSummary } from '../../cli/streamed-summary';
import { parseConfigText } from '../../lib/config';
import {
  DURATION,
  FAILURES,
  LOAD_END,
  LOAD_ITERATIONS,
  LOGIN_FAILURE_KIND,
  LOGIN_FAILURES,
  REQUESTS,
  SERVER_METRICS,
} from '../../lib/metric-names';
import { readRunSettings } from '../../lib/run-settings';
import type { SeriesDelta, StatsReport } from '../../lib/stats-stream';
import type { SetupData } from '../../lib/summary-files';

const START_MS = 1_800_000_000_000;
const HOSTILE = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(2)>&amp;';
const SECRETS = ['hunter2-pass', 'other-pass', 'alice-q7x', 'base-pw-z3', 'baseuser-k9'];

const CONFIG = parseConfigText(
  JSON.stringify({
    base_url: 'https://baseuser-k9:base-pw-z3@moodle.test/sub',
    users: [
      { username: 'alice-q7x', password: 'hunter2-pass' },
      { username: 'bob', password: 'other-pass' },
    ],
    urls: [
      { path: '/my/', name: HOSTILE },
      { path: '/user/profile.php', name: IMG },
    ],
  }),
);
const SETTINGS = readRunSettings({ CONFIG: 'c.json', RPM: '600', DURATION: '30', CONCURRENCY: '2', SEED: '7', STREAM_STATS: '1' }, 'flag');
const SETUP: SetupData = {
  seed: 7,
  segment: null,
  loginStartMs: START_MS - 5000,
  loadStartMs: START_MS,
  sessions: 2,
  goodUser: 1,
  rejected: [],
};

/** One VU's second: a request to each endpoint, one of them failed, with Moodle's footer figures. */
function second(i: number): StatsReport {
  const series: SeriesDelta[] = [{ m: LOAD_ITERATIONS, t: null, k: 'counter', n: 2 }];
  for (const endpoint of [HOSTILE, IMG]) {
    const failed = endpoint === IMG && i % 3 === 0;
    const tags = { endpoint, outcome: failed ? 'failure' : 'success' };
    series.push({ m: REQUESTS, t: tags, k: 'counter', n: 1 }, { m: DURATION, t: tags, k: 'trend', n: 1, s: [10 + i] });
    if (failed) series.push({ m: FAILURES, t: { endpoint, reason: 'not_enrolled' }, k: 'counter', n: 1 });
    else for (const s of SERVER_METRICS) series.push({ m: s.metric, t: { endpoint }, k: 'trend', n: 1, s: [5 + i] });
  }
  return { vu: 1 + (i % 2), series };
}

function page(): { html: string; total: Record<string, number> } {
  const collector = new StreamCollector();
  const timeline = new StreamTimeline(SETTINGS.durationSec);
  timeline.startAt(START_MS);
  const reports: StatsReport[] = Array.from({ length: 30 }, (_, i) => second(i));
  // The login of alice failed: the summary names her in sessions.failed_users.
  reports.push({
    vu: 1,
    series: [
      { m: LOGIN_FAILURES, t: { user: '0' }, k: 'counter', n: 1 },
      { m: LOGIN_FAILURE_KIND, t: { user: '0' }, k: 'gauge', n: 1, lo: 0, hi: 0, v: 0, at: START_MS },
      { m: LOAD_END, t: null, k: 'gauge', n: 1, lo: START_MS + 30_000, hi: START_MS + 30_000, v: START_MS + 30_000, at: START_MS + 30_000 },
    ],
  });
  reports.forEach((r, i) => {
    collector.accept(r);
    timeline.accept(r, START_MS + 500 + i * 1000);
  });
  const { summary } = streamedSummary({
    collector,
    setupData: SETUP,
    settings: SETTINGS,
    config: CONFIG,
    nowMs: START_MS + 31_000,
    warn: () => undefined,
  });
  assert.equal(summary.sessions.failed_users[0]?.username, 'alice-q7x', 'the summary does name the user: the page must not');
  const total = Object.fromEntries(Object.entries(summary.endpoints).map(([name, e]) => [name, e.total]));
  return { html: streamReportHtml({ summary, timeline, settings: SETTINGS, config: CONFIG, setupData: SETUP }), total };
}

test('the page escapes endpoint names, runs no script, and shows no username or password', () => {
  const { html, total } = page();
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<img/i);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the name, escaped');
  assert.ok(html.includes('&lt;img src=x onerror=alert(2)&gt;&amp;amp;'), 'the name, escaped, & included');
  for (const secret of SECRETS) assert.ok(!html.includes(secret), `${secret} is on the page`);
  assert.ok(html.includes('https://moodle.test/sub'), 'the site, without its user and password');
  // The figures it shows are the summary's.
  const shown = Object.fromEntries(
    [...html.matchAll(/<tr class="endpoint" data-endpoint="([^"]*)" data-total="(\d+)">/g)].map((m) => [m[1] as string, Number(m[2])]),
  );
  assert.deepEqual(shown, {
    '&lt;script&gt;alert(1)&lt;/script&gt;': total[HOSTILE],
    '&lt;img src=x onerror=alert(2)&gt;&amp;amp;': total[IMG],
  });
  assert.deepEqual(Object.values(total), [30, 30]);
});

test('one HTML document: what the run was, the honest line, both charts, the footer figures and every window', () => {
  const { html } = page();
  assert.equal(html.match(/<html/g)?.length, 1);
  assert.equal(html.match(/<\/html>/g)?.length, 1);
  assert.match(html, /<th class="text">seed<\/th><td class="text">7<\/td>/);
  assert.match(html, /open: target 600 requests per minute/);
  assert.ok(html.includes(new Date(START_MS).toISOString()));
  assert.match(html, /within 0\.5% of the exact value/);
  assert.match(html, /<svg class="chart rate"/);
  assert.match(html, /<svg class="chart latency"/);
  assert.match(html, /Moodle's performance footer/);
  assert.match(html, /<tr data-reason="not_enrolled"><td class="text">not_enrolled<\/td><td>10<\/td><\/tr>/);
  const windows = [...html.matchAll(/<tr class="window" data-start-sec="(\d+)" data-success="(\d+)" data-failure="(\d+)">/g)];
  assert.deepEqual(
    windows.map((m) => Number(m[1])),
    [0, 10, 20],
  );
  assert.equal(
    windows.reduce((sum, m) => sum + Number(m[2]) + Number(m[3]), 0),
    60,
  );
});

test('siteOf drops the user and password of a base URL, parsable or not, and leaves any other URL as it is', () => {
  assert.equal(siteOf('https://u:p@moodle.test/sub'), 'https://moodle.test/sub');
  assert.equal(siteOf('http://u:pa/ss@host:8080'), 'http://host:8080');
  assert.equal(siteOf('https://Moodle.test/x'), 'https://Moodle.test/x');
});
