// The Moodle session of one VU. Moodle locks a session per request, so sessions are never
// shared between VUs: VU n uses slot n from setup() and, when Moodle drops it, logs in again
// in its own cookie jar before its next request.
import http from 'k6/http';
import type { UserCredential } from '../../lib/config';
import { loginOnce, SessionSlot } from './login';
import * as metrics from './metrics';
import type { RunContext } from './run-context';

export class VuSession {
  private installed = false;
  private loggedIn = false;
  /** Users Moodle rejected in this VU: never retried (account lockout). */
  private readonly rejected = new Set<number>();

  constructor(
    private readonly ctx: RunContext,
    private readonly slot: SessionSlot,
  ) {}

  /** The user name of this VU's account (for the errors file; never the password). */
  get username(): string {
    return this.ctx.config.users[this.slot.user]?.username ?? '';
  }

  /** True when the VU holds a session, logging in first if it has none. */
  ensure(): boolean {
    if (!this.installed) {
      this.installed = true;
      if (this.slot.cookies !== null) {
        const jar = http.cookieJar();
        for (const name of Object.keys(this.slot.cookies)) jar.set(this.ctx.cookieUrl, name, this.slot.cookies[name] as string);
        this.loggedIn = true;
      }
    }
    if (this.loggedIn) return true;
    if (this.rejected.has(this.slot.user)) return false;
    const result = loginOnce(this.ctx, this.ctx.config.users[this.slot.user] as UserCredential, http.cookieJar());
    metrics.relogins.add(1, { outcome: result.ok ? 'success' : 'failure' });
    if (!result.ok && result.failure === 'invalid_login') this.rejected.add(this.slot.user);
    this.loggedIn = result.ok;
    return result.ok;
  }

  /** Moodle redirected a page to the login form: the session is gone. */
  lost(): void {
    this.loggedIn = false;
  }
}
