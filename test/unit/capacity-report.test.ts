// The capacity HTML report: one point per step in each panel, placed on linear axes (checked against
// the points' own values), the limit line where the limit is, the first broken step marked, a row per
// step, and nothing fetched from anywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacityHtml } from '../../cli/capacity/capacity-report';
import type { CapacityResult, StepReport } from '../../cli/capacity/capacity-search';

function step(n: number, rpm: number, p95: number, rps: number, verdict: 'held' | 'broke'): StepReport {
  return {
    step: n,
    users: 20,
    vus: 20,
    rpm,
    requests: rps * 10,
    rps,
    failures: 0,
    failure_pct: 0,
    dropped: 0,
    dropped_pct: 0,
    p50_ms: p95 / 2,
    p95_ms: p95 - 5,
    p99_ms: p95 + 5,
    worst_endpoint: '/course/view.php?id={courseid}&x=<1>',
    worst_p95_ms: p95,
    endpoints: {},
    start_delay_ms_p95: null,
    verdict,
    broke_on: verdict === 'broke' ? ['p95_ms'] : [],
    reasons: verdict === 'broke' ? [`p95 above 300 ms on 1 endpoint: x ${p95} ms`] : [],
    exit_code: 0,
    summary_path: `/w/step-0${n}.json`,
  };
}

const RESULT: CapacityResult = {
  by: 'rpm',
  outcome: 'broke',
  settings: {},
  limits: { max_p95_ms: 300, max_failure_pct: null, max_dropped_pct: 1 },
  steps: [step(1, 300, 100, 5, 'held'), step(2, 600, 150, 10, 'held'), step(3, 900, 250, 15, 'held'), step(4, 1200, 900, 17, 'broke')],
  last_held: { step: 3, value: 900, rps: 15, worst_p95_ms: 250 },
  first_broken: { step: 4, value: 1200, rps: 17, worst_p95_ms: 900 },
  notes: ['a note & more'],
  work_dir: '/w',
  report_path: null,
};

interface Point {
  cls: string;
  step: number;
  x: number;
  y: number;
  cx: number;
  cy: number;
}

function points(html: string): Point[] {
  return [
    ...html.matchAll(/<circle class="([^"]+)" cx="([\d.]+)" cy="([\d.]+)" r="5" data-step="(\d+)" data-x="([\d.]+)" data-y="([\d.]+)"/g),
  ].map((m) => ({
    cls: m[1]!,
    cx: Number(m[2]),
    cy: Number(m[3]),
    step: Number(m[4]),
    x: Number(m[5]),
    y: Number(m[6]),
  }));
}

/** Whether screen positions are a linear map of the values: equal value steps, equal screen steps (to the rounding of 0.1 px). */
function linear(values: number[], screen: number[]): void {
  const k = (screen[1]! - screen[0]!) / (values[1]! - values[0]!);
  for (let i = 2; i < values.length; i++) {
    const expected = screen[0]! + k * (values[i]! - values[0]!);
    assert.ok(Math.abs(screen[i]! - expected) < 0.3, `value ${values[i]} at ${screen[i]}, expected ${expected.toFixed(1)}`);
  }
}

test('one point per step in each panel, at its x and y on linear axes; the broken step marked', () => {
  const html = capacityHtml(RESULT);
  const all = points(html);
  const p95 = all.filter((p) => p.cls.startsWith('point p95'));
  const rps = all.filter((p) => p.cls.startsWith('point rps'));
  assert.deepEqual(
    p95.map((p) => [p.step, p.x, p.y]),
    [
      [1, 300, 100],
      [2, 600, 150],
      [3, 900, 250],
      [4, 1200, 900],
    ],
  );
  assert.deepEqual(
    rps.map((p) => [p.step, p.x, p.y]),
    [
      [1, 300, 5],
      [2, 600, 10],
      [3, 900, 15],
      [4, 1200, 17],
    ],
  );
  linear(
    p95.map((p) => p.x),
    p95.map((p) => p.cx),
  );
  linear(
    p95.map((p) => p.y),
    p95.map((p) => p.cy),
  );
  linear(
    rps.map((p) => p.y),
    rps.map((p) => p.cy),
  );
  assert.ok(p95[0]!.cy > p95[3]!.cy, 'higher p95 is drawn higher');
  assert.deepEqual(
    all.filter((p) => p.cls.includes('broken')).map((p) => [p.cls, p.step]),
    [
      ['point p95 broken', 4],
      ['point rps broken', 4],
    ],
  );
  assert.equal((html.match(/<line class="first-broken"[^>]*data-step="4"/g) ?? []).length, 2, 'in both panels');
});

test('the limit line lies where 300 ms falls between the points of 250 and 900 ms', () => {
  const html = capacityHtml(RESULT);
  const m = /<line class="limit" x1="0" x2="([\d.]+)" y1="([\d.]+)" y2="([\d.]+)" data-limit="300"\/>/.exec(html);
  assert.ok(m, 'one limit line');
  assert.equal(m[2], m[3], 'horizontal');
  const p95 = points(html).filter((p) => p.cls.startsWith('point p95'));
  const [a, b] = [p95[2]!, p95[3]!];
  const expected = a.cy + ((300 - a.y) / (b.y - a.y)) * (b.cy - a.cy);
  assert.ok(Math.abs(Number(m[2]) - expected) < 0.3, `limit at ${m[2]}, expected ${expected.toFixed(1)}`);
  assert.match(html, /limit 300 ms/);
  assert.equal((html.match(/class="limit"/g) ?? []).length, 1, 'only in the latency panel');
  assert.doesNotMatch(capacityHtml({ ...RESULT, limits: { ...RESULT.limits, max_p95_ms: null } }), /class="limit"/);
});

test('a row per step, the outcome, names escaped, and nothing that loads from elsewhere', () => {
  const html = capacityHtml(RESULT);
  assert.equal((html.match(/<tr class="step /g) ?? []).length, 4);
  assert.match(html, /<tr class="step broke" data-step="4">/);
  assert.match(html, /last held: 900 rpm \(step 3\); first broken: 1200 rpm \(step 4\)\./);
  assert.match(html, /\/course\/view\.php\?id=\{courseid\}&amp;x=&lt;1&gt;/);
  assert.doesNotMatch(html, /<1>/);
  assert.match(html, /<li>a note &amp; more<\/li>/);
  assert.doesNotMatch(html, /<script|<link|<img|@import|url\(/);
  assert.deepEqual([...new Set(html.match(/https?:\/\/[^"\s]+/g))], ['http://www.w3.org/2000/svg']);
});

test('one step alone, or a step without figures, still draws', () => {
  const one = capacityHtml({
    ...RESULT,
    outcome: 'held_to_max',
    steps: [RESULT.steps[0]!],
    first_broken: null,
    last_held: RESULT.last_held,
  });
  assert.equal(points(one).length, 2);
  assert.doesNotMatch(one, /NaN|Infinity/);
  const failed = { ...step(2, 600, 0, 0, 'held'), worst_p95_ms: null, verdict: 'failed' as const };
  const html = capacityHtml({ ...RESULT, outcome: 'failed', steps: [RESULT.steps[0]!, failed], first_broken: null });
  assert.equal(points(html).filter((p) => p.cls.startsWith('point p95')).length, 1, 'no p95, no point');
  assert.doesNotMatch(html, /NaN|Infinity/);
});
