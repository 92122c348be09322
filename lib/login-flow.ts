// Moodle's login, as a state machine over plain responses so it runs the same for one VU
// (one request at a time) and for setup() (all sessions in parallel with http.batch), and
// can be tested in Node against the captured pages in fixtures/moodle-4.5.6.
//
// GET login page -> take logintoken -> POST credentials -> 303 ?testsession=N -> 303 /my/.
// Redirects are followed by hand: success is "the chain leaves the login page", read from
// the Location header, so the landing page (/my/) is never fetched and never counted.
import type { UserCredential } from './config';
import { LOGIN_FAILURE_KINDS } from './metric-names';
import { pathOf, queryOf, resolveLocation } from './url';

export interface LoginRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** Form fields for POST. Holds the password: never log or tag it. */
  readonly form?: Readonly<Record<string, string>>;
}

/** What the flow needs from a response; k6's Response has all of it. */
export interface LoginResponse {
  readonly status: number;
  readonly location: string | null;
  readonly body: string | null;
  /** k6 error text and code for transport failures (status 0). */
  readonly error?: string;
  readonly errorCode?: number;
}

export type LoginFailureKind = (typeof LOGIN_FAILURE_KINDS)[number];

export type LoginStep =
  | { readonly kind: 'request'; readonly request: LoginRequest; readonly state: LoginState }
  | { readonly kind: 'success'; readonly landing: string }
  | { readonly kind: 'failure'; readonly failure: LoginFailureKind; readonly detail: string };

export interface LoginState {
  readonly phase: 'page' | 'post' | 'after-post';
  readonly url: string;
  readonly hops: number;
}

export interface LoginSite {
  readonly loginUrl: string;
}

const MAX_HOPS = 5;
/** k6 error code for a request that hit its timeout. */
export const K6_TIMEOUT_ERROR_CODE = 1050;

export function startLogin(site: LoginSite): LoginStep {
  return { kind: 'request', request: { method: 'GET', url: site.loginUrl }, state: { phase: 'page', url: site.loginUrl, hops: 0 } };
}

/** logintoken from the login form; null when the site disabled it ($CFG->disablelogintoken). */
export function extractLoginToken(html: string): string | null {
  const input = /<input\b[^>]*\bname\s*=\s*["']logintoken["'][^>]*>/i.exec(html);
  if (!input) return null;
  const value = /\bvalue\s*=\s*["']([^"']*)["']/i.exec(input[0]);
  return value ? (value[1] as string) : null;
}

export function isLoginPage(html: string): boolean {
  return /id\s*=\s*["']page-login-index["']/.test(html) || /<form\b[^>]*\bid\s*=\s*["']login["']/.test(html);
}

export function hasLoginError(html: string): boolean {
  return /id\s*=\s*["']loginerrormessage["']/.test(html);
}

function failure(kind: LoginFailureKind, detail: string): LoginStep {
  return { kind: 'failure', failure: kind, detail };
}

function transportFailure(res: LoginResponse, what: string): LoginStep {
  if (res.errorCode === K6_TIMEOUT_ERROR_CODE) return failure('timeout', `${what} timed out`);
  return failure('transport', `${what} failed: ${res.error || 'no response'}`);
}

export function advanceLogin(site: LoginSite, state: LoginState, res: LoginResponse, user: UserCredential): LoginStep {
  const loginPath = pathOf(site.loginUrl);
  const what = state.phase === 'page' ? 'GET login page' : state.phase === 'post' ? 'POST login form' : 'GET after login';
  if (res.status === 0) return transportFailure(res, what);

  if (res.status >= 300 && res.status < 400) {
    if (!res.location) return failure('http_error', `${what}: ${res.status} without a Location header`);
    const next = resolveLocation(res.location, state.url);
    const onLoginPage = pathOf(next) === loginPath;
    if (state.phase !== 'page' && !onLoginPage) return { kind: 'success', landing: pathOf(next) };
    if (state.phase === 'post' && onLoginPage && !/(^|&)testsession=/.test(queryOf(next))) {
      // Moodle answers every rejected login (wrong password, unknown user, stale token)
      // with 303 to ?loginredirect=1; following it would only show "Invalid login".
      return failure('invalid_login', 'invalid login: Moodle rejected the username, password or login token');
    }
    if (state.hops >= MAX_HOPS) return failure('redirect_loop', `${what}: more than ${MAX_HOPS} redirects`);
    const phase = state.phase === 'page' ? 'page' : 'after-post';
    return { kind: 'request', request: { method: 'GET', url: next }, state: { phase, url: next, hops: state.hops + 1 } };
  }

  if (res.status !== 200) return failure('http_error', `${what}: HTTP ${res.status}`);
  const body = res.body ?? '';

  if (state.phase === 'page') {
    if (!isLoginPage(body)) return failure('no_login_form', `${what}: ${state.url} did not show Moodle's login form`);
    const form: Record<string, string> = { username: user.username, password: user.password, anchor: '' };
    const token = extractLoginToken(body);
    if (token !== null) form.logintoken = token;
    return {
      kind: 'request',
      request: { method: 'POST', url: site.loginUrl, form },
      state: { phase: 'post', url: site.loginUrl, hops: state.hops },
    };
  }
  if (isLoginPage(body)) {
    if (hasLoginError(body)) return failure('invalid_login', 'invalid login: Moodle showed "Invalid login, please try again"');
    return failure(state.phase === 'post' ? 'invalid_login' : 'session_not_kept', `${what}: still on the login page`);
  }
  // A 200 page that is not the login page: the session is logged in (sites without testsession).
  return { kind: 'success', landing: pathOf(state.url) };
}
