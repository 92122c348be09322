// Statistics for bisect-check: is one sample stochastically larger than another, and by how much?
// Mann-Whitney U (rank-sum) with the normal approximation, tie correction and continuity
// correction, fine for the tens to thousands of requests a run gives; Hodges-Lehmann shift.

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Standard normal upper tail P(Z > z), via erfc (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export interface MannWhitney {
  /** U of the second sample: pairs (a, b) with b > a, ties counting half. */
  readonly u: number;
  readonly z: number;
  /** One-sided p-value for "the second sample tends to be larger". */
  readonly p: number;
  /** U / (n1 n2): probability that a value from b exceeds one from a (0.5: no difference). */
  readonly probabilityOfSuperiority: number;
}

export function mannWhitneyGreater(a: readonly number[], b: readonly number[]): MannWhitney {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: NaN, z: NaN, p: 1, probabilityOfSuperiority: NaN };
  const all = [...a.map((v) => ({ v, fromB: false })), ...b.map((v) => ({ v, fromB: true }))].sort((x, y) => x.v - y.v);
  const n = n1 + n2;
  let rankSumB = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if ((all[k] as { fromB: boolean }).fromB) rankSumB += rank;
    i = j + 1;
  }
  const u = rankSumB - (n2 * (n2 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, z: 0, p: 1, probabilityOfSuperiority: u / (n1 * n2) };
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, z, p: normalUpperTail(z), probabilityOfSuperiority: u / (n1 * n2) };
}

/** Pairs kept for the Hodges-Lehmann estimate: beyond this both samples are thinned evenly. */
const MAX_HL_PAIRS = 1_000_000;

/** Every k-th value, so that at most `max` remain (deterministic: the same input, the same estimate). */
function thin(values: readonly number[], max: number): readonly number[] {
  if (values.length <= max) return values;
  const step = values.length / max;
  return Array.from({ length: max }, (_, i) => values[Math.floor(i * step)] as number);
}

/**
 * Hodges-Lehmann estimate of the shift from a to b: the median of all differences b[j] - a[i].
 * Robust where the median of each sample is not: on integer counts whose median sits between two
 * values, the medians flip by 1 from run to run while this stays put.
 */
export function hodgesLehmannShift(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return NaN;
  const side = Math.floor(Math.sqrt(MAX_HL_PAIRS));
  const x = a.length * b.length > MAX_HL_PAIRS ? thin(a, side) : a;
  const y = a.length * b.length > MAX_HL_PAIRS ? thin(b, side) : b;
  const diffs = new Float64Array(x.length * y.length);
  let k = 0;
  for (const bv of y) for (const av of x) diffs[k++] = bv - av;
  diffs.sort();
  const mid = diffs.length >> 1;
  return diffs.length % 2 ? (diffs[mid] as number) : ((diffs[mid - 1] as number) + (diffs[mid] as number)) / 2;
}

// Student's t for the paired judgement (paired-verdict.ts): a handful of pairs, so the exact t quantile,
// not the normal one, and tails down to 1e-6 (Bonferroni over figures and looks). The tail is the
// regularized incomplete beta function with its prefactor taken in logarithms, so tiny tails keep
// their relative precision.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (modified Lentz; Numerical Recipes' betacf). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 500; m++) {
    for (const aa of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + aa * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), for 0 <= x <= 1 and a, b > 0. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The fraction converges fast only on this side of the mean; the other side by symmetry.
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T > t) for Student's t with `df` degrees of freedom. */
export function studentTUpperTail(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  const half = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? half : 1 - half;
}

/** The t with P(T > t) = p, for 0 < p < 1: bisection on the upper tail (monotone, so it cannot miss). */
export function studentTQuantileUpper(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p > 0.5) return -studentTQuantileUpper(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTUpperTail(hi, df) > p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTUpperTail(mid, df) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Sign-flip enumeration is exact up to this many values (2^20 patterns); beyond, no p-value. */
const MAX_SIGN_FLIP_VALUES = 20;

/**
 * Exact one-sided sign-flip (permutation) p-value for "the values are centred above zero": the share of
 * the 2^n sign patterns whose sum reaches the observed sum (the observed pattern included). Valid when,
 * without an effect, each value is as likely negative as positive. NaN for no values or more than 20.
 */
export function signFlipPValue(values: readonly number[]): number {
  const n = values.length;
  if (n === 0 || n > MAX_SIGN_FLIP_VALUES) return NaN;
  const observed = values.reduce((s, v) => s + v, 0);
  // Sums equal to the observed one up to rounding count as reaching it.
  const slack = 1e-9 * values.reduce((s, v) => s + Math.abs(v), 0);
  let reached = 0;
  for (let mask = 0; mask < 2 ** n; mask++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += mask & (1 << i) ? -(values[i] as number) : (values[i] as number);
    if (sum >= observed - slack) reached++;
  }
  return reached / 2 ** n;
}
