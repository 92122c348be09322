// bisect-check's judgement, for `git bisect run`. Every figure is judged per endpoint from its
// distribution, with the run as the unit of noise (on a real Moodle the same code gives other
// per-request DB counts and another latency level from one run to the next):
// - DB reads and writes (Moodle's performance footer), apart: per run, the Hodges-Lehmann shift
//   against the baseline's pooled requests; a run is "above" when the shift reaches the minimum
//   effect and exceeds the baseline's own between-run shift (the floor). Bad also needs a
//   one-sided Mann-Whitney test of all new requests against the baseline's to be significant.
// - Time (server time from the footer, else client latency): per run the median; a run is
//   "above" when it exceeds the baseline's median of run medians, moved by the drift the other
//   endpoints show in that run, by more than the minimum effect (% and ms) and the spread between
//   the baseline's runs (the floor). Every endpoint slower together is judged as one more figure.
// Runs are counted like a sequential test on coin flips (Wald's SPRT with equal odds either way): a
// figure is good as soon as runs below outnumber runs above, bad as soon as runs above outnumber
// those below by CONFIRM_RUNS, inconclusive in between: the caller then runs more repeats. One
// noisy run is thus outvoted by later ones instead of blocking a good answer for ever.
import type { RequestLogRecord } from '../lib/request-log';
import { round } from '../lib/round';
import { hodgesLehmannShift, mannWhitneyGreater, median } from './stats';
import type { Summary } from '../lib/summary';

export type VerdictKind = 'good' | 'bad' | 'inconclusive' | 'skip';
export type TimeSource = 'server' | 'client';

export interface Limits {
  /** A run with more failures than this (percent of requests) is skipped. */
  readonly maxFailurePct: number;
  /** Significance of the DB rank test, shared by the figures judged (Bonferroni). */
  readonly alpha: number;
  /** A slowdown counts only when the per-run median grows by at least this percent... */
  readonly minEffectPct: number;
  /** ...and by at least this many milliseconds. */
  readonly minEffectMs: number;
  /** A DB read or write shift counts from this many per request. */
  readonly minDbEffect: number;
  /** Time from Moodle's footer (`server`, when every request has it) or as k6 saw it (`client`). */
  readonly timeSource: TimeSource;
}

export const DEFAULT_LIMITS: Limits = {
  maxFailurePct: 5,
  alpha: 0.01,
  minEffectPct: 10,
  minEffectMs: 5,
  minDbEffect: 1,
  timeSource: 'server',
};

/** Bad needs this many more runs above the threshold than below it (good needs one more below than above). */
export const CONFIRM_RUNS = 2;
/** Endpoints needed to tell the machine's drift from an endpoint's own change (else no correction). */
export const MIN_CONTROLS = 2;
/** The figure for every endpoint together, in the verdict's `endpoints`. */
export const ALL_ENDPOINTS = '(all endpoints)';
/**
 * Every endpoint slower together counts from this many times --min-effect-pct. Unchanged code on a freshly
 * built test site drifted up to +36% in a run, every endpoint together (the site slows as it is first used;
 * 2 shared cores): only a shared slowdown well past that is told from the machine and the site.
 */
export const ALL_ENDPOINTS_FACTOR = 5;
/** An endpoint with fewer successful requests than this in a run is not judged on that run. */
export const MIN_SAMPLES = 10;
/** At most this many samples per endpoint and run are kept (every k-th one). */
const MAX_SAMPLES = 5_000;

/** Successful load requests of one endpoint in one run. */
export interface EndpointSamples {
  readonly latency_ms: number[];
  /** Only requests whose page had the performance footer. */
  readonly server_ms: number[];
  readonly db_reads: number[];
  readonly db_writes: number[];
}

/** What one run left behind, reduced to what the verdict needs. */
export interface RunEvidence {
  readonly endpoints: Record<string, EndpointSamples>;
}

export interface Baseline {
  readonly format: 'moodle-load-baseline/2';
  readonly seed: number;
  /** VUs the baseline ran with. */
  readonly vus: number;
  readonly summaries: Summary[];
  readonly runs: RunEvidence[];
}

type Figure = keyof EndpointSamples;
const DB_FIGURES: readonly Figure[] = ['db_reads', 'db_writes'];

/** One run's reading of one figure. */
export interface RunReading {
  /** The run's statistic: its median (time) or its Hodges-Lehmann shift from the baseline (DB). */
  readonly value: number;
  /** Against the baseline: new minus old. */
  readonly difference: number;
  /** One-sided Mann-Whitney p-value (DB figures only). */
  readonly p?: number;
  /** Time: the other endpoints' median relative change in this run, in % (the machine's drift). */
  readonly drift_pct?: number;
  /** Time: the difference once that drift is taken out; what the threshold applies to. */
  readonly excess?: number;
  readonly n: number;
  readonly above: boolean;
}

export interface FigureVerdict {
  readonly endpoint: string;
  readonly figure: Figure;
  readonly state: 'good' | 'bad' | 'inconclusive' | 'not judged';
  /** Baseline and new centre: pooled medians (DB), medians of the run medians (time). */
  readonly old: number | null;
  readonly new: number | null;
  /** DB: Hodges-Lehmann shift of all new requests from the baseline's; time: new - old. */
  readonly difference: number | null;
  /** The difference a run has to exceed to count as above, and what set it. */
  readonly threshold: number | null;
  readonly floor: number | null;
  readonly p: number | null;
  readonly runs: RunReading[];
  /** The rule that fired, in words. */
  readonly rule: string;
}

export interface Verdict {
  readonly kind: VerdictKind;
  readonly reasons: string[];
  readonly figures: FigureVerdict[];
}

function thinned(values: number[]): number[] {
  if (values.length <= MAX_SAMPLES) return values;
  const step = values.length / MAX_SAMPLES;
  return Array.from({ length: MAX_SAMPLES }, (_, i) => values[Math.floor(i * step)] as number);
}

export function evidenceFromLog(records: readonly RequestLogRecord[]): RunEvidence {
  const endpoints: Record<string, EndpointSamples> = {};
  for (const r of records) {
    if (r.phase !== 'load' || r.outcome !== 'success') continue;
    const e = (endpoints[r.endpoint] ??= { latency_ms: [], server_ms: [], db_reads: [], db_writes: [] });
    e.latency_ms.push(r.latency_ms);
    if (r.server_ms !== null) e.server_ms.push(r.server_ms);
    if (r.db_reads !== null && r.db_writes !== null) {
      e.db_reads.push(r.db_reads);
      e.db_writes.push(r.db_writes);
    }
  }
  for (const e of Object.values(endpoints)) for (const f of Object.keys(e) as Figure[]) e[f].splice(0, Infinity, ...thinned(e[f]));
  return { endpoints };
}

/** Why a run says nothing about the code under test, or null. Dropped iterations are not a reason: what ran is judged. */
export function skipReason(
  exitCode: number,
  summary: Summary | undefined,
  limits: Limits,
  codes: { siteUnreachable: number; noSession: number },
): string | null {
  if (exitCode === codes.siteUnreachable) return 'the site was unreachable';
  if (exitCode === codes.noSession) return 'no session logged in';
  if (exitCode !== 0 || summary === undefined) return `the run did not complete (exit ${exitCode})`;
  if (summary.total === 0) return 'no request was made';
  const failurePct = (summary.failures / summary.total) * 100;
  if (failurePct > limits.maxFailurePct) return `${failurePct.toFixed(1)}% of requests failed (limit ${limits.maxFailurePct}%)`;
  return null;
}

const samplesOf = (run: RunEvidence, endpoint: string, figure: Figure): number[] => run.endpoints[endpoint]?.[figure] ?? [];
const enough = (values: readonly number[]) => values.length >= MIN_SAMPLES;

/** Time is judged on the footer's server time when every run has it for this endpoint. */
export function timeFigure(baseline: Baseline, runs: readonly RunEvidence[], endpoint: string, source: TimeSource): Figure {
  if (source === 'client') return 'latency_ms';
  const all = [...baseline.runs, ...runs];
  return all.every((r) => enough(samplesOf(r, endpoint, 'server_ms'))) ? 'server_ms' : 'latency_ms';
}

/**
 * The runs as a walk: each run above the threshold is a step up, each one below a step down. Good
 * when below outnumbers above, bad when above leads by CONFIRM_RUNS; in between, more runs decide.
 * If each run of unchanged code is above with probability q (independently), the walk ends bad with
 * probability q^2 / (1 - q(1 - q)) (1.1% at q = 0.1, 4.8% at q = 0.2) and ends at the repeat cap of 5
 * only by alternating (q^3 (1 - q)^2: 0.08% at q = 0.1); a regression that lifts a run above with
 * probability p is found with p^2 / (1 - p(1 - p)) (89% at p = 0.9).
 */
function stateOf(runs: readonly RunReading[]): { state: FigureVerdict['state']; rule: string } {
  if (runs.length === 0) return { state: 'not judged', rule: `fewer than ${MIN_SAMPLES} requests in a run` };
  const above = runs.filter((r) => r.above).length;
  const below = runs.length - above;
  const counts = `${above} of ${runs.length} run(s) above the threshold`;
  if (below > above) return { state: 'good', rule: `${counts}: more below than above` };
  if (above - below >= CONFIRM_RUNS) return { state: 'bad', rule: `${counts}: above leads by ${above - below} (bad from ${CONFIRM_RUNS})` };
  return { state: 'inconclusive', rule: `${counts}: neither more below than above, nor ${CONFIRM_RUNS} more above than below` };
}

function judgeDb(
  baseline: Baseline,
  runs: readonly RunEvidence[],
  endpoint: string,
  figure: Figure,
  limits: Limits,
  alpha: number,
): FigureVerdict {
  const baseRuns = baseline.runs.map((r) => samplesOf(r, endpoint, figure)).filter(enough);
  const pooledBase = baseRuns.flat();
  // The baseline's own noise: how far its runs sit from each other (shift and median).
  let floor = 0;
  for (let i = 0; i < baseRuns.length; i++) {
    for (let j = i + 1; j < baseRuns.length; j++) {
      const a = baseRuns[i] as number[];
      const b = baseRuns[j] as number[];
      floor = Math.max(floor, Math.abs(hodgesLehmannShift(a, b)), Math.abs(median(a) - median(b)));
    }
  }
  const newRuns = runs.map((r) => samplesOf(r, endpoint, figure)).filter(enough);
  const readings: RunReading[] = enough(pooledBase)
    ? newRuns.map((values) => {
        const shift = hodgesLehmannShift(pooledBase, values);
        const p = mannWhitneyGreater(pooledBase, values).p;
        return { value: round(shift), difference: round(shift), p, n: values.length, above: shift >= limits.minDbEffect && shift > floor };
      })
    : [];
  const pooledNew = newRuns.flat();
  const judged = readings.length > 0;
  // Significance from every new request together: a shift seen in each run, on too few requests to be sure, asks for more runs.
  const p = judged ? mannWhitneyGreater(pooledBase, pooledNew).p : null;
  let { state, rule } = stateOf(readings);
  if (state === 'bad' && (p as number) >= alpha) {
    state = 'inconclusive';
    rule = `${rule}, but Mann-Whitney p ${(p as number).toExponential(2)} >= ${alpha.toExponential(1)}`;
  }
  return {
    endpoint,
    figure,
    state,
    old: judged ? median(pooledBase) : null,
    new: judged ? median(pooledNew) : null,
    difference: judged ? round(hodgesLehmannShift(pooledBase, pooledNew)) : null,
    threshold: judged ? Math.max(limits.minDbEffect, floor) : null,
    floor: judged ? floor : null,
    p,
    runs: readings,
    rule: judged
      ? `${rule}; a run is above when its Hodges-Lehmann shift is >= ${limits.minDbEffect} and > the baseline's between-run floor ${floor}; bad also needs Mann-Whitney p < ${alpha.toExponential(1)} over all runs`
      : rule,
  };
}

/** Each endpoint's time level: the baseline's median of run medians, and each new run's median (null: too few requests). */
interface TimeLevels {
  readonly figure: Figure;
  readonly baseMedians: number[];
  readonly old: number;
  readonly perRun: (number | null)[];
  readonly n: number[];
}

function timeLevels(baseline: Baseline, runs: readonly RunEvidence[], endpoint: string, limits: Limits): TimeLevels | null {
  const figure = timeFigure(baseline, runs, endpoint, limits.timeSource);
  const baseMedians = baseline.runs
    .map((r) => samplesOf(r, endpoint, figure))
    .filter(enough)
    .map(median);
  if (baseMedians.length === 0) return null;
  const samples = runs.map((r) => samplesOf(r, endpoint, figure));
  return {
    figure,
    baseMedians,
    old: median(baseMedians),
    perRun: samples.map((v) => (enough(v) ? median(v) : null)),
    n: samples.map((v) => v.length),
  };
}

/**
 * The machine's drift in run `i`, as the other endpoints saw it: the median of their relative changes
 * against the baseline (0 with fewer than MIN_CONTROLS of them). On 2 shared cores every endpoint of a run
 * gets slower or faster together (measured: unchanged code, all five endpoints +7..+13% in one run); a
 * regression of one endpoint moves it alone.
 */
function driftOf(levels: ReadonlyMap<string, TimeLevels>, i: number, except: string | null): number {
  const changes: number[] = [];
  for (const [e, l] of levels) {
    const m = l.perRun[i];
    if (e !== except && m !== null && m !== undefined && l.old > 0) changes.push(m / l.old - 1);
  }
  return changes.length >= MIN_CONTROLS ? median(changes) : 0;
}

function judgeTime(levels: ReadonlyMap<string, TimeLevels>, endpoint: string, limits: Limits): FigureVerdict {
  const l = levels.get(endpoint);
  const notJudged = (figure: Figure): FigureVerdict => ({
    endpoint,
    figure,
    state: 'not judged',
    old: null,
    new: null,
    difference: null,
    threshold: null,
    floor: null,
    p: null,
    runs: [],
    rule: `fewer than ${MIN_SAMPLES} requests in a run`,
  });
  if (l === undefined) return notJudged(limits.timeSource === 'client' ? 'latency_ms' : 'server_ms');
  const { figure, baseMedians, old } = l;
  const floor = Math.max(...baseMedians) - Math.min(...baseMedians);
  const threshold = Math.max(limits.minEffectMs, (old * limits.minEffectPct) / 100, floor);
  const readings: RunReading[] = [];
  l.perRun.forEach((m, i) => {
    if (m === null) return;
    const drift = driftOf(levels, i, endpoint);
    // What is left of the difference once the level the other endpoints moved to is taken out.
    const excess = m - old * (1 + drift);
    readings.push({
      value: round(m),
      difference: round(m - old),
      drift_pct: round(drift * 100, 1),
      excess: round(excess),
      n: l.n[i] as number,
      above: excess > threshold,
    });
  });
  if (readings.length === 0) return notJudged(figure);
  const now = median(readings.map((r) => r.value));
  const { state, rule } = stateOf(readings);
  const setBy =
    threshold === floor
      ? `the spread of the baseline's ${baseMedians.length} run medians`
      : threshold === limits.minEffectMs
        ? `--min-effect-ms`
        : `--min-effect-pct ${limits.minEffectPct}%`;
  return {
    endpoint,
    figure,
    state,
    old: round(old),
    new: round(now),
    difference: round(now - old),
    threshold: round(threshold),
    floor: round(floor),
    p: null,
    runs: readings,
    rule: `${rule}; a run is above when its median exceeds the baseline's, moved by the other endpoints' drift in that run, by more than ${round(threshold)} ms (${setBy})`,
  };
}

/**
 * Every endpoint slower together: per run the median relative change of all endpoints, judged against
 * ALL_ENDPOINTS_FACTOR times --min-effect-pct (see there) and the baseline's own spread of that figure. A regression in code every page runs is found
 * here; one in a single endpoint by its own figure.
 */
function judgeAllEndpoints(levels: ReadonlyMap<string, TimeLevels>, runs: number, limits: Limits): FigureVerdict | null {
  if (levels.size < MIN_CONTROLS + 1) return null;
  const figure: Figure = [...levels.values()].every((l) => l.figure === 'server_ms') ? 'server_ms' : 'latency_ms';
  const baseRuns = Math.min(...[...levels.values()].map((l) => l.baseMedians.length));
  // The baseline's runs against their own centre: the spread of the whole-site level between them.
  const baseDrifts: number[] = [];
  for (let b = 0; b < baseRuns; b++) baseDrifts.push(median([...levels.values()].map((l) => (l.baseMedians[b] as number) / l.old - 1)));
  const floorPct = baseDrifts.length > 1 ? (Math.max(...baseDrifts) - Math.min(...baseDrifts)) * 100 : 0;
  const thresholdPct = Math.max(ALL_ENDPOINTS_FACTOR * limits.minEffectPct, floorPct);
  const readings: RunReading[] = [];
  for (let i = 0; i < runs; i++) {
    const judged = [...levels.values()].filter((l) => l.perRun[i] !== null && l.perRun[i] !== undefined);
    if (judged.length < MIN_CONTROLS + 1) continue;
    const pct = driftOf(levels, i, null) * 100;
    readings.push({ value: round(pct, 1), difference: round(pct, 1), n: judged.length, above: pct > thresholdPct });
  }
  if (readings.length === 0) return null;
  const now = median(readings.map((r) => r.value));
  const { state, rule } = stateOf(readings);
  return {
    endpoint: ALL_ENDPOINTS,
    figure,
    state,
    old: 0,
    new: round(now, 1),
    difference: round(now, 1),
    threshold: round(thresholdPct, 1),
    floor: round(floorPct, 1),
    p: null,
    runs: readings,
    rule: `${rule}; in %: a run is above when the median change of all ${levels.size} endpoints exceeds ${round(thresholdPct, 1)}% (${thresholdPct === floorPct ? "the spread between the baseline's runs" : `${ALL_ENDPOINTS_FACTOR} x --min-effect-pct`})`,
  };
}

function describe(f: FigureVerdict): string {
  const unit = f.endpoint === ALL_ENDPOINTS ? '%' : f.figure === 'db_reads' || f.figure === 'db_writes' ? '' : ' ms';
  const p = f.p === null ? '' : `, p=${f.p.toExponential(2)}`;
  const signed = (v: number) => `${v > 0 ? '+' : ''}${v}`;
  const perRun = f.runs
    .map(
      (r) =>
        `${signed(r.difference)}${r.drift_pct ? ` (others ${signed(r.drift_pct)}%: ${signed(r.excess as number)})` : ''}${r.above ? '*' : ''}`,
    )
    .join(' ');
  return `${f.endpoint}: ${f.figure} ${f.old}${unit} -> ${f.new}${unit} (${f.difference !== null && f.difference > 0 ? '+' : ''}${f.difference}${p}; per run ${perRun}): ${f.rule}`;
}

/** Judges the runs so far; `inconclusive` asks the caller for more runs. */
export function judge(baseline: Baseline, runs: readonly RunEvidence[], limits: Limits): Verdict {
  const endpoints = [...new Set(baseline.runs.flatMap((r) => Object.keys(r.endpoints)))].sort();
  const hasDb = (e: string) => baseline.runs.every((r) => enough(samplesOf(r, e, 'db_reads')));
  const dbChecks = endpoints.filter(hasDb).length * DB_FIGURES.length;
  const alpha = limits.alpha / Math.max(1, dbChecks);
  const figures: FigureVerdict[] = [];
  const levels = new Map<string, TimeLevels>();
  for (const e of endpoints) {
    const l = timeLevels(baseline, runs, e, limits);
    if (l !== null) levels.set(e, l);
  }
  for (const e of endpoints) {
    if (hasDb(e)) for (const f of DB_FIGURES) figures.push(judgeDb(baseline, runs, e, f, limits, alpha));
    figures.push(judgeTime(levels, e, limits));
  }
  const all = judgeAllEndpoints(levels, runs.length, limits);
  if (all !== null) figures.push(all);
  const bad = figures.filter((f) => f.state === 'bad');
  const unsure = figures.filter((f) => f.state === 'inconclusive');
  const judged = figures.filter((f) => f.state !== 'not judged');
  if (judged.length === 0) return { kind: 'inconclusive', reasons: ['no endpoint had enough successful requests to judge'], figures };
  if (bad.length > 0) return { kind: 'bad', reasons: bad.map(describe), figures };
  if (unsure.length > 0) return { kind: 'inconclusive', reasons: unsure.map(describe), figures };
  const kinds = [...new Set(judged.map((f) => f.figure))].join(', ');
  return {
    kind: 'good',
    reasons: [
      `no figure above its threshold: ${judged.length} judged (${kinds}) on ${endpoints.length} endpoint(s), ${runs.length} run(s)`,
    ],
    figures,
  };
}
