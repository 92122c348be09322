import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboardPeriodSec, isProgressSnapshot, MAX_PERIOD_SEC } from '../../cli/dashboard-period';

const period = (progressSec: number, report = false, runSec = 600) => dashboardPeriodSec({ progressSec, report, runSec });

test('dashboard period: --progress itself up to 30 s', () => {
  assert.equal(MAX_PERIOD_SEC, 30);
  assert.equal(period(30), 30);
  assert.equal(period(5), 5);
  assert.equal(period(1), 1);
});

test('dashboard period: a long --progress still snapshots at most every 30 s (k6 holds a period of samples)', () => {
  assert.equal(period(3600), 30);
  assert.equal(period(600), 30);
  assert.equal(period(45), 15);
  assert.equal(period(100), 25);
  // No divisor of 37 in 15..30: 30 s snapshots, a line at the first one after each 37 s.
  assert.equal(period(37), 30);
  assert.equal(period(31), 30);
});

test('dashboard period with --report: fine enough for 60 snapshots, a divisor of --progress when one is close', () => {
  assert.equal(period(30, true, 600), 10);
  assert.equal(period(30, true, 60), 1);
  assert.equal(period(30, true, 660), 10); // 11 s would not divide 30; 10 does
  assert.equal(period(37, true, 300), 5); // no divisor of 37 in 3..5
  assert.equal(period(3600, true, 36000), 30);
});

test('progress snapshots: every one when the period is --progress, thinned otherwise', () => {
  const lines = (periodSec: number, progressSec: number, snapshots: number) =>
    Array.from({ length: snapshots }, (_, i) => i + 1)
      .filter((seen) => isProgressSnapshot(seen, periodSec, progressSec))
      .map((seen) => seen * periodSec);
  assert.deepEqual(lines(30, 30, 4), [30, 60, 90, 120]);
  assert.deepEqual(lines(10, 30, 9), [30, 60, 90]);
  assert.deepEqual(lines(30, 3600, 240), [3600, 7200]);
  // 30 s snapshots, --progress 37: the first snapshot at or after 37, 74, 111, 148 s.
  assert.deepEqual(lines(30, 37, 5), [60, 90, 120, 150]);
});
