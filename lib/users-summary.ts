// users.* of the summary: which load model ran, how many users (sessions) it served, and where
// their sessions stood at the end, from the users' counters (metric-names.ts). A user's session
// lives in its VU, so the state at the end is the sum of what every session did.
import { USER_FIRST_LOGINS, USER_LOGINS, USER_SESSIONS_LOST, USER_START_DELAY } from './metric-names';
import { countOf, Metrics, trendOf } from './metric-values';

export interface UsersSummary {
  /** "open": the target rate (--rpm), served by whichever user's turn it is; "closed": each user thinks between its requests (--think-time). */
  model: 'open' | 'closed';
  users: number;
  vus: number;
  think_time_sec: [number, number] | null;
  ramp_sec: number | null;
  /** Users holding a session when the run ended (their last login not since lost). */
  logged_in_at_end: number;
  /** Successful logins: each user's first and every one after a lost session. */
  logins: number;
  sessions_lost: number;
  never_logged_in: number;
  /** The closed model: how much later than due the users' requests started (their VU was busy with another user). */
  start_delay_ms_p50: number | null;
  start_delay_ms_p95: number | null;
  start_delay_ms_max: number | null;
}

export interface UsersSummaryInput {
  readonly metrics: Metrics;
  readonly users: number;
  readonly vus: number;
  readonly thinkTimeSec: readonly [number, number] | undefined;
  readonly rampSec: number | undefined;
}

/** Start delays above this p95 (ms) make a warning: the users were not served on time. */
export const START_DELAY_WARN_MS = 1000;

export function buildUsersSummary(input: UsersSummaryInput): UsersSummary {
  const { metrics: m } = input;
  const closed = input.thinkTimeSec !== undefined;
  const logins = countOf(m, USER_LOGINS);
  const lost = countOf(m, USER_SESSIONS_LOST);
  return {
    model: closed ? 'closed' : 'open',
    users: input.users,
    vus: input.vus,
    think_time_sec: closed ? [...input.thinkTimeSec] : null,
    ramp_sec: closed ? (input.rampSec ?? null) : null,
    logged_in_at_end: Math.max(0, logins - lost),
    logins,
    sessions_lost: lost,
    never_logged_in: Math.max(0, input.users - countOf(m, USER_FIRST_LOGINS)),
    start_delay_ms_p50: closed ? trendOf(m, USER_START_DELAY, 'p(50)') : null,
    start_delay_ms_p95: closed ? trendOf(m, USER_START_DELAY, 'p(95)') : null,
    start_delay_ms_max: closed ? trendOf(m, USER_START_DELAY, 'max') : null,
  };
}

/** What makes the users' figures less than they seem. */
export function usersWarnings(u: UsersSummary): string[] {
  const out: string[] = [];
  if (u.model === 'closed' && (u.start_delay_ms_p95 ?? 0) > START_DELAY_WARN_MS)
    out.push(
      `the users' requests started ${u.start_delay_ms_p95} ms later than due (p95; max ${u.start_delay_ms_max} ms) because their ${u.vus} VUs were busy with other users: raise --concurrency`,
    );
  return out;
}
