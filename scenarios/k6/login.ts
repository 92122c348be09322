// Runs lib/login-flow.ts with k6's HTTP client. Sessions are logged in by the VUs themselves
// (scenario `login`, one session per VU, in the VU's own cookie jar), so no session cookie
// ever leaves its VU: none sits in setup() data, which k6's REST API serves and copies into
// every VU. setup() only probes: one login, to find an unreachable site or users that all
// fail before any VU starts. Login requests are tagged phase=login and never touch the load metrics.
import http, { CookieJar, RefinedResponse, ResponseType } from 'k6/http';
import type { UserCredential } from '../../lib/config';
import { advanceLogin, LoginFailureKind, LoginResponse, startLogin } from '../../lib/login-flow';
import { PERF_MARKER } from '../../lib/perf-footer';
import { PROBE_PASSES } from '../../lib/run-phases';
import { LOGIN_FAILURE_KINDS } from '../../lib/metric-names';
import * as metrics from './metrics';
import type { RunContext } from './run-context';

export type LoginResult =
  { readonly ok: true; readonly footer: boolean } | { readonly ok: false; readonly failure: LoginFailureKind; readonly detail: string };

const LOGIN_TAGS = { phase: 'login', name: 'moodle login' };

function toLoginResponse(res: RefinedResponse<ResponseType | undefined>): LoginResponse {
  return {
    status: res.status,
    location: res.headers.Location ?? null,
    body: typeof res.body === 'string' ? res.body : null,
    error: res.error,
    errorCode: res.error_code,
  };
}

/** One login, request by request, in `jar`. Also says whether the login form carried the performance footer. */
export function loginOnce(ctx: RunContext, user: UserCredential, jar: CookieJar): LoginResult {
  jar.clear(ctx.cookieUrl);
  const site = { loginUrl: ctx.loginUrl };
  const params = { jar, redirects: 0, timeout: `${ctx.settings.loginTimeoutSec}s`, responseType: 'text' as const, tags: LOGIN_TAGS };
  let footer = false;
  let step = startLogin(site);
  while (step.kind === 'request') {
    const req = step.request;
    const res = req.method === 'GET' ? http.get(req.url, params) : http.post(req.url, req.form ?? null, params);
    const parsed = toLoginResponse(res);
    if (step.state.phase === 'page' && parsed.body !== null && parsed.body.lastIndexOf(PERF_MARKER) >= 0) footer = true;
    step = advanceLogin(site, step.state, parsed, user);
  }
  return step.kind === 'failure' ? { ok: false, failure: step.failure, detail: step.detail } : { ok: true, footer };
}

/** Records a failed login of user `index` (config.users), tagged with the index (no username in any output). */
export function recordLoginFailure(index: number, failure: LoginFailureKind): void {
  const tags = { user: String(index) };
  metrics.loginFailures.add(1, tags);
  metrics.loginFailureKind.add(LOGIN_FAILURE_KINDS.indexOf(failure), tags);
}

export interface ProbeResult {
  /** A user that logged in (its session is dropped), or null when none did. */
  readonly goodUser: number | null;
  /** Users Moodle rejected: no VU tries them again (failed logins count towards lockout). */
  readonly rejected: number[];
  /** When the site never answered (transport error or timeout): the first error. */
  readonly unreachable: string | null;
}

/**
 * setup(): logs in with users in order until one works. Stops at the first transport error or
 * timeout (the site is not there). A user Moodle rejected ("Invalid login") is never tried again
 * (failed logins count towards lockout); any other failure (a 5xx, a page without the form) may
 * pass, so the users get PROBE_PASSES passes. Costs one login, whose session only the journeys' check uses, and
 * tells the VUs which users not to try.
 */
export function probeLogin(ctx: RunContext, candidates: number): ProbeResult {
  const rejected: number[] = [];
  // setup()'s own jar: the journeys' check (journey-runner.ts) opens their first pages in this session.
  const jar = http.cookieJar();
  for (let pass = 0; pass < PROBE_PASSES; pass++) {
    for (let i = 0; i < candidates; i++) {
      if (rejected.indexOf(i) >= 0) continue;
      const result = loginOnce(ctx, ctx.config.users[i] as UserCredential, jar);
      if (result.ok) return { goodUser: i, rejected, unreachable: null };
      recordLoginFailure(i, result.failure);
      if (result.failure === 'transport' || result.failure === 'timeout') return { goodUser: null, rejected, unreachable: result.detail };
      if (result.failure === 'invalid_login') rejected.push(i);
    }
  }
  return { goodUser: null, rejected, unreachable: null };
}
