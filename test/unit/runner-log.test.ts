// A runner's k6 log (the k6-operator's pods) summed up into its summary: the same summary the CLI
// writes from the same records when it runs k6 itself (streamedSummary), and a one-line refusal,
// naming the file, of a log that lacks what a summary needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamCollector } from '../../analysis/stream-stats';
import { RunnerLogError, summaryFromRunnerLog } from '../../cli/runner-log';
import { streamedSummary } from '../../cli/streamed-summary';
import { recordPrefix, RecordType, RecordTypes } from '../../lib/channel';
import { parseConfigText } from '../../lib/config';
import { DURATION, LOAD_ITERATIONS, REQUESTS } from '../../lib/metric-names';
import { readRunSettings } from '../../lib/run-settings';
import { StatsEncoder, type StatsRecord, type StatsReport } from '../../lib/stats-stream';
import type { SetupData } from '../../lib/summary-files';

const CONFIG = parseConfigText(
  JSON.stringify({
    base_url: 'http://127.0.0.1:8081',
    users: [{ username: 'u1', password: 'p1' }],
    urls: [{ path: '/my/' }],
  }),
  () => '',
);
const START = Date.UTC(2026, 11, 3, 20, 0, 0);
const settings = readRunSettings(
  { CONFIG: '/config/config.json', RPM: '120', DURATION: '10', CONCURRENCY: '2', CHANNEL: '1', STREAM_STATS: '1' },
  'env',
);
const setup: SetupData = {
  seed: 9,
  segment: '0:1/2',
  loginStartMs: START,
  loadStartMs: START + 2000,
  sessions: 1,
  goodUser: 0,
  rejected: [],
};

/** One line of k6's --log-format json for a record the script wrote. */
function line<T extends RecordType>(type: T, data: RecordTypes[T], atMs: number): string {
  return JSON.stringify({
    level: 'info',
    msg: recordPrefix(type) + JSON.stringify(data),
    source: 'console',
    time: new Date(atMs).toISOString(),
  });
}

function reports(): StatsReport[] {
  return [10, 20, 30, 40, 55.5].map((ms, i) => ({
    vu: 1 + (i % 2),
    series: [
      { m: REQUESTS, t: { endpoint: '/my/', outcome: 'success' }, k: 'counter', n: 1 },
      { m: LOAD_ITERATIONS, t: null, k: 'counter', n: 1 },
      { m: DURATION, t: { endpoint: '/my/', outcome: 'success' }, k: 'trend', n: 1, s: [ms] },
    ],
  }));
}

/** The reports as the VUs write them: each VU names a series in its first record that has it. */
function records(): StatsRecord[] {
  const encoders = new Map<number, StatsEncoder>();
  return reports().map((r) => {
    if (!encoders.has(r.vu)) encoders.set(r.vu, new StatsEncoder());
    return (encoders.get(r.vu) as StatsEncoder).encode(r);
  });
}

function log(): string {
  const lines = [
    '          /\\      Grafana   /‾‾/  ',
    line('setup', { ...setup, settings }, START),
    JSON.stringify({ level: 'warning', msg: 'k6 says something', time: new Date(START + 3000).toISOString() }),
    ...records().map((r, i) => line('stats', r, START + 3000 + i * 1000)),
  ];
  return lines.join('\n') + '\n';
}

test("a runner's log gives the summary the CLI writes from the same records, mergeable part included", () => {
  const fromLog = summaryFromRunnerLog('runner-1.log', log(), CONFIG);
  const collector = new StreamCollector();
  for (const r of reports()) collector.accept(r);
  const direct = streamedSummary({
    collector,
    setupData: setup,
    settings: { ...settings, summaryPath: 'runner-1.log.summary.json', summaryToStdout: false },
    config: CONFIG,
    nowMs: START + 7000,
    warn: () => undefined,
  }).summary;
  // As written to a file (a setting that is undefined is no key in JSON).
  assert.deepEqual(JSON.parse(JSON.stringify(fromLog)), JSON.parse(JSON.stringify(direct)));
  assert.equal(fromLog.total, 5);
  assert.equal(fromLog.execution_segment, '0:1/2');
  assert.deepEqual(fromLog.mergeable?.setup, setup, 'the settings are not part of the setup kept');
});

test('a log without what a summary needs is refused in one line naming the file', () => {
  const refused = (text: string, pattern: RegExp) =>
    assert.throws(
      () => summaryFromRunnerLog('pod.log', text, CONFIG),
      (e: unknown) => e instanceof RunnerLogError && pattern.test(e.message) && !e.message.includes('\n'),
    );
  refused(
    records()
      .map((r) => line('stats', r, START))
      .join('\n'),
    /^pod\.log: no moodle-load setup record/,
  );
  refused(line('setup', setup, START), /^pod\.log: no moodle-load setup record with the run's settings/);
  refused(line('setup', { ...setup, settings: { ...settings, streamStats: false } }, START), /^pod\.log: .*without STREAM_STATS=1/);
  const otherVersion = JSON.stringify({
    level: 'info',
    msg: 'moodle-load/99 stats {}',
    source: 'console',
    time: new Date(START).toISOString(),
  });
  refused(`${line('setup', { ...setup, settings }, START)}\n${otherVersion}`, /^pod\.log: .*version 99/);
});
