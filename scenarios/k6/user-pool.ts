// The users one VU serves (lib/user-schedule.ts says which), each a VuSession with a cookie jar
// of its own: a user costs a jar and a few fields, not a JavaScript runtime. The VU sends one
// request at a time, so no session ever has two in flight.
import http from 'k6/http';
import { sleep } from 'k6';
import { loginDelaySec } from '../../lib/run-phases';
import { usersOf, usersOfVu } from '../../lib/user-schedule';
import type { RunContext } from './run-context';
import { VuSession } from './vu-session';

export interface PoolPlan {
  /** A user known to work (setup's probe), used when a user's own account is rejected. */
  readonly fallback: number | null;
  readonly rejected: readonly number[];
}

export class UserPool {
  readonly sessions: VuSession[] = [];
  /** The users' numbers in the run (0..users-1), as sessions[] holds them. */
  readonly ids: number[];
  private turn = 0;

  constructor(
    private readonly ctx: RunContext,
    plan: PoolPlan,
    vuId: number,
  ) {
    const users = usersOf(ctx.settings);
    const ids = usersOfVu(vuId, ctx.settings.concurrency, users);
    // A VU beyond --concurrency (never in our options) still serves a user of its own.
    this.ids = ids.length > 0 ? ids : [(vuId - 1) % users];
    const accounts = ctx.config.users.length;
    for (let k = 0; k < this.ids.length; k++) {
      const jar = k === 0 ? http.cookieJar() : new http.CookieJar();
      const user = (this.ids[k] as number) % accounts;
      this.sessions.push(new VuSession(ctx, { user, fallback: plan.fallback, rejected: plan.rejected }, jar));
    }
  }

  /** The open model: the VU's users take the iterations in turn. */
  next(): VuSession {
    const s = this.sessions[this.turn] as VuSession;
    this.turn = this.turn + 1 === this.sessions.length ? 0 : this.turn + 1;
    return s;
  }

  /** The login phase: each user logs in at its round (--login-concurrency users a second), counted from `startMs`. */
  loginPhase(startMs: number): void {
    for (let k = 0; k < this.sessions.length; k++) {
      const at = startMs + loginDelaySec((this.ids[k] as number) + 1, this.ctx.settings.loginConcurrency) * 1000;
      const wait = at - Date.now();
      if (wait > 0) sleep(wait / 1000);
      (this.sessions[k] as VuSession).loginPhase();
    }
  }
}
