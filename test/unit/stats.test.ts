import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniform } from '../../lib/random';
import { hodgesLehmannShift, mannWhitneyGreater, median, normalUpperTail } from '../../analysis/stats';

test('median', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('normal tail matches known values', () => {
  assert.ok(Math.abs(normalUpperTail(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalUpperTail(1.6448536) - 0.05) < 1e-6);
  assert.ok(Math.abs(normalUpperTail(2.3263479) - 0.01) < 1e-6);
  assert.ok(Math.abs(normalUpperTail(-1.959964) - 0.975) < 1e-6);
});

test('U counts pairs where the second sample is larger, ties half', () => {
  // b beats a in: 3>1,3>2, 4>1,4>2, 2=2 (half), 2>1 -> 4 + 1 + 0.5 = 5.5
  assert.equal(mannWhitneyGreater([1, 2], [2, 3, 4]).u, 5.5);
  assert.equal(mannWhitneyGreater([1, 2, 3], [4, 5, 6]).probabilityOfSuperiority, 1);
});

// Samples drawn with the project's own seeded generator, so these tests are exact and repeatable.
const sample = (seed: number, n: number, shift: number) => Array.from({ length: n }, (_, i) => 50 + 10 * uniform(seed, i, 0) + shift);

test('a shifted sample is found larger; the same distribution is not', () => {
  const base = sample(1, 500, 0);
  assert.ok(mannWhitneyGreater(base, sample(2, 500, 3)).p < 1e-6);
  const same = mannWhitneyGreater(base, sample(3, 500, 0));
  assert.ok(same.p > 0.01, `p ${same.p}`);
  assert.ok(mannWhitneyGreater(base, sample(4, 500, -3)).p > 0.99, 'one-sided: faster is not "larger"');
});

test('all ties: no evidence either way', () => {
  assert.equal(mannWhitneyGreater([5, 5, 5], [5, 5]).p, 1);
});

// Reference values from SciPy 1.17.1 / NumPy 2.4.6 (python3 -m venv; pip install scipy), computed as
//   scipy.stats.mannwhitneyu(new, old, alternative='greater', use_continuity=True, method='asymptotic')
//   numpy.median(numpy.subtract.outer(numpy.array(new), numpy.array(old)))   # Hodges-Lehmann shift
// U there is the statistic of the first argument (pairs new > old), the same as ours.
const dbOld = [33, 31, 34, 33, 32, 35, 33, 36, 33, 32, 34, 33, 31, 44, 33, 33, 32, 34];
const dbPlus2 = [35, 33, 36, 35, 34, 37, 35, 38, 35, 34, 36, 35, 33, 35, 35];
const dbSame = [33, 34, 32, 33, 33, 35, 31, 33, 34, 32, 33, 33];
const msOld = [52.1, 48.3, 61.0, 55.2, 49.9, 50.4, 58.8, 47.5, 53.3, 51.0];
const msNew = [60.2, 57.9, 66.1, 71.4, 59.0, 62.3, 58.1, 64.4];
const REFERENCE = [
  { old: dbOld, new: dbPlus2, u: 219.5, p: 0.0009743620136769918, hl: 2 },
  { old: dbOld, new: dbSame, u: 101.5, p: 0.6220279083006217, hl: 0 },
  { old: msOld, new: msNew, u: 74, p: 0.001457542929187061, hl: 9.700000000000003 },
  { old: dbPlus2, new: dbOld, u: 50.5, p: 0.999140195870976, hl: -2 },
];

test('Mann-Whitney U and one-sided p (ties, continuity) match SciPy', () => {
  for (const r of REFERENCE) {
    const mw = mannWhitneyGreater(r.old, r.new);
    assert.equal(mw.u, r.u);
    // The normal tail is A&S 7.1.26 (|error| < 1.5e-7).
    assert.ok(Math.abs(mw.p - r.p) < 2e-7, `p ${mw.p} vs SciPy ${r.p}`);
  }
});

test('Hodges-Lehmann shift matches NumPy on the same data', () => {
  for (const r of REFERENCE)
    assert.ok(Math.abs(hodgesLehmannShift(r.old, r.new) - r.hl) < 1e-9, `${hodgesLehmannShift(r.old, r.new)} vs ${r.hl}`);
  assert.ok(Number.isNaN(hodgesLehmannShift([], [1])));
});

test('Hodges-Lehmann on samples too large for every pair: thinned evenly, a pure shift still comes out exact', () => {
  const big = Array.from({ length: 4000 }, (_, i) => 30 + Math.floor(10 * uniform(9, i, 0)));
  assert.equal(
    hodgesLehmannShift(
      big,
      big.map((v) => v + 2),
    ),
    2,
  );
});
