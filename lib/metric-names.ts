// Names of the metrics the scenario emits; the summary and the CLI's progress read them back.
// All carry the tag `endpoint` (the URL entry's name) and never the rendered URL, so outputs
// get one series per endpoint, not one per course id.

/** Counter: load requests done (after retries), tagged endpoint and outcome ("success" | "failure"). */
export const REQUESTS = 'moodle_reqs';
/** Counter: failed load requests, tagged endpoint and reason (see outcome.ts). */
export const FAILURES = 'moodle_failures';
/** Counter: retries of load requests (attempts after the first), tagged endpoint. Touched only on a retry. */
export const RETRIES = 'moodle_retries';
/** Trend (ms): duration of every attempt that got a response, tagged endpoint and outcome. */
export const DURATION = 'moodle_req_duration';

/** The four metrics a phase records. Warm-up has its own, so no load figure includes it. */
export interface PhaseMetricNames {
  readonly requests: string;
  readonly failures: string;
  readonly retries: string;
  readonly duration: string;
}

export const LOAD_METRICS: PhaseMetricNames = { requests: REQUESTS, failures: FAILURES, retries: RETRIES, duration: DURATION };
export const WARMUP_METRICS: PhaseMetricNames = {
  requests: 'moodle_warmup_reqs',
  failures: 'moodle_warmup_failures',
  retries: 'moodle_warmup_retries',
  duration: 'moodle_warmup_req_duration',
};
/** Counter: logins a VU did during the load phase after losing its session, tagged outcome. */
export const RELOGINS = 'moodle_relogins';
/** Counter: successful logins of users (the first and every later one), untagged. */
export const USER_LOGINS = 'moodle_user_logins';
/** Counter: users whose first login succeeded (users minus these never held a session). */
export const USER_FIRST_LOGINS = 'moodle_user_first_logins';
/** Counter: sessions a user held and Moodle dropped (a redirect to its login form). */
export const USER_SESSIONS_LOST = 'moodle_user_sessions_lost';
/** Trend (ms), the closed model: how much later than its think time allowed a user's request started (its VU was busy). */
export const USER_START_DELAY = 'moodle_user_start_delay';
/** Gauge: epoch milliseconds at which the load phase started (set once per VU). */
export const LOAD_START = 'moodle_load_start';
/** Gauge: epoch ms at which load requests ended, set only in the schedule's last second; its max ends elapsed_sec. */
export const LOAD_END = 'moodle_load_end';
/** Gauge: the target rate (--rpm), so dashboards can draw the observed rate against it. */
export const TARGET_RPM = 'moodle_target_rpm';
/**
 * Counter, --stream-stats only: load iterations started. k6 reports no dropped iterations without
 * its summary, so the CLI takes these from the schedule's (cli/streamed-summary.ts).
 */
export const LOAD_ITERATIONS = 'moodle_load_iterations';
/** k6's own counter of iterations it could not start because every VU was busy. */
export const DROPPED = 'dropped_iterations';

/** k6's submetric selector: metric{tag:value,...}. */
export function submetric(metric: string, tag: string, value: string, ...more: string[]): string {
  const pairs = [`${tag}:${value}`];
  for (let i = 0; i + 1 < more.length; i += 2) pairs.push(`${more[i]}:${more[i + 1]}`);
  return `${metric}{${pairs.join(',')}}`;
}

/** Trends from Moodle's performance footer (successful load attempts that carry it), tagged endpoint. */
export const SERVER_METRICS = [
  { metric: 'moodle_server_time', field: 'timeMs', summary: 'time_ms', isTime: true },
  { metric: 'moodle_db_reads', field: 'dbReads', summary: 'db_reads', isTime: false },
  { metric: 'moodle_db_writes', field: 'dbWrites', summary: 'db_writes', isTime: false },
  { metric: 'moodle_db_time', field: 'dbTimeMs', summary: 'db_time_ms', isTime: true },
  { metric: 'moodle_ram_peak_mb', field: 'ramPeakMb', summary: 'ram_peak_mb', isTime: false },
  { metric: 'moodle_included_files', field: 'includedFiles', summary: 'included_files', isTime: false },
  { metric: 'moodle_session_wait', field: 'sessionWaitMs', summary: 'session_wait_ms', isTime: true },
] as const;

export type ServerField = (typeof SERVER_METRICS)[number]['field'];

/** Counter: 1 when setup() aborts the run, tagged reason (lib/abort-reasons.ts); read back by handleSummary. */
export const ABORTS = 'moodle_aborts';
/** Counter: VUs' login-phase sessions, tagged outcome ("success" | "failure"): one per VU that finished its login. */
export const LOGIN_SESSIONS = 'moodle_login_sessions';
/** Counter: failed logins at the start (setup's probe and the login phase), tagged user (index into config users). */
export const LOGIN_FAILURES = 'moodle_login_failures';
/** Gauge: the kind of a user's last failed login (index into LOGIN_FAILURE_KINDS), tagged user. */
export const LOGIN_FAILURE_KIND = 'moodle_login_failure_kind';
/** Gauge: epoch ms at which VUs finished logging in; its max ends sessions.login_sec. */
export const LOGIN_END = 'moodle_login_end';
/** lib/login-flow.ts's failure kinds, in the order LOGIN_FAILURE_KIND numbers them. */
export const LOGIN_FAILURE_KINDS = [
  'invalid_login',
  'no_login_form',
  'http_error',
  'transport',
  'timeout',
  'redirect_loop',
  'session_not_kept',
] as const;
