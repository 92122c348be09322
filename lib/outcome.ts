// Whether a load request succeeded, and if not why. Load requests do not follow redirects:
// each one is exactly one Moodle page execution, and a 3xx is its final status. A redirect
// to the login page means the session is gone; counting it (or the login page behind it)
// as a success is the classic mistake this guards against.
import { K6_TIMEOUT_ERROR_CODE } from './login-flow';
import { pathOf, resolveLocation } from './url';

export const FAILURE_REASONS = ['session_lost', 'not_enrolled', 'moodle_error', 'http_4xx', 'http_5xx', 'http_other', 'timeout', 'transport', 'no_session'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: FailureReason };

const OK: Outcome = { ok: true };

/** Where Moodle sends a user who is not enrolled in a course (require_login). */
export const ENROL_PATH = '/enrol/index.php';

/**
 * Markers of a Moodle error shown with a 2xx status: the fatal-error box of print_error pages
 * and the error notification of pages such as /user/profile.php?id=<unknown> ("Invalid user").
 * Two substring searches on the body: cheap next to receiving the page.
 */
const ERROR_PAGE_MARKERS = ['data-rel="fatalerror"', 'alert alert-danger alert-block'];

export function isMoodleErrorPage(body: string): boolean {
  for (const marker of ERROR_PAGE_MARKERS) if (body.indexOf(marker) >= 0) return true;
  return false;
}

export interface SitePaths {
  /** Path of the login page, with the site's base path ("/moodle/login/index.php"). */
  readonly loginPath: string;
  /** Path of the enrolment page, with the site's base path. */
  readonly enrolPath: string;
}

export function classifyResponse(status: number, location: string | null, body: string | null, requestUrl: string, paths: SitePaths, errorCode: number): Outcome {
  if (status === 0) return { ok: false, reason: errorCode === K6_TIMEOUT_ERROR_CODE ? 'timeout' : 'transport' };
  if (status >= 200 && status < 300) return body !== null && isMoodleErrorPage(body) ? { ok: false, reason: 'moodle_error' } : OK;
  if (status >= 300 && status < 400) {
    if (location === null) return OK;
    const target = pathOf(resolveLocation(location, requestUrl));
    if (target === paths.loginPath) return { ok: false, reason: 'session_lost' };
    if (target === paths.enrolPath) return { ok: false, reason: 'not_enrolled' };
    return OK;
  }
  if (status >= 400 && status < 500) return { ok: false, reason: 'http_4xx' };
  if (status >= 500 && status < 600) return { ok: false, reason: 'http_5xx' };
  return { ok: false, reason: 'http_other' };
}

/** Statuses worth retrying: the server or a proxy said "not now". */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

/** Transient failures (retried with --retries): transport errors, timeouts, 429, 502, 503, 504. */
export function isTransient(outcome: Outcome, status: number): boolean {
  if (outcome.ok) return false;
  return outcome.reason === 'timeout' || outcome.reason === 'transport' || TRANSIENT_STATUSES.has(status);
}
