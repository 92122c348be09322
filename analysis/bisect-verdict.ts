// bisect-check's decision, for `git bisect run`: good (0), bad (1), or skip (125) when what
// went wrong is not the code under test. Timing is judged with a one-sided Mann-Whitney U test
// per endpoint over every successful request of the runs, plus a minimum effect; the DB
// counters of Moodle's performance footer are judged exactly, iteration by iteration (the same
// seed requests the same URL at the same iteration number).
import type { RequestLogRecord } from '../lib/request-log';
import { mannWhitneyGreater, median } from './stats';
import type { Summary } from '../lib/summary';

export const VERDICT_EXIT = { good: 0, bad: 1, skip: 125, abort: 128 } as const;
export type VerdictKind = keyof typeof VERDICT_EXIT;

export interface Verdict {
  readonly kind: VerdictKind;
  readonly reasons: string[];
}

export interface Limits {
  /** A run with more failures than this (percent of requests) is skipped. */
  readonly maxFailurePct: number;
  /** A run where k6 dropped more than this (percent of requests) is skipped. */
  readonly maxDroppedPct: number;
  /** Significance level of the timing test, shared across endpoints (Bonferroni). */
  readonly alpha: number;
  /** A slowdown counts only when the median grows by at least this percent... */
  readonly minEffectPct: number;
  /** ...and by at least this many milliseconds. */
  readonly minEffectMs: number;
  /** DB reads or writes of one request may grow by this much. */
  readonly dbIncrease: number;
}

export const DEFAULT_LIMITS: Limits = { maxFailurePct: 5, maxDroppedPct: 1, alpha: 0.01, minEffectPct: 10, minEffectMs: 2, dbIncrease: 0 };

/** What one run left behind, reduced to what the verdict needs. */
export interface RunEvidence {
  /** Latencies (ms) of successful load attempts, per endpoint. */
  readonly latencies: Record<string, number[]>;
  /** Per load iteration: [endpoint, path, db reads, db writes] of its successful attempt with a footer. */
  readonly db: Record<string, [string, string, number, number]>;
}

export interface Baseline extends RunEvidence {
  readonly format: 'moodle-load-baseline/1';
  readonly seed: number;
  readonly summaries: Summary[];
}

/** At most this many latencies per endpoint are kept in a baseline file (every k-th one). */
const MAX_SAMPLES = 20_000;
/** An endpoint with fewer successful requests than this on either side is not judged on time. */
const MIN_SAMPLES = 20;

export function evidenceFromLog(records: readonly RequestLogRecord[]): RunEvidence {
  const latencies: Record<string, number[]> = {};
  const db: Record<string, [string, string, number, number]> = {};
  for (const r of records) {
    if (r.phase !== 'load' || r.outcome !== 'success') continue;
    (latencies[r.endpoint] ??= []).push(r.latency_ms);
    if (r.db_reads !== null && r.db_writes !== null) db[String(r.iteration)] = [r.endpoint, r.path, r.db_reads, r.db_writes];
  }
  return { latencies, db };
}

export function mergeEvidence(runs: readonly RunEvidence[]): RunEvidence {
  const latencies: Record<string, number[]> = {};
  for (const run of runs) for (const [e, values] of Object.entries(run.latencies)) (latencies[e] ??= []).push(...values);
  for (const [e, values] of Object.entries(latencies)) {
    if (values.length > MAX_SAMPLES) {
      const step = values.length / MAX_SAMPLES;
      latencies[e] = Array.from({ length: MAX_SAMPLES }, (_, i) => values[Math.floor(i * step)] as number);
    }
  }
  // The first run that saw an iteration speaks for it; the runs are checked against each other below.
  const db: Record<string, [string, string, number, number]> = {};
  for (const run of runs) for (const [it, v] of Object.entries(run.db)) db[it] ??= v;
  return { latencies, db };
}

/** Why a run says nothing about the code under test, or null. */
export function skipReason(exitCode: number, summary: Summary | undefined, limits: Limits): string | null {
  if (exitCode === 6) return 'the site was unreachable';
  if (exitCode === 3) return 'no session logged in';
  if (exitCode !== 0 || summary === undefined) return `the run did not complete (exit ${exitCode})`;
  if (summary.total === 0) return 'no request was made';
  const failurePct = (summary.failures / summary.total) * 100;
  if (failurePct > limits.maxFailurePct) return `${failurePct.toFixed(1)}% of requests failed (limit ${limits.maxFailurePct}%)`;
  const droppedPct = (summary.dropped_iterations / summary.total) * 100;
  if (droppedPct > limits.maxDroppedPct) return `k6 dropped ${summary.dropped_iterations} iterations (${droppedPct.toFixed(1)}%, limit ${limits.maxDroppedPct}%): raise --concurrency`;
  return null;
}

function timingRegressions(base: RunEvidence, now: RunEvidence, limits: Limits): string[] {
  const endpoints = Object.keys(base.latencies).filter((e) => (base.latencies[e]?.length ?? 0) >= MIN_SAMPLES && (now.latencies[e]?.length ?? 0) >= MIN_SAMPLES);
  const alpha = limits.alpha / Math.max(1, endpoints.length);
  const out: string[] = [];
  for (const e of endpoints) {
    const a = base.latencies[e] as number[];
    const b = now.latencies[e] as number[];
    const test = mannWhitneyGreater(a, b);
    const ma = median(a);
    const mb = median(b);
    const pct = ((mb - ma) / ma) * 100;
    const slower = test.p < alpha && pct >= limits.minEffectPct && mb - ma >= limits.minEffectMs;
    if (slower) out.push(`${e}: slower, median ${ma.toFixed(2)} -> ${mb.toFixed(2)} ms (+${pct.toFixed(1)}%), Mann-Whitney p=${test.p.toExponential(2)} < ${alpha.toExponential(2)}, n=${a.length}/${b.length}`);
  }
  return out;
}

function dbRegressions(base: RunEvidence, now: RunEvidence, limits: Limits): string[] {
  const worst = new Map<string, string>();
  for (const [it, [endpoint, path, reads, writes]] of Object.entries(now.db)) {
    const old = base.db[it];
    if (!old || old[1] !== path) continue;
    const dr = reads - old[2];
    const dw = writes - old[3];
    if ((dr > limits.dbIncrease || dw > limits.dbIncrease) && !worst.has(endpoint)) {
      worst.set(endpoint, `${endpoint}: DB reads/writes ${old[2]}/${old[3]} -> ${reads}/${writes} for ${path} (iteration ${it})`);
    }
  }
  return [...worst.values()];
}

export function judge(baseline: Baseline, runs: readonly { exitCode: number; summary: Summary | undefined; evidence: RunEvidence }[], limits: Limits): Verdict {
  const skips = runs.map((r, i) => [i, skipReason(r.exitCode, r.summary, limits)] as const).filter(([, why]) => why !== null);
  if (skips.length > 0) return { kind: 'skip', reasons: skips.map(([i, why]) => `run ${i + 1}: ${why}`) };
  const now = mergeEvidence(runs.map((r) => r.evidence));
  const reasons = [...dbRegressions(baseline, now, limits), ...timingRegressions(baseline, now, limits)];
  if (reasons.length > 0) return { kind: 'bad', reasons };
  const compared = Object.keys(now.db).filter((it) => baseline.db[it]).length;
  const endpoints = Object.keys(now.latencies).length;
  return { kind: 'good', reasons: [`no endpoint slower than the baseline (${endpoints} compared), DB counters equal on ${compared} iterations`] };
}
