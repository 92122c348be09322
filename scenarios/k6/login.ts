// Runs lib/login-flow.ts with k6's HTTP client: many sessions in parallel (setup) or one
// (a VU that lost its session). Each session has its own cookie jar. Login requests are
// tagged phase=login and never touch the load metrics.
import http, { CookieJar, RefinedResponse, ResponseType } from 'k6/http';
import type { UserCredential } from '../../lib/config';
import { advanceLogin, LoginFailureKind, LoginResponse, LoginStep, startLogin } from '../../lib/login-flow';
import type { FailedUser, LoginReport } from '../../lib/summary';
import type { RunContext } from './run-context';

export type SessionCookies = Record<string, string>;

export type LoginResult =
  | { readonly ok: true; readonly cookies: SessionCookies }
  | { readonly ok: false; readonly failure: LoginFailureKind; readonly detail: string };

interface Flow {
  readonly user: UserCredential;
  readonly jar: CookieJar;
  step: LoginStep;
}

const LOGIN_TAGS = { phase: 'login', name: 'moodle login' };

function toLoginResponse(res: RefinedResponse<ResponseType | undefined>): LoginResponse {
  return {
    status: res.status,
    location: res.headers.Location ?? null,
    body: typeof res.body === 'string' ? res.body : null,
    error: res.error,
    errorCode: res.error_code,
  };
}

/** Drives every flow to success or failure, one http.batch per step across all flows. */
function runFlows(ctx: RunContext, flows: Flow[]): void {
  const site = { loginUrl: ctx.loginUrl };
  const params = (jar: CookieJar) => ({ jar, redirects: 0, timeout: `${ctx.settings.loginTimeoutSec}s`, responseType: 'text' as const, tags: LOGIN_TAGS });
  let active = flows.filter((f) => f.step.kind === 'request');
  while (active.length > 0) {
    const batch = active.map((f) => {
      const step = f.step as Extract<LoginStep, { kind: 'request' }>;
      return { method: step.request.method, url: step.request.url, body: step.request.form ?? null, params: params(f.jar) };
    });
    const responses = http.batch(batch);
    active.forEach((f, i) => {
      const step = f.step as Extract<LoginStep, { kind: 'request' }>;
      f.step = advanceLogin(site, step.state, toLoginResponse(responses[i] as RefinedResponse<ResponseType | undefined>), f.user);
    });
    active = active.filter((f) => f.step.kind === 'request');
  }
}

function resultOf(ctx: RunContext, flow: Flow): LoginResult {
  const step = flow.step;
  if (step.kind === 'failure') return { ok: false, failure: step.failure, detail: step.detail };
  const cookies: SessionCookies = {};
  const found = flow.jar.cookiesForURL(ctx.cookieUrl);
  for (const name of Object.keys(found)) {
    const values = found[name];
    if (values && values.length > 0) cookies[name] = values[0] as string;
  }
  return { ok: true, cookies };
}

export function loginOnce(ctx: RunContext, user: UserCredential, jar: CookieJar): LoginResult {
  jar.clear(ctx.cookieUrl);
  const flow: Flow = { user, jar, step: startLogin({ loginUrl: ctx.loginUrl }) };
  runFlows(ctx, [flow]);
  return resultOf(ctx, flow);
}

/** One Moodle session per VU slot, assigned round-robin over users. */
export interface SessionSlot {
  /** Index into config.users of the account this slot logs in with (also on re-login). */
  user: number;
  cookies: SessionCookies | null;
}

export interface SessionsResult {
  readonly slots: SessionSlot[];
  readonly report: LoginReport;
  /** When no session logged in and every failure was a transport error or timeout: the first one. */
  readonly unreachable: string | null;
}

/**
 * Logs in `count` sessions in parallel. Users are assigned round-robin; slots whose user was
 * rejected are given, in a second wave, to users that did log in. A user Moodle rejected is
 * never tried again (failed logins count towards Moodle's account lockout).
 */
export function loginSessions(ctx: RunContext, count: number): SessionsResult {
  const users = ctx.config.users;
  const started = Date.now();
  const slots: SessionSlot[] = [];
  for (let i = 0; i < count; i++) slots.push({ user: i % users.length, cookies: null });
  const failedBy = new Map<number, { sessions: number; reason: string; kind: LoginFailureKind }>();

  const wave = (indexes: number[]) => {
    const flows: Flow[] = indexes.map((i) => ({ user: users[(slots[i] as SessionSlot).user] as UserCredential, jar: new http.CookieJar(), step: startLogin({ loginUrl: ctx.loginUrl }) }));
    runFlows(ctx, flows);
    flows.forEach((flow, n) => {
      const slot = slots[indexes[n] as number] as SessionSlot;
      const result = resultOf(ctx, flow);
      if (result.ok) {
        slot.cookies = result.cookies;
        return;
      }
      const prior = failedBy.get(slot.user);
      failedBy.set(slot.user, { sessions: (prior?.sessions ?? 0) + 1, reason: result.detail, kind: result.failure });
    });
  };

  wave(slots.map((_, i) => i));
  const good = [...new Set(slots.filter((s) => s.cookies !== null).map((s) => s.user))].sort((a, b) => a - b);
  const retry = slots.map((s, i) => (s.cookies === null ? i : -1)).filter((i) => i >= 0);
  if (retry.length > 0 && good.length > 0) {
    // Move the slots to users that work; a slot whose user only had a passing fault keeps it.
    retry.forEach((i, n) => {
      const slot = slots[i] as SessionSlot;
      if (failedBy.get(slot.user)?.kind === 'invalid_login' || !good.includes(slot.user)) slot.user = good[n % good.length] as number;
    });
    wave(retry);
  }

  const failedUsers: FailedUser[] = [...failedBy.entries()].map(([user, f]) => ({ username: (users[user] as UserCredential).username, sessions: f.sessions, reason: f.reason }));
  const failures = [...failedBy.values()];
  const noneIn = slots.every((s) => s.cookies === null);
  const unreachable = noneIn && failures.length > 0 && failures.every((f) => f.kind === 'transport' || f.kind === 'timeout') ? (failures[0]?.reason ?? null) : null;
  return {
    unreachable,
    slots,
    report: {
      attempted: count,
      loggedIn: slots.filter((s) => s.cookies !== null).length,
      seconds: (Date.now() - started) / 1000,
      failedUsers,
    },
  };
}
