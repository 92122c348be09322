// The capacity search's loop with its runs faked: which steps run, where it stops, what it says, the
// JSON it ends with, and its exit code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepLoads, type CapacityBy } from '../../analysis/capacity-verdict';
import { exitCodeOf, searchCapacity, type CapacityPlan, type StepRun } from '../../cli/capacity/capacity-search';
import type { CliOptions } from '../../cli/cli-options';
import { readRunSettings } from '../../lib/run-settings';
import { fakeSummary } from '../helpers/capacity-fixtures';

function plan(by: CapacityBy, values: number[], limits = { maxP95Ms: 500, maxFailurePct: undefined, maxDroppedPct: 1 }): CapacityPlan {
  const loads = stepLoads(by, values, { concurrency: 5, users: undefined, rpm: 0 });
  const runs = loads.map((l): CliOptions => {
    const raw = by === 'rpm' ? { RPM: String(l.rpm) } : { MOODLE_USERS: String(l.users), CONCURRENCY: String(l.vus), THINK_TIME: '1' };
    return {
      settings: readRunSettings({ CONFIG: 'c.json', DURATION: '10', CONCURRENCY: '5', SEED: '3', ...raw }, 'env'),
      progressSec: 30,
      outputs: [],
      logPath: undefined,
      reportPath: undefined,
    };
  });
  return {
    by,
    start: values[0]!,
    step: values[1]! - values[0]!,
    max: values[values.length - 1]!,
    loads,
    runs,
    limits,
    workDir: '/w',
    reportPath: undefined,
  };
}

/** A site whose p95 is 100 ms up to 300 rpm and 2 ms more per rpm after that; the runs it was asked for. */
function site(results: Record<number, Partial<StepRun>> = {}) {
  const asked: CliOptions[] = [];
  const runStep = (o: CliOptions): Promise<StepRun> => {
    asked.push(o);
    const rpm = o.settings.rpm;
    const p95 = rpm <= 300 ? 100 : 100 + (rpm - 300) * 2;
    const summary = fakeSummary({
      total: Math.round(rpm / 6),
      rpmObserved: rpm,
      p95,
      endpoints: { '/my/': { total: Math.round(rpm / 6), p95 } },
      warnings: ['same warning'],
    });
    return Promise.resolve({ exitCode: 0, summary, ...results[asked.length] });
  };
  return { asked, runStep };
}

test('stops at the first broken step: last held and first broken, each step said before and after', async () => {
  const lines: string[] = [];
  const s = site();
  const result = await searchCapacity(plan('rpm', [100, 200, 300, 400, 500, 600]), s.runStep, { say: (l) => lines.push(l) });
  // 400 rpm: 100 + 100 * 2 = 300 ms holds; 500 rpm: 500 ms is at the limit, holds; 600: 700 ms breaks.
  assert.deepEqual(
    result.steps.map((x) => [x.rpm, x.worst_p95_ms, x.verdict]),
    [
      [100, 100, 'held'],
      [200, 100, 'held'],
      [300, 100, 'held'],
      [400, 300, 'held'],
      [500, 500, 'held'],
      [600, 700, 'broke'],
    ],
  );
  assert.equal(result.outcome, 'broke');
  assert.deepEqual(result.last_held, { step: 5, value: 500, rps: 8.33 /* 500 / 60, to 2 decimals */, worst_p95_ms: 500 });
  assert.deepEqual(result.first_broken, { step: 6, value: 600, rps: 10, worst_p95_ms: 700 });
  assert.deepEqual(
    s.asked.map((o) => o.settings.summaryPath),
    ['/w/step-01.json', '/w/step-02.json', '/w/step-03.json', '/w/step-04.json', '/w/step-05.json', '/w/step-06.json'],
  );
  assert.equal(lines[0], 'step 1 of 6: 100 rpm (5 VUs, 5 users) for 10 s');
  assert.equal(lines[1], 'step 1 of 6: held: p95 100 ms (worst endpoint: /my/), failures 0.0 %, dropped 0, 1.7 req/s');
  assert.equal(
    lines[11],
    'step 6 of 6: broke: p95 above 500 ms on 1 endpoint: /my/ 700 ms (p95 700 ms (worst endpoint: /my/), failures 0.0 %, dropped 0, 10 req/s)',
  );
  assert.ok(result.notes.includes('steps 1, 2, 3, 4, 5, 6: same warning'), 'a warning said once with its steps');
  assert.ok(
    result.notes.includes('the limit lies between 500 and 600 rpm; to narrow it: --start 500 --step 25 --max 600'),
    result.notes.join('\n'),
  );
  assert.equal(exitCodeOf(result), 0);
});

test('every step held: outcome held_to_max, no first broken, exit 0, and a note to raise --max', async () => {
  const result = await searchCapacity(plan('rpm', [100, 200, 300]), site().runStep, { say: () => undefined });
  assert.equal(result.outcome, 'held_to_max');
  assert.equal(result.first_broken, null);
  assert.equal(result.last_held?.value, 300);
  assert.ok(result.notes.some((n) => n.startsWith('no limit broke up to --max 300 rpm')));
  assert.equal(exitCodeOf(result), 0);
});

test('the first step breaking says to start lower', async () => {
  const result = await searchCapacity(plan('rpm', [1000, 2000]), site().runStep, { say: () => undefined });
  assert.equal(result.last_held, null);
  assert.equal(result.first_broken?.step, 1);
  assert.equal(result.steps.length, 1);
  assert.ok(result.notes.some((n) => n.includes('broke already')));
});

test('Ctrl-C during a step: that step is not judged, the search ends with exit 130 and the steps done', async () => {
  const s = site({ 2: { exitCode: 130 } });
  const result = await searchCapacity(plan('rpm', [100, 200, 300]), s.runStep, { say: () => undefined });
  assert.deepEqual(
    result.steps.map((x) => x.verdict),
    ['held', 'interrupted'],
  );
  assert.equal(result.outcome, 'interrupted');
  assert.equal(result.last_held?.step, 1);
  assert.equal(result.first_broken, null);
  assert.equal(exitCodeOf(result), 130);
});

test('Ctrl-C between steps: no further step starts', async () => {
  const stop = new AbortController();
  const s = site();
  const runStep = async (o: CliOptions) => {
    const r = await s.runStep(o);
    stop.abort();
    return r;
  };
  const result = await searchCapacity(plan('rpm', [100, 200, 300]), runStep, { say: () => undefined, signal: stop.signal });
  assert.equal(s.asked.length, 1);
  assert.equal(result.outcome, 'interrupted');
  assert.equal(exitCodeOf(result), 130);
});

test('a run that fails (site unreachable at step 2) stops the search with its exit code', async () => {
  const result = await searchCapacity(plan('rpm', [100, 200, 300]), site({ 2: { exitCode: 6, summary: undefined } }).runStep, {
    say: () => undefined,
  });
  assert.deepEqual(
    result.steps.map((x) => [x.verdict, x.exit_code]),
    [
      ['held', 0],
      ['failed', 6],
    ],
  );
  assert.equal(result.outcome, 'failed');
  assert.equal(exitCodeOf(result), 6);
});

test('a step that dropped iterations within its limits is noted as the client being short', async () => {
  const runStep = (): Promise<StepRun> =>
    Promise.resolve({ exitCode: 0, summary: fakeSummary({ total: 995, dropped: 5, p95: 10, endpoints: { a: { total: 995, p95: 10 } } }) });
  const result = await searchCapacity(plan('rpm', [100]), runStep, { say: () => undefined });
  assert.equal(result.steps[0]?.verdict, 'held');
  assert.ok(result.notes.some((n) => n.startsWith('step 1: k6 dropped 5 iterations')));
});

test('--by users: each step says its users and VUs, and JSON names them', async () => {
  const lines: string[] = [];
  const runStep = (): Promise<StepRun> =>
    Promise.resolve({ exitCode: 0, summary: fakeSummary({ total: 10, p95: 10, endpoints: { a: { total: 10, p95: 10 } } }) });
  const result = await searchCapacity(plan('users', [3, 10]), runStep, { say: (l) => lines.push(l) });
  assert.equal(lines[0], 'step 1 of 2: 3 users (3 VUs) for 10 s');
  assert.equal(lines[2], 'step 2 of 2: 10 users (5 VUs) for 10 s');
  assert.deepEqual(
    result.steps.map((x) => [x.users, x.vus, x.rpm]),
    [
      [3, 3, null],
      [10, 5, null],
    ],
  );
  assert.equal(result.last_held?.value, 10);
});
