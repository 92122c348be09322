// The simulated site: what every part of the simulator reads while serving, built once at start.
import type { Counters } from './counters';
import type { FaultSwitch } from './control';
import type { JourneyPages } from './journey-pages';
import type { JourneyState } from './journey-state';
import type { NoiseModel } from './noise';
import type { Pages } from './pages';
import type { PendingDelays } from './serve';
import type { SessionStore } from './sessions';
import type { WorkerPool } from './worker-pool';

export interface SimUser {
  readonly username: string;
  readonly password: string;
}

export interface Site {
  /** The simulator's own URL, which pages and redirects point at. */
  readonly root: string;
  readonly pages: Pages;
  /** Moodle user ids follow the list's order from FIRST_USER_ID (routes.ts). */
  readonly users: readonly SimUser[];
  /** Existing ids: courses 2..maxCourseId, course modules 10..maxCmId, users 1..maxUserId. */
  readonly maxCourseId: number;
  readonly maxCmId: number;
  readonly maxUserId: number;
  readonly notEnrolled: ReadonlySet<number>;
  /** Print Moodle's performance footer in every page. */
  readonly perfFooter: boolean;
  readonly sessions: SessionStore;
  readonly counters: Counters;
  readonly noise: NoiseModel;
  readonly faults: FaultSwitch;
  readonly delays: PendingDelays;
  /** The journeys' captured pages, and what their form posts wrote. */
  readonly journeyPages: JourneyPages;
  readonly journeys: JourneyState;
  /** PHP-FPM's max_children: every page request holds one of these workers; null: no limit. */
  readonly workers: WorkerPool | null;
}
