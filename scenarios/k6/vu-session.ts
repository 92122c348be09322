// The Moodle session of one user. Moodle locks a session per request, so a session belongs to
// one VU: the VU logs its users in itself (the `login` scenario, or as they arrive in the closed
// model), keeps each session in the user's own cookie jar, and logs in again when Moodle drops it.
import type { CookieJar } from 'k6/http';
import type { UserCredential } from '../../lib/config';
import { loginOnce, LoginResult, recordLoginFailure } from './login';
import * as metrics from './metrics';
import type { RunContext } from './run-context';

export interface SessionPlan {
  /** Index into config.users of the account this VU logs in with. */
  readonly user: number;
  /** A user known to work (setup's probe), used when this VU's own user is rejected. */
  readonly fallback: number | null;
  /** Users rejected before this VU started: never tried. */
  readonly rejected: readonly number[];
}

export class VuSession {
  private loggedIn = false;
  private user: number;
  /** Users Moodle rejected in this VU or in setup's probe: never retried (account lockout). */
  private readonly rejected: Set<number>;
  /** Whether the site shows Moodle's performance footer (seen on its login form). */
  footer = false;
  private everLoggedIn = false;

  /** `jar`: this user's cookies (a VU's first user has the VU's own jar, which k6 keeps between iterations). */
  constructor(
    private readonly ctx: RunContext,
    private readonly plan: SessionPlan,
    readonly jar: CookieJar,
  ) {
    this.rejected = new Set(plan.rejected);
    this.user = this.rejected.has(plan.user) && plan.fallback !== null ? plan.fallback : plan.user;
  }

  /** The user name of this VU's account (for the errors file; never the password). */
  get username(): string {
    return this.ctx.config.users[this.user]?.username ?? '';
  }

  /** The login phase: one session for this VU, with its own user or, if Moodle rejects it, the fallback. */
  loginPhase(): boolean {
    let ok = this.attempt(true);
    if (!ok && this.rejected.has(this.user) && this.plan.fallback !== null && !this.rejected.has(this.plan.fallback)) {
      this.user = this.plan.fallback;
      ok = this.attempt(true);
    }
    metrics.loginSessions.add(1, { outcome: ok ? 'success' : 'failure' });
    metrics.loginEnd.add(Date.now());
    return ok;
  }

  /** `report`: a login-phase failure, counted per user in the summary's sessions.failed_users. */
  private attempt(report: boolean): boolean {
    if (this.rejected.has(this.user)) return false;
    const result: LoginResult = loginOnce(this.ctx, this.ctx.config.users[this.user] as UserCredential, this.jar);
    if (result.ok) {
      this.footer = result.footer;
      metrics.userLogins.add(1);
      if (!this.everLoggedIn) metrics.userFirstLogins.add(1);
      this.everLoggedIn = true;
    } else {
      if (report) recordLoginFailure(this.user, result.failure);
      if (result.failure === 'invalid_login') this.rejected.add(this.user);
    }
    this.loggedIn = result.ok;
    return result.ok;
  }

  /** True when the VU holds a session, logging in again first if it lost it (counted in relogins). */
  ensure(): boolean {
    if (this.loggedIn) return true;
    if (this.rejected.has(this.user)) return false;
    const ok = this.attempt(false);
    metrics.relogins.add(1, { outcome: ok ? 'success' : 'failure' });
    return ok;
  }

  /** Moodle redirected a page to the login form: the session is gone. */
  lost(): void {
    if (this.loggedIn) metrics.userSessionsLost.add(1);
    this.loggedIn = false;
  }
}
