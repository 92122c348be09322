// Two summaries side by side, per endpoint and overall: old, new and change for the rate,
// failure rate, latency percentiles and Moodle's server-side figures, with the thresholds
// that decide what counts as a regression. Runs with different settings are refused.
import { round } from '../lib/round';
import type { EndpointSummary, ServerFigures, Summary } from '../lib/summary';
import { textTable } from '../lib/text-table';
import { resourceRows, ServerResources } from './server-resources';

export interface Thresholds {
  /** p95 may grow by this many percent. */
  readonly p95IncreasePct: number;
  /** The median of DB reads per request may grow by this much (absolute), per endpoint. */
  readonly dbReadsIncrease: number;
  /** Failure rate may grow by this many percentage points. */
  readonly failureRateIncreasePts: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { p95IncreasePct: 10, dbReadsIncrease: 2, failureRateIncreasePts: 1 };

export interface CompareRow {
  /** "all" or an endpoint name. */
  readonly scope: string;
  readonly figure: string;
  readonly old: number | null;
  readonly new: number | null;
  /** Percent change; null when either side is missing or old is 0. */
  readonly changePct: number | null;
  /** The rule this row breaks, if any. */
  readonly regression: string | null;
}

export interface Comparison {
  readonly rows: CompareRow[];
  readonly regressions: CompareRow[];
}

export class IncomparableError extends Error {}

type Scope =
  | Pick<Summary, 'total' | 'failures' | 'req_per_min_observed' | 'latency_ms_p50' | 'latency_ms_p95' | 'latency_ms_p99' | 'server'>
  | EndpointSummary;

const SERVER_FIGURES: (keyof ServerFigures)[] = [
  'time_ms_mean',
  'time_ms_p95',
  'db_reads_mean',
  'db_writes_mean',
  'db_reads_median',
  'db_writes_median',
  'db_time_ms_mean',
  'ram_peak_mb_mean',
  'included_files_mean',
  'session_wait_ms_mean',
];

/** Why two runs cannot be compared (different rate, duration or URL set), or null. */
export function incomparable(base: Summary, next: Summary): string | null {
  if (base.target_rpm !== next.target_rpm) return `target rates differ (${base.target_rpm} and ${next.target_rpm} rpm)`;
  if (base.duration_sec !== next.duration_sec) return `durations differ (${base.duration_sec} and ${next.duration_sec} s)`;
  const urls = (s: Summary) =>
    Object.entries(s.endpoints ?? {})
      .map(([name, e]) => `${name}=${e.path}*${e.weight}`)
      .sort()
      .join('\n');
  if (urls(base) !== urls(next)) return 'the URL sets differ (names, paths or weights of urls)';
  return null;
}

function failureRate(s: Scope): number | null {
  return s.total > 0 ? (s.failures / s.total) * 100 : null;
}

/** A figure as the comparison shows it; null when a side has none. */
function shown(v: number | null, digits = 2): number | null {
  return v === null || !Number.isFinite(v) ? null : round(v, digits);
}

function row(scope: string, figure: string, oldValue: number | null, newValue: number | null, regression: string | null): CompareRow {
  const changePct = oldValue !== null && newValue !== null && oldValue !== 0 ? shown(((newValue - oldValue) / oldValue) * 100, 1) : null;
  return { scope, figure, old: shown(oldValue), new: shown(newValue), changePct, regression };
}

function compareScope(scope: string, a: Scope, b: Scope, t: Thresholds): CompareRow[] {
  const rows: CompareRow[] = [];
  rows.push(row(scope, 'rpm', a.req_per_min_observed, b.req_per_min_observed, null));
  const fa = failureRate(a);
  const fb = failureRate(b);
  const failureRegression =
    fa !== null && fb !== null && fb - fa > t.failureRateIncreasePts
      ? `failure rate up by more than ${t.failureRateIncreasePts} points`
      : null;
  rows.push(row(scope, 'failure %', fa, fb, failureRegression));
  rows.push(row(scope, 'p50 ms', a.latency_ms_p50, b.latency_ms_p50, null));
  const pa = a.latency_ms_p95;
  const pb = b.latency_ms_p95;
  const p95Regression =
    pa !== null && pb !== null && pb > pa * (1 + t.p95IncreasePct / 100) ? `p95 up by more than ${t.p95IncreasePct}%` : null;
  rows.push(row(scope, 'p95 ms', pa, pb, p95Regression));
  rows.push(row(scope, 'p99 ms', a.latency_ms_p99, b.latency_ms_p99, null));
  if (a.server || b.server) {
    for (const key of SERVER_FIGURES) {
      const va = a.server?.[key] ?? null;
      const vb = b.server?.[key] ?? null;
      // Per endpoint only (the overall figure moves with the URL mix), and on the median: on a real
      // Moodle the mean moves between runs of the same code with a few cold-cache requests.
      const dbRegression =
        key === 'db_reads_median' && scope !== 'all' && va !== null && vb !== null && round(vb, 6) - round(va, 6) > t.dbReadsIncrease
          ? `DB reads up by more than ${t.dbReadsIncrease}`
          : null;
      rows.push(row(scope, `server ${key.replace(/_mean$/, '')}`, va, vb, dbRegression));
    }
  }
  return rows;
}

export function compareSummaries(base: Summary, next: Summary, t: Thresholds = DEFAULT_THRESHOLDS): Comparison {
  const why = incomparable(base, next);
  if (why) throw new IncomparableError(`these runs cannot be compared: ${why}`);
  const rows = compareScope('all', base, next, t);
  for (const [name, e] of Object.entries(base.endpoints)) {
    const other = next.endpoints[name];
    if (other) rows.push(...compareScope(name, e, other, t));
  }
  // The site's own resources (--server-stats), when either run sampled them: shown, never judged.
  const resources = (s: Summary) => (s as Summary & { server_resources?: ServerResources }).server_resources;
  for (const r of resourceRows(resources(base), resources(next))) rows.push(row(r.scope, r.figure, r.old, r.new, null));
  return { rows, regressions: rows.filter((r) => r.regression !== null) };
}

export function comparisonTable(c: Comparison): string {
  const cells = (r: CompareRow) => [
    r.scope,
    r.figure,
    r.old === null ? '-' : String(r.old),
    r.new === null ? '-' : String(r.new),
    r.changePct === null ? '' : `${r.changePct > 0 ? '+' : ''}${r.changePct}%`,
    r.regression ? `REGRESSION: ${r.regression}` : '',
  ];
  const columns = [
    { header: 'endpoint' },
    { header: 'figure' },
    { header: 'old', align: 'right' },
    { header: 'new', align: 'right' },
    { header: 'change', align: 'right' },
    { header: '' },
  ] as const;
  const verdict = c.regressions.length === 0 ? 'no regression' : `${c.regressions.length} regression(s)`;
  return [textTable(columns, c.rows.map(cells)), verdict].join('\n');
}
