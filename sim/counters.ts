// What the simulator served, for tests to compare with what the load generator reports.
// Control endpoints are not counted.
import type { LockCounters } from './sessions';

/** What the counters hold; GET /__sim/stats adds the machine's state (control.ts). */
export interface CounterStats {
  /** Requests served per path (no query), control endpoints excluded. */
  readonly pages: Record<string, number>;
  /** Per path, responses per status code. */
  readonly statuses: Record<string, Record<string, number>>;
  /** POSTs to the login form per username, by result. */
  readonly logins: Record<string, { success: number; failure: number }>;
  /** Most requests ever in flight at once in one session (Moodle serialises them: see sessionLockWaits). */
  readonly maxConcurrentPerSession: number;
  /** Requests that had to wait for another request of their session to finish (Moodle's session lock). */
  readonly sessionLockWaits: number;
  readonly sessions: number;
  /** What the journeys' form posts wrote (journey-routes.ts), named as the summary's journeys_created. */
  readonly created: Created;
}

/** Rows the journeys' posts wrote: attempts started and finished, posts (a discussion's first post too), submissions. */
export interface Created {
  quiz_attempts: number;
  quiz_attempts_finished: number;
  forum_posts: number;
  forum_discussions: number;
  /** Online-text drafts saved (a submission's "Save changes"). */
  assign_drafts: number;
  /** Submissions submitted for grading. */
  assign_submissions: number;
}

const noneCreated = (): Created => ({
  quiz_attempts: 0,
  quiz_attempts_finished: 0,
  forum_posts: 0,
  forum_discussions: 0,
  assign_drafts: 0,
  assign_submissions: 0,
});

export class Counters implements LockCounters {
  pages: Record<string, number> = {};
  statuses: Record<string, Record<string, number>> = {};
  logins: Record<string, { success: number; failure: number }> = {};
  maxConcurrentPerSession = 0;
  sessionLockWaits = 0;
  created: Created = noneCreated();

  countPage(path: string): void {
    this.pages[path] = (this.pages[path] ?? 0) + 1;
  }

  countStatus(path: string, status: number): void {
    const perPath = (this.statuses[path] ??= {});
    perPath[status] = (perPath[status] ?? 0) + 1;
  }

  /** The username's login results, to count this attempt in. */
  loginsOf(username: string): { success: number; failure: number } {
    return (this.logins[username] ??= { success: 0, failure: 0 });
  }

  reset(): void {
    this.pages = {};
    this.statuses = {};
    this.logins = {};
    this.maxConcurrentPerSession = 0;
    this.sessionLockWaits = 0;
    this.created = noneCreated();
  }

  /** A copy, so a test's snapshot does not change under it. */
  snapshot(sessions: number): CounterStats {
    const { pages, statuses, logins, maxConcurrentPerSession, sessionLockWaits } = this;
    const { created } = this;
    return {
      ...structuredClone({ pages, statuses, logins }),
      maxConcurrentPerSession,
      sessionLockWaits,
      sessions,
      created: { ...created },
    };
  }
}
