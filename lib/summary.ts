// The final JSON: the eight keys existing scripts read (elapsed_sec to latency_ms_p99) first,
// in that order, then what a Moodle developer needs to trust them, overall and per endpoint.
// Built from the plain data k6 hands handleSummary; every figure covers the timed load phase only.
import { DROPPED, DURATION, FAILURES, LOAD_END, RELOGINS, REQUESTS, RETRIES, SERVER_METRICS, submetric } from './metric-names';
import { buildViewSummary, ViewSummary } from './browser/view-summary';
import { buildExamSummary, ExamSummary } from './journeys/exam-summary';
import { buildUsersSummary, UsersSummary, usersWarnings } from './users-summary';
import { buildCreated, buildJourneySummary, JourneySummary } from './journeys/journey-summary';
import type { JourneyOutline } from './journeys/journey-types';
import { FAILURE_REASONS, FailureReason } from './outcome';
import { LOAD_SCENARIO } from './run-phases';
import { round } from './round';
import type { MergeablePart } from './mergeable';
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
  /** The config's journeys: add journeys and journeys_created when there are any. */
  readonly journeys?: readonly JourneyOutline[];
  /** --exam-window: add exam (0 or absent: not an exam start). */
  readonly examWindowSec?: number;
  /** An exam start's users (one per VU): this instance's share in a split test; absent: concurrency. */
  readonly examUsers?: number;
  /** --emulate-browser: add page_views (whole page views, their requests, AJAX per method). */
  readonly emulateBrowser?: boolean;
  /** --stream-stats: the figures came from the VUs' histograms (lib/stats-stream.ts); say how exact. */
  readonly streamStats?: boolean;
  /** The users the run served and its load model (--users, --think-time, --ramp); absent: one per VU, open model. */
  readonly users?: {
    readonly users: number;
    readonly thinkTimeSec: readonly [number, number] | undefined;
    readonly rampSec: number | undefined;
  };
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
  users: UsersSummary;
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
  journeys?: Record<string, JourneySummary>;
  journeys_created?: Record<string, number>;
  /** Present with --exam-window (lib/journeys/exam-summary.ts). */
  exam?: ExamSummary;
  /** Present with --stream-stats: percentiles and medians are within this relative error (whole numbers exact). */
  stream_stats?: { percentile_relative_error: number };
  /** Present when the summary was merged from the summaries of a split test's instances (analysis/merge-summaries.ts). */
  merged?: { instances: number; execution_segments: string[] };
  /** Present when the CLI counted the figures (--stream-stats): every series as histograms, for `moodle-load merge`. */
  mergeable?: MergeablePart;
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
  const sel = (metric: string, tag: string, value: string) =>
    endpoint === undefined ? submetric(metric, tag, value) : submetric(metric, 'endpoint', endpoint, tag, value);
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
  for (const m of SERVER_METRICS)
    if (m.summary === 'db_reads' || m.summary === 'db_writes') out[`${m.summary}_median`] = trendStat(metrics, name(m.metric), 'med') ?? 0;
  return out as unknown as ServerFigures;
}

function latencies(metrics: K6Metrics, name: string): LatencyFigures {
  return {
    latency_ms_p50: trendStat(metrics, name, 'p(50)'),
    latency_ms_p95: trendStat(metrics, name, 'p(95)'),
    latency_ms_p99: trendStat(metrics, name, 'p(99)'),
  };
}

type Selectors = ReturnType<typeof selectors>;

interface RequestCounts {
  success: number;
  failures: number;
  total: number;
  retries: number;
}

/** Requests that ended in success or in failure, and the retries behind them, of one endpoint or overall. */
function requestCounts(metrics: K6Metrics, s: Selectors): RequestCounts {
  const success = count(metrics, s.success);
  const failures = count(metrics, s.failure);
  return { success, failures, total: success + failures, retries: count(metrics, s.retries) };
}

/**
 * Seconds of the load phase: the scheduled window, or longer when its last requests end after
 * it (LOAD_END), not until k6 gets round to the summary; a run stopped before the schedule's
 * last second has no LOAD_END and ends now.
 */
function loadElapsedSec(input: SummaryInput): number {
  if (input.loadStartMs === undefined) return 0;
  const lastEnd = input.metrics[LOAD_END]?.values.max;
  const endMs = lastEnd === undefined ? input.nowMs : Math.max(lastEnd, input.loadStartMs + input.durationSec * 1000);
  return Math.max(0, (endMs - input.loadStartMs) / 1000);
}

function endpointSummary(metrics: K6Metrics, e: EndpointInfo, elapsedSec: number): EndpointSummary {
  const s = selectors(e.name);
  const c = requestCounts(metrics, s);
  return {
    path: e.path,
    weight: e.weight,
    total: c.total,
    success: c.success,
    failures: c.failures,
    failure_reasons: reasonCounts(metrics, e.name),
    attempts: c.total + c.retries,
    req_per_min_observed: rpm(c.total, elapsedSec),
    ...latencies(metrics, s.latency),
    server: serverFigures(metrics, e.name),
  };
}

function endpointSummaries(metrics: K6Metrics, endpoints: readonly EndpointInfo[], elapsedSec: number): Record<string, EndpointSummary> {
  const out: Record<string, EndpointSummary> = {};
  for (const e of endpoints) out[e.name] = endpointSummary(metrics, e, elapsedSec);
  return out;
}

/** Without a login report (setup() did not finish), every VU counts as an attempted session. */
function sessionFigures(login: LoginReport | undefined, concurrency: number): Summary['sessions'] {
  return {
    logged_in: login?.loggedIn ?? 0,
    attempted: login?.attempted ?? concurrency,
    login_sec: login ? round(login.seconds, 2) : null,
    failed_users: login ? [...login.failedUsers] : [],
  };
}

/** One instance's share of the target rate when the test is split across instances. */
function instanceTargetRpm(targetRpm: number, segment: string): number {
  return round(targetRpm * segmentShare(segment), 1);
}

/** What makes the figures less than they seem, and what to do about it. */
function summaryWarnings(input: SummaryInput, dropped: number, noFooter: boolean): string[] {
  const warnings: string[] = [];
  const { login, segment } = input;
  if (dropped > 0) {
    warnings.push(
      `k6 dropped ${dropped} iterations because all ${input.concurrency} VUs were busy: raise --concurrency; the observed rate and the percentiles are flattered`,
    );
  }
  if (login && login.loggedIn < login.attempted)
    warnings.push(`only ${login.loggedIn} of ${login.attempted} sessions logged in; see sessions.failed_users`);
  if (noFooter) {
    warnings.push(
      "no Moodle performance footer in the responses, so no server-side figures (DB reads, server time): add define('MDL_PERF_TEST', true); to the site's config.php to get them",
    );
  }
  if (segment) {
    warnings.push(
      `this instance ran execution segment ${segment}: its figures cover its share (${instanceTargetRpm(input.targetRpm, segment)} of ${input.targetRpm} rpm); merge the instances' summaries with moodle-load merge (make segments does)`,
    );
  }
  return warnings;
}

/** The keys only some runs have: --stream-stats, --emulate-browser, one segment of a split test. */
function addOptionalParts(summary: Summary, input: SummaryInput): void {
  if (input.streamStats) summary.stream_stats = { percentile_relative_error: PERCENTILE_RELATIVE_ERROR };
  if (input.emulateBrowser)
    summary.page_views = buildViewSummary(
      input.metrics,
      input.endpoints.map((e) => e.name),
      summary.attempts,
    );
  if (input.journeys !== undefined && input.journeys.length > 0) {
    summary.journeys = buildJourneySummary(input.metrics, input.journeys);
    summary.journeys_created = buildCreated(input.metrics, input.journeys);
  }
  if ((input.examWindowSec ?? 0) > 0)
    summary.exam = buildExamSummary(input.metrics, input.examUsers ?? input.concurrency, input.examWindowSec as number);
  if (input.segment) {
    summary.execution_segment = input.segment;
    summary.instance_target_rpm = instanceTargetRpm(input.targetRpm, input.segment);
  }
}

/** The summary (summary.schema.json), its keys in the documented order. */
export function buildSummary(input: SummaryInput): Summary {
  const { metrics } = input;
  const all = selectors(undefined);
  const c = requestCounts(metrics, all);
  const elapsedSec = loadElapsedSec(input);
  const dropped = count(metrics, LOAD_DROPPED);
  const endpoints = endpointSummaries(metrics, input.endpoints, elapsedSec);
  const server = serverFigures(metrics, undefined);
  const warnings = summaryWarnings(input, dropped, server === null && c.success > 0);
  const { latency_ms_p50, latency_ms_p95, latency_ms_p99 } = latencies(metrics, all.latency);
  const summary: Summary = {
    elapsed_sec: round(elapsedSec, 3),
    total: c.total,
    success: c.success,
    failures: c.failures,
    req_per_min_observed: rpm(c.total, elapsedSec),
    latency_ms_p50,
    latency_ms_p95,
    latency_ms_p99,
    target_rpm: input.targetRpm,
    dropped_iterations: dropped,
    sessions: sessionFigures(input.login, input.concurrency),
    users: buildUsersSummary({
      metrics,
      users: input.users?.users ?? input.concurrency,
      vus: input.concurrency,
      thinkTimeSec: input.users?.thinkTimeSec,
      rampSec: input.users?.rampSec,
    }),
    failure_reasons: reasonCounts(metrics, undefined),
    attempts: c.total + c.retries,
    retries: c.retries,
    relogins: {
      success: count(metrics, submetric(RELOGINS, 'outcome', 'success')),
      failure: count(metrics, submetric(RELOGINS, 'outcome', 'failure')),
    },
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
  summary.warnings.push(...usersWarnings(summary.users));
  addOptionalParts(summary, input);
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
