// Exponential backoff with full jitter for transient failures (AWS architecture blog's
// "full jitter": wait a uniform time in [0, min(cap, base * 2^attempt))), with a server's
// Retry-After taking precedence when it asks for longer, and everything bounded by the cap.

export interface RetryPolicy {
  /** Retries after the first attempt (0: never retry). */
  readonly retries: number;
  readonly baseMs: number;
  readonly capMs: number;
}

/** Seconds, or an HTTP date, per RFC 9110; null when absent or unreadable. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/**
 * Milliseconds to wait before retry number `attempt` (0 for the first retry).
 * `u` is a uniform number in [0, 1) (from the run's seeded random numbers).
 */
export function backoffMs(policy: RetryPolicy, attempt: number, u: number, retryAfterMs: number | null): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  const jittered = u * ceiling;
  return Math.min(policy.capMs, retryAfterMs === null ? jittered : Math.max(jittered, retryAfterMs));
}
