// Whether a load request succeeded, and if not why. Load requests do not follow redirects:
// each one is exactly one Moodle page execution, and a 3xx is its final status. A redirect
// to the login page means the session is gone; counting it (or the login page behind it)
// as a success is the classic mistake this guards against.
import { K6_TIMEOUT_ERROR_CODE } from './login-flow';
import { pathOf, resolveLocation } from './url';

export const FAILURE_REASONS = [
  'session_lost',
  'not_enrolled',
  'moodle_error',
  'http_4xx',
  'http_5xx',
  'http_other',
  'timeout',
  'transport',
  'no_session',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: FailureReason };

const OK: Outcome = { ok: true };

/** Where Moodle sends a user who is not enrolled in a course (require_login). */
export const ENROL_PATH = '/enrol/index.php';

/**
 * Markers of a Moodle error anywhere in a page: the fatal-error box and the error notification
 * of pages such as /user/profile.php?id=<unknown> ("Invalid user"). They sit ~30 KB into a
 * page, so the load does not look for them (see isMoodleErrorHead); the simulator's tests do.
 */
const ERROR_PAGE_MARKERS = ['data-rel="fatalerror"', 'alert alert-danger alert-block'];

export function isMoodleErrorPage(body: string): boolean {
  for (const marker of ERROR_PAGE_MARKERS) if (body.indexOf(marker) >= 0) return true;
  return false;
}

/** Bytes of a 2xx body the load looks at: Moodle's <title> is within the first 100 (byte 70 in 4.5's Boost). */
export const HEAD_BYTES = 512;
const EMPTY_TITLE = /<title>\s*<\/title>/;

/**
 * Whether the first bytes of a 2xx page say it is a Moodle error. Moodle prints a 2xx error
 * page when a script shows a notification and stops without setting a title
 * (/user/profile.php?id=<unknown> "Invalid user", "user deleted", "user not available"): its
 * <title> is empty, where every page that worked has one. (A fatal error before output
 * starts is a 404, decided by status; one thrown mid-page keeps the page's 2xx and title, and
 * is not seen here.) Reading a few hundred bytes instead of the whole page is what lets k6
 * keep the body as bytes.
 */
export function isMoodleErrorHead(head: string): boolean {
  const at = head.indexOf('<title>');
  return at >= 0 && at < HEAD_BYTES && EMPTY_TITLE.test(head.substring(at, at + 32));
}

export interface SitePaths {
  /** Path of the login page, with the site's base path ("/moodle/login/index.php"). */
  readonly loginPath: string;
  /** Path of the enrolment page, with the site's base path. */
  readonly enrolPath: string;
}

/** `head`: the start of a 2xx body (at least HEAD_BYTES of it when it is that long); other statuses need none. */
export function classifyResponse(
  status: number,
  location: string | null,
  head: string | null,
  requestUrl: string,
  paths: SitePaths,
  errorCode: number,
): Outcome {
  if (status === 0) return { ok: false, reason: httpFailureReason(0, errorCode) };
  if (status >= 200 && status < 300) return head !== null && isMoodleErrorHead(head) ? { ok: false, reason: 'moodle_error' } : OK;
  if (status >= 300 && status < 400) {
    if (location === null) return OK;
    const target = pathOf(resolveLocation(location, requestUrl));
    if (target === paths.loginPath) return { ok: false, reason: 'session_lost' };
    if (target === paths.enrolPath) return { ok: false, reason: 'not_enrolled' };
    return OK;
  }
  return { ok: false, reason: httpFailureReason(status, errorCode) };
}

/** Why a request with no 2xx/3xx answer failed, from its status (0: no response) and k6's error code. */
export function httpFailureReason(status: number, errorCode: number): 'timeout' | 'transport' | 'http_4xx' | 'http_5xx' | 'http_other' {
  if (status === 0) return errorCode === K6_TIMEOUT_ERROR_CODE ? 'timeout' : 'transport';
  if (status >= 400 && status < 500) return 'http_4xx';
  if (status >= 500 && status < 600) return 'http_5xx';
  return 'http_other';
}

/** Transient failures (retried with --retries): transport errors, timeouts, 429, 502, 503, 504. */
export function isTransient(outcome: Outcome, status: number): boolean {
  if (outcome.ok) return false;
  // Statuses worth retrying: the server or a proxy said "not now". Compared, not a Set: a Set
  // here would build the Set prototype in every VU (k6 evaluates this module in each).
  return outcome.reason === 'timeout' || outcome.reason === 'transport' || status === 429 || (status >= 502 && status <= 504);
}
