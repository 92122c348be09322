// The run's phases as every VU needs them: scenario names, when each VU logs in, how long the
// login phase lasts. Kept apart from k6-options.ts (the options object, built once, in the first
// init context) so that a load VU does not evaluate what only that context uses.

/** Seconds between two rounds of --login-concurrency VUs starting their login. */
export const LOGIN_ROUND_SEC = 1;
/** Seconds the last round has to log in (at most --login-timeout): a login is four quick requests. */
const LOGIN_GRACE_SEC = 5;
/** Passes setup()'s probe makes over the users: a 5xx at login may pass (see scenarios/k6/login.ts). */
export const PROBE_PASSES = 2;

/** k6 tags every sample with its scenario; dropped iterations of the warm-up are not the load's. */
export const LOAD_SCENARIO = 'load';
export const WARMUP_SCENARIO = 'warmup';
export const LOGIN_SCENARIO = 'login';

/**
 * When user number `userNo` (1-based) starts logging in, in seconds after the
 * login phase starts: --login-concurrency users a round, a round a second, so a small site is
 * not buried under its own login page.
 */
export function loginDelaySec(userNo: number, loginConcurrency: number): number {
  return Math.floor((userNo - 1) / loginConcurrency) * LOGIN_ROUND_SEC;
}

/**
 * Length of the login phase. k6 starts scenarios at fixed times only (`startTime`), so the
 * load starts this long after setup whatever the logins take: every round's start, then a
 * grace for the last one. A VU still logging in then is stopped and logs in again before its
 * first load request (counted in relogins).
 */
export function loginWindowSec(settings: {
  readonly concurrency: number;
  readonly users?: number | undefined;
  readonly thinkTimeSec?: readonly [number, number] | undefined;
  readonly loginConcurrency: number;
  readonly loginTimeoutSec: number;
}): number {
  // The closed model's users log in as they arrive, within the timed phase.
  if (settings.thinkTimeSec !== undefined) return 0;
  const users = settings.users ?? settings.concurrency;
  return loginDelaySec(users, settings.loginConcurrency) + Math.min(settings.loginTimeoutSec, LOGIN_GRACE_SEC);
}

/** Users setup()'s probe may try before giving up: each user a VU would log in with, once. */
export function probeCandidates(settings: { readonly concurrency: number }, users: number): number {
  return Math.min(settings.concurrency, users);
}
