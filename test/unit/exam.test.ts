// An exam start (--exam-window): the settings it refuses, its k6 scenario and its summary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throwsMessage } from '../helpers/assert';
import { assertValidSummary } from '../helpers/summary-schema';
import { buildExamSummary, examStartStep } from '../../lib/journeys/exam-summary';
import { EXAM_LATE, EXAM_NOT_STARTED, EXAM_START, EXAM_STARTED } from '../../lib/journeys/exam-names';
import type { Journey, JourneyStep } from '../../lib/journeys/journey-types';
import { buildK6Options } from '../../lib/k6-options';
import { LOAD_SCENARIO, LOGIN_SCENARIO } from '../../lib/run-phases';
import { examConfigError, readRunSettings, settingsToEnv } from '../../lib/run-settings';
import { buildSummary } from '../../lib/summary';
import { SetupData, summaryFiles } from '../../lib/summary-files';

const base = { CONFIG: 'c.json', RPM: '60', DURATION: '90', CONCURRENCY: '100' };

function step(name: string, creates: string[] = []): JourneyStep {
  return { name, fields: {}, take: {}, creates };
}

const quiz: Journey = {
  name: 'quiz_attempt',
  kind: 'quiz_attempt',
  weight: 1,
  params: {},
  think: [1, 3],
  steps: [step('view'), step('start', ['quiz_attempts']), step('answer'), step('finish', ['quiz_attempts_finished'])],
};

test('off by default; a window round-trips to k6', () => {
  assert.equal(readRunSettings(base, 'env').examWindowSec, 0);
  const s = readRunSettings({ ...base, EXAM_WINDOW: '20' }, 'env');
  assert.equal(s.examWindowSec, 20);
  assert.deepEqual(readRunSettings(settingsToEnv(s), 'env'), s);
});

test('refused in one line naming the flag or the variable: window >= duration, warm-up', () => {
  throwsMessage(
    () => readRunSettings({ ...base, EXAM_WINDOW: '90' }, 'flag'),
    /^--exam-window \(90 s\) must be shorter than --duration \(90 s\)/,
  );
  throwsMessage(() => readRunSettings({ ...base, EXAM_WINDOW: '120' }, 'env'), /^EXAM_WINDOW \(120 s\) must be shorter than DURATION/);
  throwsMessage(() => readRunSettings({ ...base, EXAM_WINDOW: '20', WARMUP: '5' }, 'flag'), /^--exam-window cannot go with --warmup/);
  throwsMessage(() => readRunSettings({ ...base, EXAM_WINDOW: '-1' }, 'flag'), /^--exam-window must be a whole number/);
  // Off, the same settings pass; the VUs' own figures (--stream-stats) count an exam start too.
  assert.equal(readRunSettings({ ...base, WARMUP: '5', STREAM_STATS: '1' }, 'flag').warmupSec, 5);
  assert.equal(readRunSettings({ ...base, EXAM_WINDOW: '20', STREAM_STATS: '1' }, 'flag').examWindowSec, 20);
  assert.throws(
    () => readRunSettings({ ...base, EXAM_WINDOW: '20', WARMUP: '5' }, 'flag'),
    (e: Error) => !e.message.includes('\n'),
  );
});

test('a config without journeys is refused; with one, or with no window, it is not', () => {
  const exam = readRunSettings({ ...base, EXAM_WINDOW: '20' }, 'flag');
  assert.match(examConfigError(exam, 0, 'flag') ?? '', /^--exam-window needs a journey in the config/);
  assert.match(examConfigError(exam, 0, 'env') ?? '', /^EXAM_WINDOW needs a journey/);
  assert.equal(examConfigError(exam, 1, 'flag'), null);
  assert.equal(examConfigError(readRunSettings(base, 'flag'), 0, 'flag'), null);
});

test('the load scenario becomes one iteration per VU within --duration, after the login phase', () => {
  const s = readRunSettings({ ...base, EXAM_WINDOW: '20' }, 'env');
  const o = buildK6Options(s, [], 100, [quiz]) as {
    scenarios: Record<string, Record<string, unknown>>;
    thresholds: Record<string, string[]>;
  };
  const load = o.scenarios[LOAD_SCENARIO] as Record<string, unknown>;
  const login = o.scenarios[LOGIN_SCENARIO] as Record<string, unknown>;
  assert.deepEqual(
    { ...load },
    { executor: 'per-vu-iterations', vus: 100, iterations: 1, maxDuration: '90s', startTime: login.maxDuration, gracefulStop: '65s' },
  );
  assert.deepEqual(o.thresholds[EXAM_START], ['max>=0']);
  for (const name of [EXAM_STARTED, EXAM_LATE, EXAM_NOT_STARTED]) assert.deepEqual(o.thresholds[name], ['count>=0']);
  // Not an exam: the arrival rate, no exam metrics.
  const plain = buildK6Options(readRunSettings(base, 'env'), [], 100, [quiz]) as typeof o;
  assert.equal((plain.scenarios[LOAD_SCENARIO] as Record<string, unknown>).executor, 'constant-arrival-rate');
  assert.equal(plain.thresholds[EXAM_START], undefined);
});

test('the start step is the first that creates something, else the first', () => {
  assert.equal(examStartStep(quiz), 1);
  assert.equal(examStartStep({ ...quiz, steps: [step('a'), step('b')] }), 0);
});

test('the summary from hand-made metrics', () => {
  const metrics = {
    [EXAM_START]: { values: { count: 97, 'p(50)': 812.345, 'p(95)': 4210.5, 'p(99)': 9000.126, max: 9500 } },
    [EXAM_STARTED]: { values: { count: 97 } },
    [EXAM_LATE]: { values: { count: 4 } },
    [EXAM_NOT_STARTED]: { values: { count: 3 } },
  };
  assert.deepEqual(buildExamSummary(metrics, 100, 20), {
    users: 100,
    window_sec: 20,
    started: 97,
    late: 4,
    not_started: 3,
    start_ms_p50: 812.35,
    start_ms_p95: 4210.5,
    start_ms_p99: 9000.13,
  });
  // No attempt started: zeros and nulls, not NaN.
  assert.deepEqual(buildExamSummary({ [EXAM_NOT_STARTED]: { values: { count: 5 } } }, 5, 10), {
    users: 5,
    window_sec: 10,
    started: 0,
    late: 0,
    not_started: 5,
    start_ms_p50: null,
    start_ms_p95: null,
    start_ms_p99: null,
  });
});

test('the summary has `exam` in an exam start only, valid against summary.schema.json', () => {
  const input = {
    metrics: { [EXAM_STARTED]: { values: { count: 2 } }, [EXAM_START]: { values: { count: 2, 'p(50)': 10, 'p(95)': 20, 'p(99)': 30 } } },
    endpoints: [],
    targetRpm: 60,
    durationSec: 90,
    warmupSec: 0,
    concurrency: 2,
    retries: 0,
    seed: 1,
    login: undefined,
    loadStartMs: undefined,
    nowMs: 0,
    journeys: [quiz],
  };
  assert.equal(buildSummary(input).exam, undefined);
  const summary = buildSummary({ ...input, examWindowSec: 20 });
  assert.deepEqual(summary.exam, {
    users: 2,
    window_sec: 20,
    started: 2,
    late: 0,
    not_started: 0,
    start_ms_p50: 10,
    start_ms_p95: 20,
    start_ms_p99: 30,
  });
  assertValidSummary(summary, 'an exam summary');
});

test("a split exam start's instance counts its own users; the whole test (setup of no segment) counts all", () => {
  const settings = readRunSettings({ ...base, EXAM_WINDOW: '20', CONCURRENCY: '10', SUMMARY: '-' }, 'env');
  const at = Date.UTC(2026, 11, 4, 6, 0, 0);
  const setup: SetupData = { seed: 1, segment: '0:1/3', loginStartMs: at, loadStartMs: at + 1000, sessions: 4, goodUser: 0, rejected: [] };
  const metrics = { [EXAM_STARTED]: { values: { count: 4 } } };
  const files = (setupData: SetupData | undefined) =>
    summaryFiles({
      metrics,
      setupData,
      settings,
      endpoints: [{ name: '/my/', weight: 1, template: { source: '/my/' } }],
      usernames: ['u1'],
      nowMs: at + 30_000,
      warn: () => undefined,
    }).summary.exam;
  // k6 gave this instance 4 of the 10 VUs (its setup() counted them): 4 users, all 4 started.
  assert.equal(files(setup)?.users, 4);
  assert.equal(files(setup)?.started, 4);
  assert.equal(files({ ...setup, segment: null, sessions: 10 })?.users, 10);
  assert.equal(files(undefined)?.users, 10, 'setup() did not finish: the settings are all there is');
});
