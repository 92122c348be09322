import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DashboardDecoder, SseParser } from '../../cli/dashboard-events';
import { progressLine } from '../../cli/progress-line';

// Shaped like k6 v1.8's web-dashboard stream: aggregates by type, metric names announced
// as they appear, cumulative rows in name order.
const stream = [
  'event: param\nid: 1\ndata: {"aggregates":{"counter":["count","rate"],"gauge":["value"],"rate":["rate"],"trend":["avg","max","med","min","p(90)","p(95)","p(99)"]}}\n\n',
  'event: metric\nid: 2\ndata: {"time":{"type":"gauge","contains":"time"}}\n\n',
  'event: metric\nid: 3\ndata: {"moodle_reqs{outcome:success}":{"type":"counter"},"moodle_reqs{outcome:failure}":{"type":"counter"},"moodle_load_start":{"type":"gauge"},"moodle_req_duration{outcome:success}":{"type":"trend","contains":"time"},"dropped_iterations":{"type":"counter"}}\n\n',
  'event: cumulative\nid: 4\ndata: [[2,0.1],[100000],[6.1,30,5.9,1,9,12.5,20.25],[5,0.1],[1000,9],[130000]]\n\n',
];

test('SSE chunks split anywhere still give whole events', () => {
  const text = stream.join('');
  const parser = new SseParser();
  const events = [];
  for (let i = 0; i < text.length; i += 7) events.push(...parser.feed(text.slice(i, i + 7)));
  assert.deepEqual(
    events.map((e) => e.event),
    ['param', 'metric', 'metric', 'cumulative'],
  );
});

test('cumulative rows are matched to metric names in sorted order', () => {
  const parser = new SseParser();
  const decoder = new DashboardDecoder();
  let last: ReturnType<DashboardDecoder['accept']> = null;
  for (const ev of parser.feed(stream.join(''))) last = decoder.accept(ev) ?? last;
  assert.ok(last);
  assert.deepEqual(last['moodle_reqs{outcome:success}'], { count: 1000, rate: 9 });
  assert.equal(last['moodle_req_duration{outcome:success}']?.['p(99)'], 20.25);
  assert.equal(last.time?.value, 130000);
  assert.equal(
    progressLine(last, { rpm: 600, durationSec: 60, warmupSec: 0, loadStartMs: () => 100_000 }),
    'progress: load 30/60s | rpm 2010.0 of 600 | total 1005 ok 1000 failed 5 | p50 5.9 p95 12.5 p99 20.3 ms | dropped 2 (all VUs busy: raise --concurrency; rate and latency are flattered)',
  );
});

test('a row count that does not match the names is skipped, not misread', () => {
  const decoder = new DashboardDecoder();
  const parser = new SseParser();
  const events = parser.feed(stream.slice(0, 3).join('') + 'event: cumulative\ndata: [[1],[2]]\n\n');
  assert.deepEqual(
    events.map((e) => decoder.accept(e)),
    [null, null, null, null],
  );
});

test('during warm-up the line says so and shows the warm-up figures', () => {
  const m = {
    time: { value: 95_000 },
    'moodle_warmup_reqs{outcome:success}': { count: 20 },
    'moodle_reqs{outcome:success}': { count: 999 },
  };
  assert.equal(
    progressLine(m, { rpm: 600, durationSec: 60, warmupSec: 10, loadStartMs: () => 100_000 }),
    'progress: warm-up 5/10s (not in the figures) | rpm 240.0 ramping to 600 | total 20 ok 20 failed 0 | p50 - p95 - p99 - ms',
  );
});

test('before the load starts the line says so: no setup record yet, or still in the login phase', () => {
  const target = { rpm: 1, durationSec: 1, warmupSec: 10 };
  for (const loadStartMs of [undefined, 100_000]) {
    assert.equal(
      progressLine({ time: { value: 89_000 } }, { ...target, loadStartMs: () => loadStartMs }),
      'progress: logging in sessions (no load sent yet)',
    );
  }
  assert.match(progressLine({ time: { value: 91_000 } }, { ...target, loadStartMs: () => 100_000 }), /^progress: warm-up 1\/10s/);
});
