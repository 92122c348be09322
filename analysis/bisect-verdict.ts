// bisect-check's judgement, for `git bisect run`. Every figure is judged per endpoint from its
// distribution, with the run as the unit of noise (on a real Moodle the same code gives other
// per-request DB counts and another latency level from one run to the next):
// - DB reads and writes (Moodle's performance footer), apart: per run, the Hodges-Lehmann shift
//   against the baseline's pooled requests; a run is "above" when the shift reaches the minimum
//   effect and exceeds the baseline's own between-run shift (the floor). Bad also needs a
//   one-sided Mann-Whitney test of all new requests against the baseline's to be significant.
// - Time (server time from the footer, else client latency): per run the median; a run is
//   "above" when it exceeds the baseline's median of run medians by more than the minimum
//   effect (% and ms) and the spread between the baseline's runs (the floor).
// A figure is bad when every run is above (at least CONFIRM_RUNS of them), good when none is,
// inconclusive otherwise: the caller then runs more repeats.
import type { RequestLogRecord } from '../lib/request-log';
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

export const DEFAULT_LIMITS: Limits = { maxFailurePct: 5, alpha: 0.01, minEffectPct: 10, minEffectMs: 5, minDbEffect: 1, timeSource: 'server' };

/** A regression must show in this many runs (all of them) before it is called bad. */
export const CONFIRM_RUNS = 2;
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
export function skipReason(exitCode: number, summary: Summary | undefined, limits: Limits, codes: { siteUnreachable: number; noSession: number }): string | null {
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
const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Time is judged on the footer's server time when every run has it for this endpoint. */
export function timeFigure(baseline: Baseline, runs: readonly RunEvidence[], endpoint: string, source: TimeSource): Figure {
  if (source === 'client') return 'latency_ms';
  const all = [...baseline.runs, ...runs];
  return all.every((r) => enough(samplesOf(r, endpoint, 'server_ms'))) ? 'server_ms' : 'latency_ms';
}

/** bad when every run (at least CONFIRM_RUNS) is above, good when none is, else inconclusive. */
function stateOf(runs: readonly RunReading[]): { state: FigureVerdict['state']; rule: string } {
  if (runs.length === 0) return { state: 'not judged', rule: `fewer than ${MIN_SAMPLES} requests in a run` };
  const above = runs.filter((r) => r.above).length;
  if (above === 0) return { state: 'good', rule: `no run above the threshold (${runs.length} run(s))` };
  if (above === runs.length && runs.length >= CONFIRM_RUNS) return { state: 'bad', rule: `every run above the threshold (${above} of ${runs.length})` };
  if (above === runs.length) return { state: 'inconclusive', rule: `above the threshold in ${above} run, to be confirmed by another` };
  return { state: 'inconclusive', rule: `above the threshold in ${above} of ${runs.length} runs` };
}

function judgeDb(baseline: Baseline, runs: readonly RunEvidence[], endpoint: string, figure: Figure, limits: Limits, alpha: number): FigureVerdict {
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
    rule = `every run above the threshold, but Mann-Whitney p ${(p as number).toExponential(2)} >= ${alpha.toExponential(1)}`;
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
    rule: judged ? `${rule}; a run is above when its Hodges-Lehmann shift is >= ${limits.minDbEffect} and > the baseline's between-run floor ${floor}; bad also needs Mann-Whitney p < ${alpha.toExponential(1)} over all runs` : rule,
  };
}

function judgeTime(baseline: Baseline, runs: readonly RunEvidence[], endpoint: string, limits: Limits): FigureVerdict {
  const figure = timeFigure(baseline, runs, endpoint, limits.timeSource);
  const baseMedians = baseline.runs.map((r) => samplesOf(r, endpoint, figure)).filter(enough).map(median);
  const newRuns = runs.map((r) => samplesOf(r, endpoint, figure)).filter(enough);
  if (baseMedians.length === 0 || newRuns.length === 0) return { endpoint, figure, state: 'not judged', old: null, new: null, difference: null, threshold: null, floor: null, p: null, runs: [], rule: `fewer than ${MIN_SAMPLES} requests in a run` };
  const old = median(baseMedians);
  const floor = Math.max(...baseMedians) - Math.min(...baseMedians);
  const threshold = Math.max(limits.minEffectMs, (old * limits.minEffectPct) / 100, floor);
  const readings: RunReading[] = newRuns.map((values) => {
    const m = median(values);
    return { value: round(m), difference: round(m - old), n: values.length, above: m - old > threshold };
  });
  const now = median(readings.map((r) => r.value));
  const { state, rule } = stateOf(readings);
  const setBy = threshold === floor ? `the spread of the baseline's ${baseMedians.length} run medians` : threshold === limits.minEffectMs ? `--min-effect-ms` : `--min-effect-pct ${limits.minEffectPct}%`;
  return { endpoint, figure, state, old: round(old), new: round(now), difference: round(now - old), threshold: round(threshold), floor: round(floor), p: null, runs: readings, rule: `${rule}; a run is above when its median exceeds the baseline's by more than ${round(threshold)} ms (${setBy})` };
}

function describe(f: FigureVerdict): string {
  const unit = f.figure === 'db_reads' || f.figure === 'db_writes' ? '' : ' ms';
  const p = f.p === null ? '' : `, p=${f.p.toExponential(2)}`;
  const perRun = f.runs.map((r) => `${r.difference > 0 ? '+' : ''}${r.difference}${r.above ? '*' : ''}`).join(' ');
  return `${f.endpoint}: ${f.figure} ${f.old}${unit} -> ${f.new}${unit} (${f.difference !== null && f.difference > 0 ? '+' : ''}${f.difference}${p}; per run ${perRun}): ${f.rule}`;
}

/** Judges the runs so far; `inconclusive` asks the caller for more runs. */
export function judge(baseline: Baseline, runs: readonly RunEvidence[], limits: Limits): Verdict {
  const endpoints = [...new Set(baseline.runs.flatMap((r) => Object.keys(r.endpoints)))].sort();
  const hasDb = (e: string) => baseline.runs.every((r) => enough(samplesOf(r, e, 'db_reads')));
  const dbChecks = endpoints.filter(hasDb).length * DB_FIGURES.length;
  const alpha = limits.alpha / Math.max(1, dbChecks);
  const figures: FigureVerdict[] = [];
  for (const e of endpoints) {
    if (hasDb(e)) for (const f of DB_FIGURES) figures.push(judgeDb(baseline, runs, e, f, limits, alpha));
    figures.push(judgeTime(baseline, runs, e, limits));
  }
  const bad = figures.filter((f) => f.state === 'bad');
  const unsure = figures.filter((f) => f.state === 'inconclusive');
  const judged = figures.filter((f) => f.state !== 'not judged');
  if (judged.length === 0) return { kind: 'inconclusive', reasons: ['no endpoint had enough successful requests to judge'], figures };
  if (bad.length > 0) return { kind: 'bad', reasons: bad.map(describe), figures };
  if (unsure.length > 0) return { kind: 'inconclusive', reasons: unsure.map(describe), figures };
  const kinds = [...new Set(judged.map((f) => f.figure))].join(', ');
  return { kind: 'good', reasons: [`no figure above its threshold: ${judged.length} judged (${kinds}) on ${endpoints.length} endpoint(s), ${runs.length} run(s)`], figures };
}
