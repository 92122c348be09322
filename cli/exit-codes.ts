import type { EndRecord } from '../lib/channel';

// Exit codes of the moodle-load CLI (documented in docs/running-a-load.md, *Exit codes*).
export const EXIT = {
  ok: 0,
  /** A bad flag or config: nothing was sent. */
  badInput: 2,
  /** No session logged in: no load was sent. */
  noSession: 3,
  /** k6 failed (crashed, or ended with an error of its own). */
  k6Failed: 4,
  /** k6 is missing or is not the pinned version. */
  k6Missing: 5,
  /** The site did not answer at login (connection refused, DNS, TLS, timeout): no load was sent. */
  siteUnreachable: 6,
  /** Stopped with Ctrl-C (SIGINT) or SIGTERM; the summary covers what ran. */
  interrupted: 130,
} as const;

/** k6's own exit codes that the CLI maps (k6's errext/exitcodes). */
export const K6_EXIT = {
  ok: 0,
  scriptAborted: 108,
  externalAbort: 105,
} as const;

/**
 * The CLI's exit code from k6's and the end record the script wrote (lib/channel.ts; null when
 * k6 wrote none). Why a run stopped comes from the record, never from k6's log text.
 */
export function exitCodeForRun(k6Code: number | null, interrupted: boolean, status: Pick<EndRecord, 'stop'> | null): number {
  if (interrupted) return EXIT.interrupted;
  if (status?.stop === 'site_unreachable') return EXIT.siteUnreachable;
  if (status?.stop === 'no_session') return EXIT.noSession;
  // A journey whose first page or form is not on the site: a config that does not fit the site.
  if (status?.stop === 'journey_check') return EXIT.badInput;
  if (k6Code === K6_EXIT.externalAbort) return EXIT.interrupted;
  if (k6Code === K6_EXIT.ok && status !== null) return EXIT.ok;
  return EXIT.k6Failed;
}

/** bisect-check's exits, as `git bisect run` reads them. */
export const BISECT_EXIT = {
  good: 0,
  bad: 1,
  /** Not the code under test, or no clear answer within the repeats: `git bisect skip`. */
  skip: 125,
  /** Cannot judge at all (bad flags, no k6, Ctrl-C): above 127, which stops `git bisect run`. */
  abort: 128,
} as const;
