// A capacity search on the real site: the closed model with more users each step until the p95
// limit breaks. Every step's requests and latency are checked against what nginx served.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/e2e';
import { accessLogMark, accessLogSince, isLoad, warmSite, writeSiteConfig } from './site';
import { k6Percentile } from '../helpers/reference-stats';

interface Step {
  step: number;
  users: number;
  vus: number;
  requests: number;
  failures: number;
  p95_ms: number | null;
  worst_p95_ms: number | null;
  verdict: string;
  broke_on: string[];
}

const LIMIT_MS = 400;

test('capacity search by users: ends at the step where p95 broke; each step agrees with nginx', { timeout: 400_000 }, async (t) => {
  // The first step's claim (4 users hold) is about a warm site, whatever test ran before.
  await warmSite();
  const dir = tempDir();
  const mark = accessLogMark();
  const run = runCli(
    [
      'capacity',
      '--config',
      writeSiteConfig(),
      '--think-time',
      '0.5,1.5',
      '--duration',
      '15',
      '--concurrency',
      '40',
      '--start',
      '4',
      '--step',
      '6',
      '--max',
      '40',
      '--max-p95-ms',
      String(LIMIT_MS),
      '--seed',
      '3',
      '--progress',
      '30',
      '--work-dir',
      join(dir, 'work'),
      '--report',
      join(dir, 'capacity.html'),
    ],
    380_000,
  );
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr.slice(-3000));
  const out = JSON.parse(stdout) as {
    outcome: string;
    steps: Step[];
    last_held: { step: number } | null;
    first_broken: { step: number } | null;
  };
  for (const s of out.steps)
    t.diagnostic(`${s.users} users: ${s.requests} requests, p95 ${s.p95_ms} ms, worst ${s.worst_p95_ms} ms, ${s.verdict}`);
  assert.equal(out.outcome, 'broke', 'two cores and 12 PHP workers do not hold p95 under 400 ms at 40 users');
  const last = out.steps[out.steps.length - 1] as Step;
  assert.equal(out.first_broken?.step, last.step, 'the search ends with the step that broke');
  assert.ok(last.broke_on.includes('p95_ms'), JSON.stringify(last));
  assert.ok((last.worst_p95_ms as number) > LIMIT_MS);
  assert.ok(out.steps.length >= 2, 'the first step (4 users) holds');
  assert.equal(out.last_held?.step, last.step - 1);
  for (const s of out.steps.slice(0, -1)) assert.ok((s.worst_p95_ms as number) <= LIMIT_MS, `step ${s.step} held`);

  // The steps are runs one after another, so nginx's load entries, in the order they ended, are
  // the steps' requests in turn: the counts split them, and each part's latency is that step's.
  const load = accessLogSince(mark)
    .filter(isLoad)
    .sort((a, b) => a.msec - b.msec);
  assert.equal(
    load.length,
    out.steps.reduce((n, s) => n + s.requests, 0),
    "nginx served the steps' requests, no more, no less",
  );
  let from = 0;
  for (const s of out.steps) {
    const mine = load.slice(from, from + s.requests);
    from += s.requests;
    const failed = mine.filter((e) => e.status !== 200).length;
    assert.equal(failed, s.failures, `step ${s.step}: failures`);
    const nginxP95 = k6Percentile(
      mine.filter((e) => e.status === 200).map((e) => e.request_time * 1000),
      0.95,
    );
    t.diagnostic(`step ${s.step}: nginx p95 ${nginxP95.toFixed(1)} ms, moodle-load p95 ${s.p95_ms} ms`);
    // k6 times from its send to the last byte; nginx from the request's first byte to its log line, in ms steps.
    assert.ok(Math.abs((s.p95_ms as number) - nginxP95) <= 0.1 * nginxP95 + 10, `step ${s.step}: p95 ${s.p95_ms} vs nginx ${nginxP95}`);
  }
});
