import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePerfFooter, type PerfInfo, perfValues } from '../../lib/perf-footer';
import { SERVER_METRICS } from '../../lib/metric-names';
import { FIXTURES } from '../helpers/paths';

const read = (f: string) => readFileSync(join(FIXTURES, f), 'utf8');

test('the footer of a real course page (MDL_PERF_TEST)', () => {
  const p = parsePerfFooter(read('perf-course-view_loggedin_id4.html'));
  assert.ok(p);
  assert.ok(Math.abs(p.timeMs - 66.47) < 1e-9);
  assert.equal(p.dbReads, 31);
  assert.equal(p.dbWrites, 1);
  assert.ok(Math.abs(p.dbTimeMs - 10.91) < 1e-9);
  assert.equal(p.ramPeakMb, 8.1);
  assert.equal(p.includedFiles, 620);
  assert.equal(p.sessionWaitMs, 0);
});

test('redirect and error pages carry it too', () => {
  const redirect = parsePerfFooter(read('perf-redirect-enrol_loggedin.html'));
  assert.equal(redirect?.dbReads, 11);
  assert.equal(redirect?.dbWrites, 0);
  assert.equal(redirect?.includedFiles, 189);
  assert.ok(parsePerfFooter(read('perf-course-notfound_loggedin.html')));
});

test('pages without the footer give null', () => {
  assert.equal(parsePerfFooter(read('course-view_loggedin_id2.html')), null);
  assert.equal(parsePerfFooter(read('my-dashboard_loggedin.html')), null);
  assert.equal(parsePerfFooter(''), null);
});

test('perfValues lists the figures in the order of SERVER_METRICS, which names their trends', () => {
  const p: PerfInfo = { timeMs: 1.5, dbReads: 2, dbWrites: 3, dbTimeMs: 4.25, ramPeakMb: 5.5, includedFiles: 6, sessionWaitMs: 7.75 };
  const out = perfValues(p, []);
  assert.deepEqual(
    out,
    SERVER_METRICS.map((m) => p[m.field]),
  );
  const reused = [9, 9, 9, 9, 9, 9, 9];
  assert.equal(perfValues(p, reused), reused, 'the array handed in is the one filled');
  assert.deepEqual(reused, out);
});
