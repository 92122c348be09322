// Moodle's sessions as the simulator keeps them: a store of sessions by id (all killed at once
// by the control endpoint), the secrets handed out (recorded only for the tests that search
// outputs for them), and Moodle's session lock, which runs the requests of one session one
// after another while other sessions go on side by side.
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'MoodleSession';

export interface Session {
  readonly id: string;
  userId: number | null;
  token: string | null;
  readonly sesskey: string;
  wantsUrl: string | null;
  inflight: number;
  /** Settles when the last request that asked for the session lock releases it. */
  lock: Promise<void>;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** Null when secrets are not recorded. */
  private readonly secrets: string[] | null;

  constructor(recordSecrets: boolean) {
    this.secrets = recordSecrets ? [] : null;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** A new session with fresh ids; its id and sesskey are secrets. */
  open(): Session {
    const s: Session = {
      id: newId(13),
      userId: null,
      token: null,
      sesskey: newId(5),
      wantsUrl: null,
      inflight: 0,
      lock: Promise.resolve(),
    };
    this.sessions.set(s.id, s);
    this.secrets?.push(s.id, s.sesskey);
    return s;
  }

  /** Moodle regenerates the session id at login: the old id is dead from then on. */
  regenerate(old: Session): Session {
    this.sessions.delete(old.id);
    const fresh = this.open();
    fresh.wantsUrl = old.wantsUrl;
    return fresh;
  }

  /** A random id of `bytes` bytes in hex, recorded as a secret (login tokens, MOODLEID1_). */
  newSecret(bytes: number): string {
    const id = newId(bytes);
    this.secrets?.push(id);
    return id;
  }

  killAll(): void {
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Live sessions that belong to a logged-in user: what Moodle's session store would list with a userid. */
  get loggedIn(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.userId !== null) n++;
    return n;
  }

  secretsIssued(): string[] {
    return this.secrets ? [...this.secrets] : [];
  }
}

function newId(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** What the session lock counts, across sessions. */
export interface LockCounters {
  maxConcurrentPerSession: number;
  sessionLockWaits: number;
}

/** A request's place in its session's queue (the fields are the request's own, so queueing allocates nothing more). */
export interface LockTurn {
  readonly session: Session;
  /** Whether another request of the session was in flight when this one arrived. */
  queued: boolean;
  /** Frees the lock for the next request of the session. */
  release: () => void;
}

/** A turn's release before it has queued. */
export const NOT_HELD = (): void => {};

/**
 * Moodle's session lock: a request of a session starts only when the one before it is done.
 * Returns what to wait for before serving the request; `leaveSession` lets the next one go.
 */
export function queueOnSession(turn: LockTurn, counters: LockCounters): Promise<void> {
  const session = turn.session;
  session.inflight++;
  if (session.inflight > counters.maxConcurrentPerSession) counters.maxConcurrentPerSession = session.inflight;
  const previous = session.lock;
  session.lock = new Promise<void>((r) => (turn.release = r));
  turn.queued = session.inflight > 1;
  if (turn.queued) counters.sessionLockWaits++;
  return previous;
}

export function leaveSession(turn: LockTurn): void {
  turn.session.inflight--;
  turn.release();
}
