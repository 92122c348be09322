// The capacity search's pure parts: the steps it tries, the figures of one step read from its run's
// summary, and whether the step held within the limits. No I/O, so the tests check them against
// figures worked out by hand.
import { round } from '../lib/round';
import type { Summary } from '../lib/summary';

/** What the steps raise: Moodle users (the closed model, --think-time) or requests per minute (the open model). */
export type CapacityBy = 'users' | 'rpm';

/** Limits a step must stay within; an absent one is not checked. */
export interface CapacityLimits {
  /** p95 above this, in ms, on any endpoint breaks. */
  readonly maxP95Ms: number | undefined;
  /** Failed requests above this share of the requests, in %, break. */
  readonly maxFailurePct: number | undefined;
  /** Iterations k6 could not start on time above this share, in %, break. */
  readonly maxDroppedPct: number;
}

/** Each step's value at most; more steps would be a typo or a search of hours. */
export const MAX_STEPS = 100;

/**
 * start, start + step, ... up to max; max itself comes last when the steps do not land on it, so
 * the last step tried is always max. Throws an Error naming the flag.
 */
export function stepValues(start: number, step: number, max: number): number[] {
  if (max < start) throw new Error(`--max (${max}) must be at least --start (${start})`);
  const count = Math.floor((max - start) / step) + 1 + ((max - start) % step === 0 ? 0 : 1);
  if (count > MAX_STEPS) throw new Error(`--step ${step} makes ${count} steps from ${start} to ${max}; at most ${MAX_STEPS}`);
  const values: number[] = [];
  for (let v = start; v <= max; v += step) values.push(v);
  if (values[values.length - 1] !== max) values.push(max);
  return values;
}

/** One step's load: its value, and the users and VUs that make it. */
export interface StepLoad {
  readonly value: number;
  /** Moodle users (sessions) of the step. */
  readonly users: number;
  /** k6 VUs: for --by users, min(users, --concurrency), so never more VUs than users. */
  readonly vus: number;
  /** Target requests per minute (0 in the closed model, where the users' think time sets the rate). */
  readonly rpm: number;
}

/** The steps' loads. `users`: --users as given (undefined: one per VU); `concurrency`: --concurrency. */
export function stepLoads(
  by: CapacityBy,
  values: readonly number[],
  given: { readonly concurrency: number; readonly users: number | undefined; readonly rpm: number },
): StepLoad[] {
  return values.map((value) => {
    if (by === 'users') return { value, users: value, vus: Math.min(value, given.concurrency), rpm: given.rpm };
    return { value, users: given.users ?? given.concurrency, vus: given.concurrency, rpm: value };
  });
}

export interface EndpointFigures {
  readonly requests: number;
  readonly failures: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  readonly p99_ms: number | null;
}

/** A step's figures over its timed load phase. */
export interface StepFigures {
  readonly requests: number;
  readonly failures: number;
  readonly failure_pct: number;
  /** Requests a second, observed. */
  readonly rps: number;
  readonly dropped: number;
  /** Dropped iterations as a share of those due: dropped / (dropped + requests), in %. */
  readonly dropped_pct: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  readonly p99_ms: number | null;
  /** The endpoint with the highest p95 (null when none has one), and that p95. */
  readonly worst_endpoint: string | null;
  readonly worst_p95_ms: number | null;
  readonly endpoints: Record<string, EndpointFigures>;
  /** The closed model: p95 of how late the users' requests started, their VU busy with another user (null in the open model). */
  readonly start_delay_ms_p95: number | null;
}

const pct = (part: number, whole: number) => (whole > 0 ? (part * 100) / whole : 0);

/** The figures a verdict reads, from a run's summary. Percentages are kept unrounded for the verdict. */
export function stepFigures(summary: Summary): StepFigures {
  const endpoints: Record<string, EndpointFigures> = {};
  let worst: string | null = null;
  for (const [name, e] of Object.entries(summary.endpoints)) {
    endpoints[name] = {
      requests: e.total,
      failures: e.failures,
      p50_ms: e.latency_ms_p50,
      p95_ms: e.latency_ms_p95,
      p99_ms: e.latency_ms_p99,
    };
    const p95 = e.latency_ms_p95;
    if (p95 !== null && (worst === null || p95 > (endpoints[worst]?.p95_ms ?? -Infinity))) worst = name;
  }
  const dropped = summary.dropped_iterations;
  return {
    requests: summary.total,
    failures: summary.failures,
    failure_pct: pct(summary.failures, summary.total),
    rps: summary.req_per_min_observed / 60,
    dropped,
    dropped_pct: pct(dropped, dropped + summary.total),
    p50_ms: summary.latency_ms_p50,
    p95_ms: summary.latency_ms_p95,
    p99_ms: summary.latency_ms_p99,
    worst_endpoint: worst,
    worst_p95_ms: worst === null ? null : (endpoints[worst]?.p95_ms ?? null),
    endpoints,
    // Summaries of runs before the users part have none.
    start_delay_ms_p95: (summary as Partial<Summary>).users?.start_delay_ms_p95 ?? null,
  };
}

/** Which limit a step broke: the figure's key in the step's JSON. */
export type BrokenLimit = 'p95_ms' | 'failure_pct' | 'dropped_pct' | 'requests';

export interface StepVerdict {
  readonly verdict: 'held' | 'broke';
  readonly broke_on: BrokenLimit[];
  /** One sentence per broken limit, with the figure and the limit. */
  readonly reasons: string[];
}

/** Held when every figure is at or within its limit; a limit is broken only above it. */
export function judgeStep(f: StepFigures, limits: CapacityLimits): StepVerdict {
  const broke_on: BrokenLimit[] = [];
  const reasons: string[] = [];
  if (f.requests === 0) {
    // No figure to hold a limit with: the site answered nothing in the load phase.
    return { verdict: 'broke', broke_on: ['requests'], reasons: ['no request was made in the load phase'] };
  }
  if (limits.maxP95Ms !== undefined) {
    const over = Object.entries(f.endpoints)
      .filter(([, e]) => e.p95_ms !== null && e.p95_ms > (limits.maxP95Ms as number))
      .sort(([, a], [, b]) => (b.p95_ms as number) - (a.p95_ms as number));
    if (over.length > 0) {
      broke_on.push('p95_ms');
      const shown = over.map(([name, e]) => `${name} ${formatMs(e.p95_ms)} ms`).join(', ');
      reasons.push(`p95 above ${limits.maxP95Ms} ms on ${over.length} endpoint${over.length > 1 ? 's' : ''}: ${shown}`);
    }
  }
  if (limits.maxFailurePct !== undefined && f.failure_pct > limits.maxFailurePct) {
    broke_on.push('failure_pct');
    reasons.push(`failures ${formatPct(f.failure_pct)} % (${f.failures} of ${f.requests}) above ${limits.maxFailurePct} %`);
  }
  if (f.dropped_pct > limits.maxDroppedPct) {
    broke_on.push('dropped_pct');
    reasons.push(`dropped iterations ${formatPct(f.dropped_pct)} % (${f.dropped}) above ${limits.maxDroppedPct} %`);
  }
  return { verdict: broke_on.length > 0 ? 'broke' : 'held', broke_on, reasons };
}

/** Whole ms from 1000 on, else to 0.1 ms: near a limit of a few hundred ms the decimal tells held from broken. */
export function formatMs(ms: number | null): string {
  return ms === null ? '-' : ms >= 1000 ? String(Math.round(ms)) : String(round(ms, 1));
}

export function formatPct(p: number): string {
  return p === 0 ? '0.0' : p < 0.1 ? round(p, 3).toString() : p.toFixed(1);
}
