// Whether a load request succeeded, and if not why. Load requests do not follow redirects:
// each one is exactly one Moodle page execution, and a 3xx is its final status. A redirect
// to the login page means the session is gone; counting it (or the login page behind it)
// as a success is the classic mistake this guards against.
import { K6_TIMEOUT_ERROR_CODE } from './login-flow';
import { pathOf, resolveLocation } from './url';

export const FAILURE_REASONS = ['session_lost', 'http_4xx', 'http_5xx', 'http_other', 'timeout', 'transport', 'no_session'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: FailureReason };

const OK: Outcome = { ok: true };

export function classifyResponse(status: number, location: string | null, requestUrl: string, loginPath: string, errorCode: number): Outcome {
  if (status === 0) return { ok: false, reason: errorCode === K6_TIMEOUT_ERROR_CODE ? 'timeout' : 'transport' };
  if (status >= 200 && status < 300) return OK;
  if (status >= 300 && status < 400) {
    if (location !== null && pathOf(resolveLocation(location, requestUrl)) === loginPath) return { ok: false, reason: 'session_lost' };
    return OK;
  }
  if (status >= 400 && status < 500) return { ok: false, reason: 'http_4xx' };
  if (status >= 500 && status < 600) return { ok: false, reason: 'http_5xx' };
  return { ok: false, reason: 'http_other' };
}

export const REASON_TEXT: Readonly<Record<FailureReason, string>> = {
  session_lost: 'redirected to the login page (session expired or killed); the VU logs in again',
  http_4xx: 'HTTP 4xx (missing page or no access: check URL parameters and enrolments)',
  http_5xx: 'HTTP 5xx (server error)',
  http_other: 'HTTP status outside 2xx-5xx',
  timeout: 'no response within --request-timeout',
  transport: 'connection failed (refused, reset, DNS or TLS error)',
  no_session: 'not sent: the VU had no session and could not log in',
};
