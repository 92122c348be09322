// moodle-load merge: the instances' summaries of one split test become the summary one instance
// would have written. Instances are made here as the CLI makes them (each its own collector of
// VU reports, written by writeStreamedSummary); the reference is one collector that took every
// report, and percentiles are checked against k6's definition over the raw samples.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MergeError, mergeSummaries, SummaryFile } from '../../analysis/merge-summaries';
import { StreamCollector } from '../../analysis/stream-stats';
import { writeStreamedSummary } from '../../cli/streamed-summary';
import { parseConfigText } from '../../lib/config';
import {
  CREATED,
  JOURNEY_DURATION,
  JOURNEYS,
  STEP_DB_READS,
  STEP_DURATION,
  STEP_FAILURES,
  STEP_REQUESTS,
} from '../../lib/journeys/journey-metric-names';
import { DURATION, LOAD_END, LOAD_ITERATIONS, LOGIN_SESSIONS, REQUESTS } from '../../lib/metric-names';
import { readRunSettings, RunSettings } from '../../lib/run-settings';
import type { SeriesDelta, StatsReport } from '../../lib/stats-stream';
import type { Summary } from '../../lib/summary';
import type { SetupData } from '../../lib/summary-files';
import { k6Percentile, prng } from '../helpers/reference-stats';

const CONFIG_TEXT = JSON.stringify({
  base_url: 'http://127.0.0.1:8081',
  users: [
    { username: 'u1', password: 'secret-one' },
    { username: 'u2', password: 'secret-two' },
  ],
  parameters: { courseid: { min: 2, max: 9 } },
  urls: [{ path: '/my/' }, { path: '/course/view.php?id={courseid}' }],
});
const ENDPOINTS = ['/my/', '/course/view.php?id={courseid}'];
const START_MS = 1_800_000_000_000;

interface Instance {
  readonly reports: StatsReport[];
  readonly latencies: Map<string, number[]>;
}

/** One instance's VU reports: `requests` requests over the endpoints, latencies drawn per instance (each its own spread). */
function instanceReports(seed: number, requests: number, scale: number): Instance {
  const rand = prng(seed);
  const latencies = new Map<string, number[]>(ENDPOINTS.map((e) => [e, []]));
  const reports: StatsReport[] = [];
  for (let r = 0; r < requests; r++) {
    const endpoint = ENDPOINTS[r % 2] as string;
    const ms = scale * (5 + 200 * rand() ** 3);
    latencies.get(endpoint)?.push(ms);
    const tags = { endpoint, outcome: 'success' };
    reports.push({
      vu: 1 + (r % 3),
      series: [
        { m: REQUESTS, t: tags, k: 'counter', n: 1 },
        { m: LOAD_ITERATIONS, t: null, k: 'counter', n: 1 },
        { m: DURATION, t: tags, k: 'trend', n: 1, s: [ms] },
        {
          m: LOAD_END,
          t: null,
          k: 'gauge',
          n: 1,
          lo: START_MS + 60_000,
          hi: START_MS + 60_000,
          v: START_MS + 60_000,
          at: START_MS + 60_000,
        },
      ],
    });
  }
  reports.push({ vu: 1, series: [{ m: LOGIN_SESSIONS, t: { outcome: 'success' }, k: 'counter', n: 3 }] });
  return { reports, latencies };
}

function settings(over: Record<string, string> = {}): RunSettings {
  return readRunSettings({ CONFIG: 'c.json', RPM: '600', DURATION: '60', CONCURRENCY: '12', SEED: '7', STREAM_STATS: '1', ...over }, 'env');
}

/** Writes one instance's summary as the CLI does and reads it back. */
function writeInstance(
  reports: readonly StatsReport[],
  segment: string | null,
  over: { settings?: RunSettings; seed?: number; config?: string } = {},
): SummaryFile {
  const dir = mkdtempSync(join(tmpdir(), 'merge-test-'));
  const collector = new StreamCollector();
  for (const r of reports) collector.accept(r);
  const setupData: SetupData = {
    seed: over.seed ?? 7,
    segment,
    loginStartMs: START_MS - 5_000,
    loadStartMs: START_MS,
    sessions: 3,
    goodUser: 0,
    rejected: [],
  };
  const path = join(dir, 'summary.json');
  writeStreamedSummary({
    collector,
    setupData,
    settings: { ...(over.settings ?? settings()), summaryPath: path },
    config: parseConfigText(over.config ?? CONFIG_TEXT, () => ''),
    nowMs: START_MS + 60_500,
    warn: () => undefined,
  });
  return { path, summary: JSON.parse(readFileSync(path, 'utf8')) as Summary };
}

/** p50, p95 and p99 within 0.5% of k6's percentiles of the raw samples (the histograms' stated precision). */
function assertPercentiles(
  label: string,
  got: { latency_ms_p50: number | null; latency_ms_p95: number | null; latency_ms_p99: number | null },
  raw: number[],
): void {
  for (const [value, p] of [
    [got.latency_ms_p50, 0.5],
    [got.latency_ms_p95, 0.95],
    [got.latency_ms_p99, 0.99],
  ] as const) {
    const exact = k6Percentile(raw, p);
    assert.ok(value !== null && Math.abs(value - exact) <= exact * 0.005 + 0.01, `${label} p${p * 100}: ${value} vs ${exact}`);
  }
}

const SEGMENTS = ['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1'];

function fourInstances(): { files: SummaryFile[]; all: Instance[] } {
  // Instances of different speeds: the whole's p95 is no mix of theirs.
  const all = [instanceReports(1, 150, 1), instanceReports(2, 150, 1.5), instanceReports(3, 150, 0.7), instanceReports(4, 150, 3)];
  return { files: all.map((inst, i) => writeInstance(inst.reports, SEGMENTS[i] as string)), all };
}

test('merged summary = the summary of one collector that took every instance report; percentiles by k6 within 0.5%', () => {
  const { files, all } = fourInstances();
  const merged = mergeSummaries(files);
  const whole = writeInstance(
    all.flatMap((i) => i.reports),
    null,
  ).summary;
  assert.equal(merged.total, 600);
  assert.equal(merged.total, whole.total);
  assert.equal(merged.dropped_iterations, 0, 'the schedule of 600 rpm over 60 s is 600 iterations, all started');
  for (const endpoint of ENDPOINTS) {
    const m = merged.endpoints[endpoint];
    const w = whole.endpoints[endpoint];
    assert.ok(m && w);
    assert.deepEqual(
      [m.total, m.latency_ms_p50, m.latency_ms_p95, m.latency_ms_p99],
      [w.total, w.latency_ms_p50, w.latency_ms_p95, w.latency_ms_p99],
      endpoint,
    );
    assertPercentiles(
      endpoint,
      m,
      all.flatMap((i) => i.latencies.get(endpoint) ?? []),
    );
  }
  assert.equal(merged.sessions.logged_in, 12);
  assert.equal(merged.sessions.attempted, 12);
  assert.deepEqual(merged.merged, { instances: 4, execution_segments: SEGMENTS });
  assert.equal(merged.execution_segment, undefined);
  assert.equal(merged.mergeable, undefined);
  assert.ok(!merged.warnings.some((w) => w.includes('execution segment')), merged.warnings.join('; '));
  // Each instance's summary says it covers its share only.
  assert.match(files[0]?.summary.warnings.join('\n') ?? '', /execution segment 0:1\/4: its figures cover its share \(150 of 600 rpm\)/);
});

test('dropped iterations of the merged summary are the whole schedule less the started iterations', () => {
  const { all } = fourInstances();
  const files = all.map((inst, i) => writeInstance(i === 2 ? inst.reports.slice(0, 100) : inst.reports, SEGMENTS[i] as string));
  assert.equal(mergeSummaries(files).dropped_iterations, 50);
});

test('the mergeable part carries no password or username', () => {
  const { files } = fourInstances();
  const text = JSON.stringify(files[0]?.summary.mergeable);
  for (const secret of ['secret-one', 'secret-two', '"u1"', '"u2"']) assert.ok(!text.includes(secret), secret);
});

test('summaries that are not parts of one test are refused, naming the file and what differs', () => {
  const { files, all } = fourInstances();
  const [a, b, c, d] = files as [SummaryFile, SummaryFile, SummaryFile, SummaryFile];
  const refused = (list: SummaryFile[], pattern: RegExp) =>
    assert.throws(
      () => mergeSummaries(list),
      (e: unknown) => e instanceof MergeError && pattern.test(e.message),
    );
  const r = (i: number) => (all[i] as Instance).reports;
  refused([a, b, c, writeInstance(r(3), '3/4:1', { seed: 8 })], /summary\.json: seed 8, not 7/);
  refused([a, b, c, writeInstance(r(3), '3/4:1', { settings: settings({ RPM: '1200' }) })], /setting rpm is 1200, not 600/);
  const otherConfig = CONFIG_TEXT.replace('/my/', '/my/courses.php');
  refused([a, b, c, writeInstance(r(3), '3/4:1', { config: otherConfig })], /another config/);
  refused([a, b, c], /no summary covers the execution segment from 0.75 to 1/);
  refused([a, b, c, d, d], /overlaps/);
  refused([a, writeInstance(r(1), null)], /not one execution segment/);
  const old = { path: 'old.json', summary: { ...d.summary, schema_version: 0 } };
  refused([a, b, c, old], /old\.json: schema_version 0/);
  const plain = { path: 'k6.json', summary: { ...d.summary, mergeable: undefined } };
  refused([a, b, c, plain], /k6\.json: no mergeable part/);
  const future = { path: 'v2.json', summary: { ...d.summary, mergeable: { ...d.summary.mergeable, version: 2 } as Summary['mergeable'] } };
  refused([a, b, c, future], /v2\.json: mergeable\.version 2/);
  refused([], /no summary/);
});

test('a summary of a run that was not split merges into itself', () => {
  const one = writeInstance(instanceReports(5, 80, 1).reports, null);
  const merged = mergeSummaries([one]);
  const { mergeable: _m, ...rest } = one.summary;
  assert.deepEqual(merged, rest);
});

/** The forum_reply journey's VU reports: `n` journeys, every 5th failing at its post with a form error. */
function journeyReports(seed: number, n: number, scale: number): { reports: StatsReport[]; durations: number[] } {
  const rand = prng(seed);
  const reports: StatsReport[] = [];
  const durations: number[] = [];
  const journey = 'forum_reply';
  for (let i = 0; i < n; i++) {
    const failed = i % 5 === 4;
    const series: SeriesDelta[] = [{ m: LOAD_ITERATIONS, t: null, k: 'counter', n: 1 }];
    let total = 0;
    for (const step of ['forum', 'discussion', 'reply_form', 'post']) {
      const t = { journey, step };
      series.push({ m: STEP_REQUESTS, t, k: 'counter', n: step === 'post' ? 2 : 1 });
      if (failed && step === 'post') {
        series.push({ m: STEP_FAILURES, t: { ...t, reason: 'form_error' }, k: 'counter', n: 1 });
        break;
      }
      const ms = scale * (20 + 300 * rand() ** 2);
      total += ms;
      series.push({ m: STEP_DURATION, t, k: 'trend', n: 1, s: [ms] }, { m: STEP_DB_READS, t, k: 'trend', n: 1, s: [40 + (i % 3)] });
    }
    series.push({ m: JOURNEYS, t: { journey, outcome: failed ? 'failure' : 'success' }, k: 'counter', n: 1 });
    if (!failed) {
      durations.push(total);
      series.push(
        { m: JOURNEY_DURATION, t: { journey }, k: 'trend', n: 1, s: [total] },
        { m: CREATED, t: { kind: 'forum_posts' }, k: 'counter', n: 1 },
      );
    }
    reports.push({ vu: 1 + (i % 2), series });
  }
  return { reports, durations };
}

test('journeys merge: counts, failure reasons and what was created add up; percentiles from the merged histograms', () => {
  const config = JSON.stringify({ ...JSON.parse(CONFIG_TEXT), journeys: [{ journey: 'forum_reply', params: { forum: 306 } }] });
  const parts = [journeyReports(1, 100, 1), journeyReports(2, 100, 2)];
  const files = parts.map((p, i) => writeInstance(p.reports, i === 0 ? '0:1/2' : '1/2:1', { config }));
  assert.deepEqual(
    files[0]?.summary.mergeable?.journeys.map((j) => [j.name, j.kind, j.steps.map((s) => `${s.name}:${s.creates.join('+')}`)]),
    [['forum_reply', 'forum_reply', ['forum:', 'discussion:', 'reply_form:', 'post:forum_posts']]],
  );
  const merged = mergeSummaries(files);
  const whole = writeInstance(
    parts.flatMap((p) => p.reports),
    null,
    { config },
  ).summary;
  const j = merged.journeys?.forum_reply;
  assert.ok(j);
  assert.deepEqual([j.started, j.completed, j.failed], [200, 160, 40]);
  assert.deepEqual(j.failure_reasons, { 'post: form_error': 40 });
  assert.equal(j.steps.post?.requests, 400);
  assert.equal(j.steps.forum?.db_reads_median, 41);
  assert.deepEqual(merged.journeys_created, { forum_posts: 160 });
  assert.deepEqual(merged.journeys, whole.journeys);
  assertPercentiles(
    'journey',
    j,
    parts.flatMap((p) => p.durations),
  );
});
