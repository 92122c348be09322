// The paired judgement for bisect-check: the good build A and the candidate B run side by side in
// alternation (A B, B A, A B, ...), and each figure is judged on the differences *within* pairs, so that
// the machine's drift between pairs (on 2 shared cores -17 % to +46 %, every endpoint together) cancels.
// Only the noise between the two runs of one pair is left, and the pair is the unit of that noise.
//
// Per pair, per endpoint and figure, the effect of B over A:
// - time: ln(B / A) as the Hodges-Lehmann shift of the log times (the median of ln(b_j / a_k) over all
//   request pairs). For log-normal-like times this has 2/3 the variance of ln(median_B / median_A)
//   (efficiency 3/pi against 2/pi of the mean), and it is as robust. The ms difference of the medians is
//   kept alongside, because an effect only counts when it is large in % and in ms. An endpoint's own
//   figure takes out the other endpoints' median change in the same pair (see ownEffects).
// - DB reads and writes: the Hodges-Lehmann shift of the counts. On integer counts whose median sits
//   between two values the medians flip by 1 from run to run while this stays put (see stats.ts); a
//   change on every request moves it by exactly that change.
// - every endpoint together (ALL_ENDPOINTS): the median over endpoints of their time effects. Not the
//   mean: one endpoint's own change, however large, must not be read as every page's.
// Across pairs, a one-sided t-test on the pair effects, as an AB/BA cross-over once both orders are in
// (n - 2 df; see tSummary), else on the pairs as they are (n - 1 df): bad when the lower bound at the
// per-look level is above 0 and the estimate reaches the minimum effect; good when the upper bound at
// 1 - beta is below the minimum effect, or when nothing is significant and the estimate is below half of
// it; else inconclusive, and the caller adds a pair. The exact sign-flip p-value is reported alongside, as
// a check that needs no normality; it cannot decide (with n pairs it is at least 2^-n, far above the
// per-look level on 3-8 pairs). The per-look level is alpha shared by the figures and the looks (judgePairs, lookShare).
import {
  ALL_ENDPOINTS,
  DEFAULT_LIMITS,
  MIN_CONTROLS,
  MIN_SAMPLES,
  type EndpointSamples,
  type Limits,
  type RunEvidence,
  type VerdictKind,
} from './bisect-verdict';
import { hodgesLehmannShift, median, signFlipPValue, studentTQuantileUpper, studentTUpperTail } from './stats';

export type PairOrder = 'AB' | 'BA';

/** Two runs measured one after the other, each after its own deploy and warm-up. */
export interface Pair {
  readonly a: RunEvidence;
  readonly b: RunEvidence;
  readonly order: PairOrder;
}

export interface PairedLimits extends Limits {
  /**
   * No figure is decided on fewer pairs: the t-test needs a few to see the noise between runs, and DB
   * counts (the same in every pair: p = 0) are called bad only when B is above A in this many pairs (both
   * orders among them when they alternate), not when a site state that moved one run's counts happened
   * to fall on B twice.
   */
  readonly minPairs: number;
  /** The caller's cap; each pair from minPairs to here is a look, and alpha is shared by the looks. */
  readonly maxPairs: number;
  /** Good needs the (1 - beta) upper bound below the minimum effect (one-sided). */
  readonly beta: number;
}

export const DEFAULT_PAIRED_LIMITS: PairedLimits = { ...DEFAULT_LIMITS, minPairs: 3, maxPairs: 8, beta: 0.05 };

type Figure = keyof EndpointSamples;
const DB_FIGURES: readonly Figure[] = ['db_reads', 'db_writes'];
/** The DB figures' share of alpha, all of them together (see alphaShares). */
export const DB_ALPHA_SHARE = 0.1;
/** The every-endpoint figure's share of what time gets (see alphaShares). */
export const TOGETHER_ALPHA_SHARE = 1 / 2;
/** The last look's share of alpha; the looks before it share the rest equally (see lookShare). */
export const LAST_LOOK_ALPHA_SHARE = 1 / 2;
/** Endpoints a pair needs for the every-endpoint figure (with fewer, the median is one endpoint's own). */
const MIN_ENDPOINTS_TOGETHER = 3;
/** Times are floored here before the logarithm: a reading rounded to 0 ms would be -Infinity. */
const MIN_LOG_MS = 0.001;

/** One pair's effect of B over A on one figure. */
export interface PairEffect {
  /** Index of the pair in the judgement's input. */
  readonly pair: number;
  readonly order: PairOrder;
  /** Time: ln(B / A); DB: B - A in reads or writes per request. */
  readonly effect: number;
  /** Time: the effect in % (100 (e^effect - 1)). */
  readonly pct: number | null;
  /** Time: median_B - median_A in ms (every endpoint together: the median over endpoints). */
  readonly ms: number | null;
  /** Time: A's median in ms (every endpoint together: the median over endpoints). */
  readonly a_ms: number | null;
  /**
   * An endpoint's time: the other endpoints' median change in this pair, in %, already taken out of
   * `effect`, `pct` and `ms` (null: fewer than MIN_CONTROLS others, nothing taken out).
   */
  readonly others_pct: number | null;
  /** Requests in A and B (every endpoint together: endpoints in the pair). */
  readonly n_a: number;
  readonly n_b: number;
}

/** A one-sided t bound and what it was computed at. */
export interface Bound {
  readonly value: number;
  /** Confidence of the one-sided bound, e.g. 0.9999. */
  readonly level: number;
}

export interface PairedFigureVerdict {
  readonly endpoint: string;
  readonly figure: Figure;
  readonly state: 'good' | 'bad' | 'inconclusive' | 'not judged';
  readonly pairs: PairEffect[];
  /** The effect over the pairs (the average of the AB and BA pairs' means once both are in): ln ratio (time) or reads/writes per request (DB); null when not judged. */
  readonly estimate: number | null;
  /** Time: the estimate in % and in ms (mean of the pairs' ms differences). */
  readonly estimate_pct: number | null;
  readonly estimate_ms: number | null;
  /** Lower bound at 1 - alpha (bad), upper bound at 1 - beta (good): % for time, counts for DB. */
  readonly lower: Bound | null;
  readonly upper: Bound | null;
  /** Time: the upper bound of the ms difference at 1 - beta. */
  readonly upper_ms: Bound | null;
  /** One-sided t-test p-value (effect > 0), n - 2 df as a cross-over, else n - 1; 0 when every pair shows the same positive effect. */
  readonly p: number | null;
  /** Exact one-sided sign-flip p-value over the pairs (evidence only). */
  readonly p_sign_flip: number | null;
  /** The level p is held against at this look (Bonferroni over figures and looks). */
  readonly alpha: number;
  /** The rule that decided, in words. */
  readonly rule: string;
}

export interface PairedVerdict {
  readonly kind: Exclude<VerdictKind, 'skip'>;
  readonly reasons: string[];
  readonly figures: PairedFigureVerdict[];
  readonly pairs: number;
}

const samplesOf = (run: RunEvidence, endpoint: string, figure: Figure): number[] => run.endpoints[endpoint]?.[figure] ?? [];
const enough = (values: readonly number[]) => values.length >= MIN_SAMPLES;
const logs = (values: readonly number[]) => values.map((v) => Math.log(Math.max(v, MIN_LOG_MS)));
const pctOf = (logRatio: number) => 100 * Math.expm1(logRatio);

/** Server time when every run of every pair has it for this endpoint (as bisect-verdict's timeFigure). */
function timeFigureOf(pairs: readonly Pair[], endpoint: string, limits: Limits): Figure {
  if (limits.timeSource === 'client') return 'latency_ms';
  return pairs.every((p) => enough(samplesOf(p.a, endpoint, 'server_ms')) && enough(samplesOf(p.b, endpoint, 'server_ms')))
    ? 'server_ms'
    : 'latency_ms';
}

/** Each pair's effect on one figure of one endpoint; a pair where either run has too few requests is left out. */
function pairEffects(pairs: readonly Pair[], endpoint: string, figure: Figure): PairEffect[] {
  const effects: PairEffect[] = [];
  pairs.forEach((p, i) => {
    const a = samplesOf(p.a, endpoint, figure);
    const b = samplesOf(p.b, endpoint, figure);
    if (!enough(a) || !enough(b)) return;
    if (DB_FIGURES.includes(figure)) {
      effects.push({
        pair: i,
        order: p.order,
        effect: hodgesLehmannShift(a, b),
        pct: null,
        ms: null,
        a_ms: null,
        others_pct: null,
        n_a: a.length,
        n_b: b.length,
      });
      return;
    }
    const effect = hodgesLehmannShift(logs(a), logs(b));
    const aMs = median(a);
    effects.push({
      pair: i,
      order: p.order,
      effect,
      pct: pctOf(effect),
      ms: median(b) - aMs,
      a_ms: aMs,
      others_pct: null,
      n_a: a.length,
      n_b: b.length,
    });
  });
  return effects;
}

/** Every endpoint together, per pair: the median of the endpoints' time effects (pairs with enough endpoints). */
function togetherEffects(pairs: readonly Pair[], perEndpoint: readonly PairEffect[][]): PairEffect[] {
  const effects: PairEffect[] = [];
  pairs.forEach((p, i) => {
    const here = perEndpoint.map((list) => list.find((e) => e.pair === i)).filter((e): e is PairEffect => e !== undefined);
    if (here.length < MIN_ENDPOINTS_TOGETHER) return;
    const effect = median(here.map((e) => e.effect));
    const ms = median(here.map((e) => e.ms as number));
    effects.push({
      pair: i,
      order: p.order,
      effect,
      pct: pctOf(effect),
      ms,
      a_ms: median(here.map((e) => e.a_ms as number)),
      others_pct: null,
      n_a: here.length,
      n_b: here.length,
    });
  });
  return effects;
}

/**
 * Each endpoint's own time effect: what is left once the other endpoints' median change in the same
 * pair is taken out. Within a pair the two runs still differ by the machine's noise, and on 2 shared
 * cores it moves every endpoint of a run together; taken out, an endpoint's figure answers "slower
 * than the rest", and a slowdown of every page shows in ALL_ENDPOINTS only, named as such.
 */
function ownEffects(perEndpoint: readonly PairEffect[][]): PairEffect[][] {
  return perEndpoint.map((list, k) =>
    list.map((e) => {
      const others = perEndpoint
        .filter((_, j) => j !== k)
        .map((l) => l.find((o) => o.pair === e.pair))
        .filter((o): o is PairEffect => o !== undefined);
      if (others.length < MIN_CONTROLS) return e;
      const shared = median(others.map((o) => o.effect));
      const effect = e.effect - shared;
      // B's median against A's moved by the others' change: (median_B - median_A) - median_A (e^shared - 1).
      const ms = (e.ms as number) - (e.a_ms as number) * Math.expm1(shared);
      return { ...e, effect, pct: pctOf(effect), ms, others_pct: pctOf(shared) };
    }),
  );
}

/** The effect, its standard error and the one-sided t-test of "above 0" over the pairs. */
interface TSummary {
  readonly n: number;
  /** Degrees of freedom of the t-test (0: none, with one pair). */
  readonly df: number;
  readonly mean: number;
  readonly se: number;
  readonly p: number;
}

const meanOf = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;
const squares = (values: readonly number[], about: number) => values.reduce((s, v) => s + (v - about) ** 2, 0);

/**
 * With pairs in both orders (and three or more), the AB/BA cross-over analysis: the effect is the
 * average of the AB pairs' mean and the BA pairs' mean, and the noise is what is left within each
 * order (n - 2 df). On the test site the second run of a pair was often slower than the first, whatever
 * its build (the site warming, other work starting): AB pairs read the effect plus that, BA pairs minus
 * it. The ABBA order cancels it from the estimate; this takes it out of the noise too, where a plain
 * t-test over the pairs would count it and need twice as many pairs. With one order only, the plain
 * one-sample t-test (n - 1 df).
 */
function tSummary(values: readonly number[], orders: readonly PairOrder[]): TSummary {
  const n = values.length;
  const ab = values.filter((_, i) => orders[i] === 'AB');
  const ba = values.filter((_, i) => orders[i] !== 'AB');
  let mean: number;
  let se: number;
  let df: number;
  if (n >= 3 && ab.length > 0 && ba.length > 0) {
    const [mAb, mBa] = [meanOf(ab), meanOf(ba)];
    mean = (mAb + mBa) / 2;
    df = n - 2;
    const variance = (squares(ab, mAb) + squares(ba, mBa)) / df;
    se = 0.5 * Math.sqrt(variance * (1 / ab.length + 1 / ba.length));
  } else {
    mean = meanOf(values);
    df = n - 1;
    se = n > 1 ? Math.sqrt(squares(values, mean) / df / n) : NaN;
  }
  // Every pair the same (DB counts): no noise between runs to weigh the effect against, so no doubt.
  const p = df < 1 ? 1 : se > 0 ? studentTUpperTail(mean / se, df) : mean > 0 ? 0 : 1;
  return { n, df, mean, se, p };
}

/** Each pair's effect with the order's share taken out: half the AB-minus-BA difference of medians (robust, for the median check). */
function withoutPeriod(values: readonly number[], orders: readonly PairOrder[]): number[] {
  const ab = values.filter((_, i) => orders[i] === 'AB');
  const ba = values.filter((_, i) => orders[i] !== 'AB');
  if (values.length < 3 || ab.length === 0 || ba.length === 0) return [...values];
  const period = (median(ab) - median(ba)) / 2;
  return values.map((v, i) => (orders[i] === 'AB' ? v - period : v + period));
}

/** The one-sided bound mean -/+ t(1 - tail, df) se; with one pair there is none (-/+Infinity). */
function tBound(s: TSummary, tail: number, side: 'lower' | 'upper'): number {
  if (s.df < 1) return side === 'lower' ? -Infinity : Infinity;
  const reach = s.se > 0 ? studentTQuantileUpper(tail, s.df) * s.se : 0;
  return side === 'lower' ? s.mean - reach : s.mean + reach;
}

const signed = (v: number, digits = 1) => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
const pText = (p: number) => (p === 0 ? '0' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const levelText = (level: number) => `${Number((level * 100).toPrecision(6))} %`;

/** What a figure is judged against, and how its numbers read. */
interface Scale {
  readonly time: boolean;
  readonly unit: string;
  /** Estimate, bounds and minimum in the figure's units (% for time, counts for DB). */
  readonly show: (effect: number) => number;
  readonly minimum: number;
}

function scaleOf(figure: Figure, limits: Limits): Scale {
  if (figure === 'db_reads' || figure === 'db_writes')
    return { time: false, unit: figure === 'db_reads' ? ' reads' : ' writes', show: (d) => d, minimum: limits.minDbEffect };
  return { time: true, unit: ' %', show: pctOf, minimum: limits.minEffectPct };
}

function notJudged(endpoint: string, figure: Figure, alpha: number): PairedFigureVerdict {
  return {
    endpoint,
    figure,
    state: 'not judged',
    pairs: [],
    estimate: null,
    estimate_pct: null,
    estimate_ms: null,
    lower: null,
    upper: null,
    upper_ms: null,
    p: null,
    p_sign_flip: null,
    alpha,
    rule: `no pair with ${MIN_SAMPLES} or more requests in both runs`,
  };
}

/** A figure's t summaries (its effect, and for time the ms difference) and its pairs' period-free medians. */
function figureStats(pairs: readonly PairEffect[], time: boolean) {
  const orders = pairs.map((e) => e.order);
  const effects = pairs.map((e) => e.effect);
  const msValues = time ? pairs.map((e) => e.ms as number) : null;
  return {
    s: tSummary(effects, orders),
    ms: msValues === null ? null : tSummary(msValues, orders),
    typical: median(withoutPeriod(effects, orders)),
    typicalMs: msValues === null ? null : median(withoutPeriod(msValues, orders)),
  };
}

/**
 * One figure's state from its pair effects. Bad: the (1 - alpha) lower bound above 0 (p < alpha) and
 * the estimate at or above the minimum effect (time: in % and in ms). Good: the (1 - beta) upper bound
 * below the minimum (time: in % or in ms, since an effect counts only when it is large in both), or no
 * significance with the estimate below half the minimum (at the last look, below the minimum). Both
 * need minPairs pairs.
 */
function judgeFigure(
  endpoint: string,
  figure: Figure,
  pairs: PairEffect[],
  limits: PairedLimits,
  look: { readonly alpha: number; readonly last: boolean },
): PairedFigureVerdict {
  const { alpha, last } = look;
  if (pairs.length === 0) return notJudged(endpoint, figure, alpha);
  const sc = scaleOf(figure, limits);
  const { s, ms, typical: typicalEffect, typicalMs } = figureStats(pairs, sc.time);
  const lower = sc.show(tBound(s, alpha, 'lower'));
  const upper = sc.show(tBound(s, limits.beta, 'upper'));
  const upperMs = ms === null ? null : tBound(ms, limits.beta, 'upper');
  const est = sc.show(s.mean);
  const msText = ms === null ? '' : ` (${signed(ms.mean)} ms)`;
  const head = `${signed(est, sc.time ? 1 : 2)}${sc.unit}${msText} over ${s.n} pair(s)`;
  const minText = `${sc.minimum}${sc.unit}${sc.time ? ` and ${limits.minEffectMs} ms` : ''}`;
  const reaches = est >= sc.minimum && (ms === null || ms.mean >= limits.minEffectMs);
  // At the cap there is no later look: an estimate below the minimum itself, not shown above 0, is good.
  // The pairs' median must be below it too: one run slowed by other work on the machine (-55 % in one
  // pair on the test site) pulls the mean of a real +20 % below it, and widens the bounds so nothing is shown.
  const part = last ? 1 : 1 / 2;
  const below = (pct: number, msValue: number | null) =>
    pct < sc.minimum * part || (msValue !== null && msValue < limits.minEffectMs * part);
  const typical = sc.show(typicalEffect);
  const belowHalf = below(est, ms === null ? null : ms.mean) && below(typical, typicalMs);
  const shownBelow = upper < sc.minimum || (upperMs !== null && upperMs < limits.minEffectMs);
  const upperText = `${levelText(1 - limits.beta)} upper bound ${signed(upper, sc.time ? 1 : 2)}${sc.unit}${upperMs === null ? '' : ` (${signed(upperMs)} ms)`}`;
  const lowerText = `${levelText(1 - alpha)} lower bound ${signed(lower, sc.time ? 1 : 2)}${sc.unit} (one-sided t, ${s.df} df${s.df === s.n - 2 ? ', AB/BA cross-over' : ''}), p=${pText(s.p)}`;
  let state: PairedFigureVerdict['state'] = 'inconclusive';
  let rule: string;
  if (s.n < limits.minPairs) rule = `inconclusive: ${head}, ${limits.minPairs} pairs needed`;
  else if (lower > 0 && reaches) [state, rule] = ['bad', `bad: ${head}, ${lowerText} < ${alpha.toExponential(1)}; reaches ${minText}`];
  // At the cap an estimate that reaches the minimum is bad at the whole alpha, not this look's share: the
  // share left +12 % over 8 pairs (9 % noise a pair, p=0.005) inconclusive on the test site. Unchanged code
  // rarely gets here: an estimate of 10 % from nothing is a 3-sigma event at 8 pairs of that noise.
  else if (last && reaches && s.p < limits.alpha)
    [state, rule] = [
      'bad',
      `bad at the last look: ${head} reaches ${minText}, p=${pText(s.p)} < ${limits.alpha} (one-sided t, ${s.df} df)`,
    ];
  else if (shownBelow) [state, rule] = ['good', `good: ${head}, ${upperText} is below ${minText.replace(' and ', ' or ')}`];
  else if (lower <= 0 && belowHalf)
    [state, rule] = [
      'good',
      `good: ${head}, not significant (p=${pText(s.p)} >= ${alpha.toExponential(1)}) and below ${last ? `${minText.replace(' and ', ' or ')} at the last look` : `half of ${minText.replace(' and ', ' or ')}`} (mean and median of the pairs)`,
    ];
  else rule = `inconclusive: ${head}, ${lowerText}, ${upperText}: neither shown at or above ${minText} nor below it`;
  const pSignFlip = signFlipPValue(pairs.map((e) => e.effect));
  return {
    endpoint,
    figure,
    state,
    pairs,
    estimate: s.mean,
    estimate_pct: sc.time ? est : null,
    estimate_ms: ms === null ? null : ms.mean,
    lower: { value: lower, level: 1 - alpha },
    upper: { value: upper, level: 1 - limits.beta },
    upper_ms: upperMs === null ? null : { value: upperMs, level: 1 - limits.beta },
    p: s.p,
    p_sign_flip: Number.isNaN(pSignFlip) ? null : pSignFlip,
    alpha,
    rule,
  };
}

/** The figures to judge, with their pair effects: per endpoint time and (where the footer gave them) DB, then every endpoint together. */
function collectFigures(pairs: readonly Pair[], limits: Limits): { endpoint: string; figure: Figure; effects: PairEffect[] }[] {
  const runs = pairs.flatMap((p) => [p.a, p.b]);
  const endpoints = [...new Set(runs.flatMap((r) => Object.keys(r.endpoints)))].filter((e) => e !== ALL_ENDPOINTS).sort();
  const out: { endpoint: string; figure: Figure; effects: PairEffect[] }[] = [];
  const timeFigures = endpoints.map((e) => timeFigureOf(pairs, e, limits));
  const timeEffects = endpoints.map((e, k) => pairEffects(pairs, e, timeFigures[k] as Figure));
  const own = ownEffects(timeEffects);
  endpoints.forEach((e, k) => {
    if (runs.some((r) => samplesOf(r, e, 'db_reads').length > 0))
      for (const f of DB_FIGURES) out.push({ endpoint: e, figure: f, effects: pairEffects(pairs, e, f) });
    out.push({ endpoint: e, figure: timeFigures[k] as Figure, effects: own[k] as PairEffect[] });
  });
  if (endpoints.length >= MIN_ENDPOINTS_TOGETHER) {
    const figure: Figure = timeFigures.every((f) => f === 'server_ms') ? 'server_ms' : 'latency_ms';
    out.push({ endpoint: ALL_ENDPOINTS, figure, effects: togetherEffects(pairs, timeEffects) });
  }
  return out;
}

/**
 * Each judged figure's share of alpha (weighted Bonferroni: the shares sum to 1). The DB figures share
 * DB_ALPHA_SHARE: a real change of counts shows the same shift in every pair (p = 0 at any level), so
 * they need little of it, while time needs every bit to decide on a handful of pairs with a t-test. Of
 * the time share, every endpoint together gets TOGETHER_ALPHA_SHARE (the main case: code every page
 * runs), the endpoints' own figures the rest in equal parts.
 */
function alphaShares(judged: readonly { endpoint: string; figure: Figure }[]): (endpoint: string, figure: Figure) => number {
  const db = judged.filter((c) => DB_FIGURES.includes(c.figure)).length;
  const together = judged.some((c) => c.endpoint === ALL_ENDPOINTS) ? 1 : 0;
  const own = judged.length - db - together;
  const dbShare = db === 0 ? 0 : db === judged.length ? 1 : DB_ALPHA_SHARE;
  const togetherShare = together === 0 ? 0 : own === 0 ? 1 - dbShare : (1 - dbShare) * TOGETHER_ALPHA_SHARE;
  return (endpoint, figure) =>
    DB_FIGURES.includes(figure) ? dbShare / db : endpoint === ALL_ENDPOINTS ? togetherShare : (1 - dbShare - togetherShare) / own;
}

function describe(f: PairedFigureVerdict): string {
  const perPair = f.pairs.map((e) => (e.pct !== null ? `${signed(e.pct)}%` : signed(e.effect, 2))).join(' ');
  return `${f.endpoint}: ${f.figure} ${f.rule}; per pair ${perPair}${f.p_sign_flip === null ? '' : `; sign-flip p=${pText(f.p_sign_flip)}`}`;
}

/**
 * This look's share of alpha: LAST_LOOK_ALPHA_SHARE at maxPairs, the rest equally over the looks from
 * minPairs to the one before. Most at the last look: on 2 shared cores a pair's every-endpoint effect
 * varies by 5-20 %, and with a handful of pairs the t bound is wide at any early level; an equal split
 * left too little at the end to find a 15 % slowdown of every page in 8 pairs.
 */
export function lookShare(pairs: number, limits: Pick<PairedLimits, 'minPairs' | 'maxPairs'>): number {
  const earlier = Math.max(0, limits.maxPairs - limits.minPairs);
  if (earlier === 0) return 1;
  return pairs >= limits.maxPairs ? LAST_LOOK_ALPHA_SHARE : (1 - LAST_LOOK_ALPHA_SHARE) / earlier;
}

/**
 * Judges the pairs so far; `inconclusive` asks the caller for another pair (up to limits.maxPairs).
 * False alarms: alpha is shared by the figures judged (weighted, see alphaShares) and by the looks
 * from minPairs to maxPairs (weighted, see lookShare; Bonferroni over both), so unchanged code is
 * called bad with probability at most limits.alpha over the looks before the cap, and at most twice
 * it with the cap's rule (see judgeFigure), whenever it stops. The
 * union bound is loose for correlated looks; exact group-sequential bounds for a t-test on 3-8 pairs
 * would need numerical integration.
 */
export function judgePairs(pairs: readonly Pair[], limits: PairedLimits = DEFAULT_PAIRED_LIMITS): PairedVerdict {
  const candidates = collectFigures(pairs, limits);
  const judged = candidates.filter((c) => c.effects.length > 0).length;
  const share = alphaShares(candidates.filter((c) => c.effects.length > 0));
  const look = lookShare(pairs.length, limits);
  const figures = candidates.map((c) =>
    judgeFigure(c.endpoint, c.figure, c.effects, limits, {
      alpha: limits.alpha * share(c.endpoint, c.figure) * look,
      last: pairs.length >= limits.maxPairs,
    }),
  );
  const bad = figures.filter((f) => f.state === 'bad');
  const unsure = figures.filter((f) => f.state === 'inconclusive');
  const n = pairs.length;
  if (judged === 0)
    return { kind: 'inconclusive', reasons: ['no endpoint had enough successful requests in both runs of a pair'], figures, pairs: n };
  if (bad.length > 0) return { kind: 'bad', reasons: bad.map(describe), figures, pairs: n };
  if (unsure.length > 0) return { kind: 'inconclusive', reasons: unsure.map(describe), figures, pairs: n };
  return { kind: 'good', reasons: [`every figure shown below its minimum effect: ${judged} judged over ${n} pair(s)`], figures, pairs: n };
}
