// The final JSON: the eight keys existing scripts read first, in their order and format, then what
// a Moodle developer needs to trust them, overall and per endpoint. Built from the plain
// data k6 hands handleSummary; every figure covers the timed load phase only.
import { DROPPED, DURATION, FAILURES, LOAD_END, RELOGINS, REQUESTS, RETRIES, SERVER_METRICS, submetric } from './metric-names';
import { buildViewSummary, ViewSummary } from './browser/view-summary';
import { FAILURE_REASONS, FailureReason } from './outcome';
import { LOAD_SCENARIO } from './run-phases';
import { round } from './round';
import { segmentShare } from './segments';
import { PERCENTILE_RELATIVE_ERROR } from './stats-stream';
import pkg from '../package.json';

/** Version of the summary's format (summary.schema.json): bumped when a key changes meaning or goes away. */
export const SUMMARY_SCHEMA_VERSION = 1;
export const MOODLE_LOAD_VERSION: string = pkg.version;

/** The subset of k6's handleSummary `data.metrics` this reads. */
export type K6Metrics = Readonly<Record<string, { readonly values: Readonly<Record<string, number>> } | undefined>>;

export interface FailedUser {
  readonly username: string;
  readonly sessions: number;
  readonly reason: string;
}

/** What setup() learnt about logging in. No cookies, no passwords. */
export interface LoginReport {
  readonly attempted: number;
  readonly loggedIn: number;
  readonly seconds: number;
  readonly failedUsers: readonly FailedUser[];
}

export interface EndpointInfo {
  readonly name: string;
  readonly path: string;
  readonly weight: number;
}

export interface SummaryInput {
  readonly metrics: K6Metrics;
  readonly endpoints: readonly EndpointInfo[];
  readonly targetRpm: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly concurrency: number;
  readonly retries: number;
  readonly seed: number | null;
  /** The execution segment this instance ran, when the test was split across instances. */
  readonly segment?: string | null;
  /** Undefined when setup() did not finish (no session, or stopped during login). */
  readonly login: LoginReport | undefined;
  readonly loadStartMs: number | undefined;
  readonly nowMs: number;
  /** The k6 version the CLI checked; null under plain `k6 run` (k6 does not tell a script its version). */
  readonly k6Version?: string | null;
  /** --emulate-browser: add page_views (whole page views, their requests, AJAX per method). */
  readonly emulateBrowser?: boolean;
  /** --stream-stats: the figures came from the VUs' histograms (lib/stats-stream.ts); say how exact. */
  readonly streamStats?: boolean;
}

export interface LatencyFigures {
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
  latency_ms_p99: number | null;
}

/** Means over successful load attempts that carried Moodle's performance footer (null: none did). */
export interface ServerFigures {
  requests: number;
  time_ms_mean: number;
  time_ms_p95: number;
  db_reads_mean: number;
  db_writes_mean: number;
  /** Medians: what stays put between runs of the same code on a real Moodle (means move with rare cold-cache requests). */
  db_reads_median: number;
  db_writes_median: number;
  db_time_ms_mean: number;
  ram_peak_mb_mean: number;
  included_files_mean: number;
  session_wait_ms_mean: number;
}

export interface EndpointSummary extends LatencyFigures {
  path: string;
  weight: number;
  total: number;
  success: number;
  failures: number;
  failure_reasons: Record<FailureReason, number>;
  attempts: number;
  req_per_min_observed: number;
  server: ServerFigures | null;
}

export interface Summary extends LatencyFigures {
  elapsed_sec: number;
  total: number;
  success: number;
  failures: number;
  req_per_min_observed: number;
  target_rpm: number;
  dropped_iterations: number;
  sessions: { logged_in: number; attempted: number; login_sec: number | null; failed_users: FailedUser[] };
  failure_reasons: Record<FailureReason, number>;
  attempts: number;
  retries: number;
  relogins: { success: number; failure: number };
  latency_ms_mean: number | null;
  latency_ms_max: number | null;
  server: ServerFigures | null;
  endpoints: Record<string, EndpointSummary>;
  warnings: string[];
  duration_sec: number;
  warmup_sec: number;
  concurrency: number;
  max_retries: number;
  seed: number | null;
  stopped_early: boolean;
  schema_version: number;
  moodle_load_version: string;
  k6_version: string | null;
  /** Present when this instance ran one execution segment of a split test. */
  execution_segment?: string;
  instance_target_rpm?: number;
  /** Present with --emulate-browser (lib/browser/view-summary.ts). */
  page_views?: ViewSummary;
  /** Present with --stream-stats: percentiles and medians are within this relative error (whole numbers exact). */
  stream_stats?: { percentile_relative_error: number };
}

function count(metrics: K6Metrics, name: string): number {
  return metrics[name]?.values.count ?? 0;
}

function stat(metrics: K6Metrics, name: string, key: string): number | null {
  const v = metrics[name]?.values[key];
  return v === undefined || !Number.isFinite(v) ? null : round(v, 2);
}

function rpm(total: number, elapsedSec: number): number {
  return elapsedSec > 0 ? round((total / elapsedSec) * 60, 1) : 0;
}

/** Iterations still in flight when the duration ends may take up to this long to finish. */
const EARLY_STOP_TOLERANCE_SEC = 1;

export { LOAD_SCENARIO };
const LOAD_DROPPED = submetric(DROPPED, 'scenario', LOAD_SCENARIO);

/** Selectors of one endpoint's figures (or the overall ones when endpoint is undefined). */
function selectors(endpoint: string | undefined) {
  const sel = (metric: string, tag: string, value: string) => (endpoint === undefined ? submetric(metric, tag, value) : submetric(metric, 'endpoint', endpoint, tag, value));
  return {
    success: sel(REQUESTS, 'outcome', 'success'),
    failure: sel(REQUESTS, 'outcome', 'failure'),
    latency: sel(DURATION, 'outcome', 'success'),
    reason: (r: FailureReason) => sel(FAILURES, 'reason', r),
    retries: endpoint === undefined ? RETRIES : submetric(RETRIES, 'endpoint', endpoint),
  };
}

function reasonCounts(metrics: K6Metrics, endpoint: string | undefined): Record<FailureReason, number> {
  const s = selectors(endpoint);
  const out = {} as Record<FailureReason, number>;
  for (const reason of FAILURE_REASONS) out[reason] = count(metrics, s.reason(reason));
  return out;
}

/** k6 reports an empty trend as zeros; no sample means no figure (null), not 0 ms. */
function trendStat(metrics: K6Metrics, name: string, key: string): number | null {
  return (metrics[name]?.values.count ?? 0) > 0 ? stat(metrics, name, key) : null;
}

function serverFigures(metrics: K6Metrics, endpoint: string | undefined): ServerFigures | null {
  const name = (metric: string) => (endpoint === undefined ? metric : submetric(metric, 'endpoint', endpoint));
  const [time] = SERVER_METRICS;
  const requests = metrics[name(time.metric)]?.values.count ?? 0;
  if (requests === 0) return null;
  const out = { requests, time_ms_p95: trendStat(metrics, name(time.metric), 'p(95)') ?? 0 } as Record<string, number>;
  for (const m of SERVER_METRICS) out[`${m.summary}_mean`] = trendStat(metrics, name(m.metric), 'avg') ?? 0;
  for (const m of SERVER_METRICS) if (m.summary === 'db_reads' || m.summary === 'db_writes') out[`${m.summary}_median`] = trendStat(metrics, name(m.metric), 'med') ?? 0;
  return out as unknown as ServerFigures;
}

function latencies(metrics: K6Metrics, name: string): LatencyFigures {
  return { latency_ms_p50: trendStat(metrics, name, 'p(50)'), latency_ms_p95: trendStat(metrics, name, 'p(95)'), latency_ms_p99: trendStat(metrics, name, 'p(99)') };
}

export function buildSummary(input: SummaryInput): Summary {
  const { metrics } = input;
  const all = selectors(undefined);
  const success = count(metrics, all.success);
  const failures = count(metrics, all.failure);
  const total = success + failures;
  const retries = count(metrics, all.retries);
  // The load phase is the scheduled window, or longer when its last requests end after it
  // (LOAD_END), not until k6 gets round to the summary; a run stopped before the schedule's
  // last second has no LOAD_END and ends now.
  const lastEnd = metrics[LOAD_END]?.values.max;
  const endMs = lastEnd === undefined || input.loadStartMs === undefined ? input.nowMs : Math.max(lastEnd, input.loadStartMs + input.durationSec * 1000);
  const elapsedSec = input.loadStartMs === undefined ? 0 : Math.max(0, (endMs - input.loadStartMs) / 1000);
  const dropped = count(metrics, LOAD_DROPPED);
  const login = input.login;

  const endpoints: Record<string, EndpointSummary> = {};
  for (const e of input.endpoints) {
    const s = selectors(e.name);
    const ok = count(metrics, s.success);
    const failed = count(metrics, s.failure);
    endpoints[e.name] = {
      path: e.path,
      weight: e.weight,
      total: ok + failed,
      success: ok,
      failures: failed,
      failure_reasons: reasonCounts(metrics, e.name),
      attempts: ok + failed + count(metrics, s.retries),
      req_per_min_observed: rpm(ok + failed, elapsedSec),
      ...latencies(metrics, s.latency),
      server: serverFigures(metrics, e.name),
    };
  }

  const warnings: string[] = [];
  if (dropped > 0) {
    warnings.push(`k6 dropped ${dropped} iterations because all ${input.concurrency} VUs were busy: raise --concurrency; the observed rate and the percentiles are flattered`);
  }
  if (login && login.loggedIn < login.attempted) warnings.push(`only ${login.loggedIn} of ${login.attempted} sessions logged in; see sessions.failed_users`);
  const server = serverFigures(metrics, undefined);
  if (server === null && success > 0) {
    warnings.push("no Moodle performance footer in the responses, so no server-side figures (DB reads, server time): add define('MDL_PERF_TEST', true); to the site's config.php to get them");
  }

  const share = input.segment ? segmentShare(input.segment) : 1;
  if (input.segment) {
    warnings.push(`this instance ran execution segment ${input.segment}: its figures cover its share (${round(input.targetRpm * share, 1)} of ${input.targetRpm} rpm); add the instances up (in Prometheus, or as make segments does)`);
  }
  const { latency_ms_p50, latency_ms_p95, latency_ms_p99 } = latencies(metrics, all.latency);
  const summary: Summary = {
    elapsed_sec: round(elapsedSec, 3),
    total,
    success,
    failures,
    req_per_min_observed: rpm(total, elapsedSec),
    latency_ms_p50,
    latency_ms_p95,
    latency_ms_p99,
    target_rpm: input.targetRpm,
    dropped_iterations: dropped,
    sessions: {
      logged_in: login?.loggedIn ?? 0,
      attempted: login?.attempted ?? input.concurrency,
      login_sec: login ? round(login.seconds, 2) : null,
      failed_users: login ? [...login.failedUsers] : [],
    },
    failure_reasons: reasonCounts(metrics, undefined),
    attempts: total + retries,
    retries,
    relogins: { success: count(metrics, submetric(RELOGINS, 'outcome', 'success')), failure: count(metrics, submetric(RELOGINS, 'outcome', 'failure')) },
    latency_ms_mean: trendStat(metrics, all.latency, 'avg'),
    latency_ms_max: trendStat(metrics, all.latency, 'max'),
    server,
    endpoints,
    warnings,
    duration_sec: input.durationSec,
    warmup_sec: input.warmupSec,
    concurrency: input.concurrency,
    max_retries: input.retries,
    seed: input.seed,
    stopped_early: elapsedSec < input.durationSec - EARLY_STOP_TOLERANCE_SEC,
    schema_version: SUMMARY_SCHEMA_VERSION,
    moodle_load_version: MOODLE_LOAD_VERSION,
    k6_version: input.k6Version ?? null,
  };
  if (input.streamStats) summary.stream_stats = { percentile_relative_error: PERCENTILE_RELATIVE_ERROR };
  if (input.emulateBrowser) summary.page_views = buildViewSummary(metrics, input.endpoints.map((e) => e.name), summary.attempts);
  if (input.segment) {
    summary.execution_segment = input.segment;
    summary.instance_target_rpm = round(input.targetRpm * share, 1);
  }
  return summary;
}

/** Submetrics k6 must track (declared as thresholds) for buildSummary to find them, with whether each is a trend. */
export function summarySubmetrics(endpointNames: readonly string[]): { name: string; trend: boolean }[] {
  const counters = [LOAD_DROPPED, submetric(RELOGINS, 'outcome', 'success'), submetric(RELOGINS, 'outcome', 'failure')];
  const trends: string[] = [];
  for (const endpoint of [undefined, ...endpointNames]) {
    const s = selectors(endpoint);
    counters.push(s.success, s.failure, ...FAILURE_REASONS.map(s.reason));
    trends.push(s.latency);
    if (endpoint !== undefined) {
      counters.push(s.retries);
      trends.push(...SERVER_METRICS.map((m) => submetric(m.metric, 'endpoint', endpoint)));
    }
  }
  return [...counters.map((name) => ({ name, trend: false })), ...trends.map((name) => ({ name, trend: true }))];
}
