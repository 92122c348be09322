// sessions.* of the summary, rebuilt from the login metrics (metric-names.ts): the VUs log in
// themselves, so no single place saw every login. Users are tagged by their index in the
// config, never by name, so no output carries usernames; names come back here.
import type { LoginFailureKind } from './login-flow';
import { LOGIN_END, LOGIN_FAILURE_KIND, LOGIN_FAILURE_KINDS, LOGIN_FAILURES, LOGIN_SESSIONS, submetric } from './metric-names';
import type { K6Metrics, LoginReport } from './summary';

/** What the summary says about each kind of failed login. */
export const LOGIN_FAILURE_REASONS: Record<LoginFailureKind, string> = {
  invalid_login: 'invalid login: Moodle rejected the username, password or login token',
  no_login_form: "the login page did not show Moodle's login form",
  http_error: 'the login answered with an unexpected HTTP status',
  transport: 'the login request failed without a response',
  timeout: 'the login request timed out (--login-timeout)',
  redirect_loop: 'the login redirected too many times',
  session_not_kept: 'the session was not kept after the login (cookies refused?)',
};

const perUser = (metric: string, user: number) => submetric(metric, 'user', String(user));

/** Login submetrics k6 must track (as thresholds) for loginReport to read them. */
export function loginSubmetrics(users: number): string[] {
  const out = [submetric(LOGIN_SESSIONS, 'outcome', 'success'), submetric(LOGIN_SESSIONS, 'outcome', 'failure')];
  for (let u = 0; u < users; u++) out.push(perUser(LOGIN_FAILURES, u), perUser(LOGIN_FAILURE_KIND, u));
  return out;
}

export interface LoginReportInput {
  readonly metrics: K6Metrics;
  readonly usernames: readonly string[];
  /** Sessions the login phase set out to log in (one per VU of this instance). */
  readonly attempted: number;
  /** Epoch ms at which the login phase started (the end of setup). */
  readonly startMs: number;
}

export function loginReport(input: LoginReportInput): LoginReport {
  const { metrics } = input;
  const failedUsers = [];
  for (let u = 0; u < input.usernames.length; u++) {
    const sessions = metrics[perUser(LOGIN_FAILURES, u)]?.values.count ?? 0;
    if (sessions === 0) continue;
    const kind = LOGIN_FAILURE_KINDS[metrics[perUser(LOGIN_FAILURE_KIND, u)]?.values.value ?? -1];
    failedUsers.push({
      username: input.usernames[u] as string,
      sessions,
      reason: kind === undefined ? 'unknown' : LOGIN_FAILURE_REASONS[kind],
    });
  }
  const end = metrics[LOGIN_END]?.values.max;
  return {
    attempted: input.attempted,
    loggedIn: metrics[submetric(LOGIN_SESSIONS, 'outcome', 'success')]?.values.count ?? 0,
    seconds: end === undefined ? 0 : Math.max(0, (end - input.startMs) / 1000),
    failedUsers,
  };
}
