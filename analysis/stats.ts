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
  for (let i = 0; i < n; ) {
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
