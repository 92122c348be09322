// Reading the answer of Moodle's /lib/ajax/service.php. It answers 200 whatever happens: a
// JSON array with one {error, data | exception} per call it ran (it stops at the first call
// that fails, so later calls get no entry), or, when the whole request failed before any
// call ran (bad JSON, an exception in setup), one object {error: "message", errorcode}.

export const AJAX_FAILURE_REASONS = [
  'moodle_exception',
  'session_lost',
  'not_run',
  'bad_response',
  'http_4xx',
  'http_5xx',
  'http_other',
  'timeout',
  'transport',
] as const;
export type AjaxFailureReason = (typeof AJAX_FAILURE_REASONS)[number];

export type CallOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: AjaxFailureReason; readonly error: string };

const OK: CallOutcome = { ok: true };

/** Error codes that mean the session (or its sesskey) is gone, not that the call is wrong. */
const SESSION_ERRORCODES = new Set(['servicerequireslogin', 'requireloginerror', 'invalidsesskey', 'sessionerroruser', 'sessiontimedout']);

interface MoodleException {
  readonly message?: unknown;
  readonly errorcode?: unknown;
  readonly exception?: unknown;
}

function exceptionFailure(e: MoodleException | undefined, fallback: string): CallOutcome {
  const code = typeof e?.errorcode === 'string' ? e.errorcode : '';
  const message = typeof e?.message === 'string' ? e.message : fallback;
  return {
    ok: false,
    reason: SESSION_ERRORCODES.has(code) ? 'session_lost' : 'moodle_exception',
    error: code === '' ? message : `${code}: ${message}`,
  };
}

function httpReason(status: number): AjaxFailureReason {
  if (status >= 400 && status < 500) return 'http_4xx';
  if (status >= 500 && status < 600) return 'http_5xx';
  return 'http_other';
}

/**
 * One outcome per call of the request (`calls` of them, in index order). `transportError`:
 * k6's error text when there was no response (status 0); `timedOut` tells a timeout apart.
 */
export function parseAjaxResponse(
  status: number,
  body: string | null,
  calls: number,
  transportError: string,
  timedOut: boolean,
): CallOutcome[] {
  const all = (o: CallOutcome) => Array.from({ length: calls }, () => o);
  if (status === 0) return all({ ok: false, reason: timedOut ? 'timeout' : 'transport', error: transportError });
  if (status !== 200) return all({ ok: false, reason: httpReason(status), error: `HTTP ${status}` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return all({ ok: false, reason: 'bad_response', error: `not JSON: ${(body ?? '').slice(0, 80).replace(/\s+/g, ' ')}` });
  }
  if (!Array.isArray(parsed)) {
    const o = parsed as { error?: unknown; errorcode?: unknown } | null;
    if (o !== null && typeof o === 'object' && o.error !== undefined && o.error !== false) {
      return all(
        exceptionFailure({ message: typeof o.error === 'string' ? o.error : undefined, errorcode: o.errorcode }, 'request failed'),
      );
    }
    return all({ ok: false, reason: 'bad_response', error: 'not a JSON array' });
  }
  const out: CallOutcome[] = [];
  for (let i = 0; i < calls; i++) {
    const r = parsed[i] as { error?: unknown; exception?: MoodleException } | undefined;
    if (r === undefined || r === null) out.push({ ok: false, reason: 'not_run', error: 'not run: an earlier call of the request failed' });
    else if (r.error === false) out.push(OK);
    else out.push(exceptionFailure(r.exception, 'call failed'));
  }
  return out;
}
