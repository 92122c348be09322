// A Moodle 4.5 simulator on 127.0.0.1: the login flow (single-use logintoken tied to the
// session, 303 chains, session id regenerated at login, invalid-login redirect), the pages
// the default config loads, 404 error pages, and counters a test compares with what the
// load generator reports. Control endpoints live under /__sim/ and are not counted.
import { randomBytes } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as pages from './pages';

export interface SimUser {
  readonly username: string;
  readonly password: string;
}

export interface SimOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly users?: readonly SimUser[];
  /** Extra delay before answering, per path ("/my/") or for every page ("*"), in ms. */
  readonly latencyMs?: Readonly<Record<string, number>>;
  /** Existing ids: courses 2..maxCourseId, course modules 10..maxCmId, users 1..maxUserId. */
  readonly maxCourseId?: number;
  readonly maxCmId?: number;
  readonly maxUserId?: number;
  /** Courses the users are not enrolled in: 303 to /enrol/index.php?id=N. */
  readonly notEnrolledCourses?: readonly number[];
  /** Keep every session id and login token handed out, for tests that search outputs for them. */
  readonly recordSecrets?: boolean;
  /** Serve HTTPS with this PEM key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** End every page with Moodle's performance footer (as with MDL_PERF_TEST), counts per page fixed. */
  readonly perfFooter?: boolean;
}

/** DB reads, writes and included files per page, fixed so tests can check exact figures. */
export const PAGE_COUNTS: Readonly<Record<string, readonly [number, number, number]>> = {
  '/login/index.php': [12, 0, 190],
  '/my/': [40, 1, 640],
  '/course/view.php': [34, 2, 620],
  '/mod/forum/view.php': [28, 0, 600],
  '/user/profile.php': [25, 0, 580],
  '/enrol/index.php': [18, 0, 450],
  '/': [15, 0, 400],
};
const OTHER_PAGE_COUNTS = [10, 0, 189] as const;

export const DEFAULT_USERS: readonly SimUser[] = [
  { username: 'perfuser01', password: 'pass01' },
  { username: 'perfuser02', password: 'pass02' },
];

export interface SimStats {
  /** Requests served per path (no query), control endpoints excluded. */
  readonly pages: Record<string, number>;
  /** Per path, responses per status code. */
  readonly statuses: Record<string, Record<string, number>>;
  /** POSTs to the login form per username, by result. */
  readonly logins: Record<string, { success: number; failure: number }>;
  /** Most requests ever in flight at once in one session (Moodle would serialise them). */
  readonly maxConcurrentPerSession: number;
  readonly sessions: number;
}

interface Session {
  readonly id: string;
  userId: number | null;
  token: string | null;
  readonly sesskey: string;
  wantsUrl: string | null;
  inflight: number;
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  readonly users: readonly SimUser[];
  stats(): SimStats;
  resetStats(): void;
  killSessions(): void;
  setLatency(path: string, ms: number): void;
  /** Session ids, sesskeys and login tokens handed out (only with recordSecrets). */
  secretsIssued(): string[];
  /** The next `count` page requests (login page excepted) answer `status`, with Retry-After if given. */
  failNext(count: number, status: number, retryAfterSec?: number): void;
  /** A "regression": this page does `reads` more DB reads (shown in the performance footer). */
  setExtraDbReads(path: string, reads: number): void;
  close(): Promise<void>;
}

const SESSION_COOKIE = 'MoodleSession';
const LOGIN_PATH = '/login/index.php';
const FIRST_USER_ID = 3;

function newId(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export async function startSimulator(options: SimOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const users = options.users ?? DEFAULT_USERS;
  const latency: Record<string, number> = { ...(options.latencyMs ?? {}) };
  const maxCourseId = options.maxCourseId ?? 500;
  const maxCmId = options.maxCmId ?? 2000;
  const maxUserId = options.maxUserId ?? 10000;
  const notEnrolled = new Set(options.notEnrolledCourses ?? []);
  const sessions = new Map<string, Session>();
  const secrets: string[] = [];
  const extraReads: Record<string, number> = {};
  /** Pending per-page delays, cancelled on close so a stopped simulator holds nothing open. */
  const delays = new Set<NodeJS.Timeout>();
  const fault = { remaining: 0, status: 503, retryAfterSec: undefined as number | undefined };
  let stats = emptyStats();
  let root = '';

  function emptyStats(): { pages: Record<string, number>; statuses: Record<string, Record<string, number>>; logins: Record<string, { success: number; failure: number }>; maxConcurrentPerSession: number } {
    return { pages: {}, statuses: {}, logins: {}, maxConcurrentPerSession: 0 };
  }

  function newSession(): Session {
    const s: Session = { id: newId(13), userId: null, token: null, sesskey: newId(5), wantsUrl: null, inflight: 0 };
    sessions.set(s.id, s);
    if (options.recordSecrets) secrets.push(s.id, s.sesskey);
    return s;
  }

  function send(res: ServerResponse, path: string, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
    const perPath = (stats.statuses[path] ??= {});
    perPath[status] = (perPath[status] ?? 0) + 1;
    if (options.perfFooter) body = withFooter(body, path, res);
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store, no-cache, must-revalidate', ...headers });
    res.end(body);
  }

  /** Started-at times of requests, for the footer's "secs" (the delay included). */
  const startedAt = new WeakMap<ServerResponse, number>();

  function withFooter(body: string, path: string, res: ServerResponse): string {
    const [reads, writes, files] = PAGE_COUNTS[path] ?? OTHER_PAGE_COUNTS;
    const secs = (performance.now() - (startedAt.get(res) ?? performance.now())) / 1000;
    const footer = pages.perfFooter({ secs, reads: reads + (extraReads[path] ?? 0), writes, dbSecs: secs / 4, ramPeakMb: 8.1, files });
    const end = body.lastIndexOf('</body>');
    return end < 0 ? body + footer : body.slice(0, end) + footer + body.slice(end);
  }

  function redirect(res: ServerResponse, path: string, to: string, headers: Record<string, string | string[]> = {}): void {
    const location = to.startsWith('http') ? to : root + to;
    send(res, path, 303, pages.redirectPage(location), { ...headers, Location: location, 'X-Redirect-By': 'Moodle' });
  }

  function requireLogin(res: ServerResponse, path: string, session: Session, url: string, cookie: Record<string, string>): void {
    session.wantsUrl = url;
    redirect(res, path, LOGIN_PATH, cookie);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));

    if (path.startsWith('/__sim/')) return control(req, res, path);
    stats.pages[path] = (stats.pages[path] ?? 0) + 1;
    if (options.perfFooter) startedAt.set(res, performance.now());

    let session = sessions.get(readCookie(req, SESSION_COOKIE) ?? '');
    const cookie: Record<string, string> = {};
    if (!session) {
      session = newSession();
      cookie['Set-Cookie'] = `${SESSION_COOKIE}=${session.id}; path=/; HttpOnly`;
    }
    session.inflight++;
    if (session.inflight > stats.maxConcurrentPerSession) stats.maxConcurrentPerSession = session.inflight;
    try {
      const delay = latency[path] ?? latency['*'] ?? 0;
      if (delay > 0) {
        await new Promise<void>((r) => {
          const timer = setTimeout(() => {
            delays.delete(timer);
            r();
          }, delay);
          delays.add(timer);
        });
      }
      if (fault.remaining > 0 && path !== LOGIN_PATH) {
        fault.remaining--;
        const headers: Record<string, string> = fault.retryAfterSec === undefined ? {} : { 'Retry-After': String(fault.retryAfterSec) };
        return send(res, path, fault.status, pages.errorPage('Service unavailable', 'fault'), headers);
      }
      await route(req, res, path, url, query, session, cookie);
    } finally {
      session.inflight--;
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string, url: string, query: URLSearchParams, session: Session, cookie: Record<string, string>): Promise<void> {
    const id = Number(query.get('id') ?? NaN);
    const loggedIn = session.userId !== null;
    switch (path) {
      case LOGIN_PATH:
        return loginPage(req, res, path, query, session, cookie);
      case '/login/logout.php':
        session.userId = null;
        return redirect(res, path, '/', cookie);
      case '/':
        return loggedIn ? redirect(res, path, '/my/', cookie) : send(res, path, 200, pages.frontPage(), cookie);
      case '/my/':
      case '/my/index.php':
        if (!loggedIn) return requireLogin(res, path, session, url, cookie);
        return send(res, path, 200, pages.dashboardPage(userOf(session).username, session.sesskey), cookie);
      case '/course/view.php':
        if (!(id >= 2 && id <= maxCourseId)) return send(res, path, 404, pages.errorPage("Can&#039;t find data record in database table course.", 'invalidrecord'), cookie);
        if (!loggedIn) return requireLogin(res, path, session, url, cookie);
        if (notEnrolled.has(id)) return redirect(res, path, `/enrol/index.php?id=${id}`, cookie);
        return send(res, path, 200, pages.coursePage(id, session.sesskey), cookie);
      case '/mod/forum/view.php':
        if (!(id >= 10 && id <= maxCmId)) return send(res, path, 404, pages.errorPage(`error/Unable to find forum with cmid ${query.get('id')}`, 'invalidcoursemodule'), cookie);
        if (!loggedIn) return requireLogin(res, path, session, url, cookie);
        return send(res, path, 200, pages.forumPage(id, session.sesskey), cookie);
      case '/user/profile.php':
        if (!loggedIn) return requireLogin(res, path, session, url, cookie);
        if (!(id >= 1 && id <= maxUserId)) return send(res, path, 200, pages.invalidUserPage(session.sesskey), cookie);
        return send(res, path, 200, pages.profilePage(id, session.sesskey), cookie);
      case '/enrol/index.php':
        if (!loggedIn) return requireLogin(res, path, session, url, cookie);
        return send(res, path, 200, pages.enrolPage(id), cookie);
      default:
        return send(res, path, 404, pages.errorPage('Page not found', 'invalidurl'), cookie);
    }
  }

  function userOf(session: Session): SimUser {
    return users[(session.userId as number) - FIRST_USER_ID] as SimUser;
  }

  async function loginPage(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, session: Session, cookie: Record<string, string>): Promise<void> {
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const username = form.get('username') ?? '';
      const index = users.findIndex((u) => u.username === username && u.password === form.get('password'));
      // The token is single-use: any attempt consumes it.
      const tokenOk = session.token !== null && form.get('logintoken') === session.token;
      session.token = null;
      const counts = (stats.logins[username] ??= { success: 0, failure: 0 });
      if (index < 0 || !tokenOk) {
        counts.failure++;
        return redirect(res, path, `${LOGIN_PATH}?loginredirect=1`, cookie);
      }
      counts.success++;
      // Moodle regenerates the session id at login: the old id is dead from now on.
      sessions.delete(session.id);
      const fresh = newSession();
      fresh.userId = index + FIRST_USER_ID;
      fresh.wantsUrl = session.wantsUrl;
      const moodleId = newId(16);
      if (options.recordSecrets) secrets.push(moodleId);
      return redirect(res, path, `${LOGIN_PATH}?testsession=${fresh.userId}`, {
        'Set-Cookie': [`${SESSION_COOKIE}=${fresh.id}; path=/; HttpOnly`, `MOODLEID1_=${moodleId}; Max-Age=5184000; path=/; HttpOnly`],
      });
    }
    const testsession = query.get('testsession');
    if (testsession !== null) {
      if (session.userId !== null && String(session.userId) === testsession) {
        const to = session.wantsUrl ?? '/my/';
        session.wantsUrl = null;
        return redirect(res, path, to, cookie);
      }
      return send(res, path, 200, pages.errorPage('Cookies must be enabled in your browser', 'cookiesnotenabled'), cookie);
    }
    session.token = newId(16);
    if (options.recordSecrets) secrets.push(session.token);
    return send(res, path, 200, pages.loginPage(root + LOGIN_PATH, session.token, query.get('loginredirect') === '1'), cookie);
  }

  function control(req: IncomingMessage, res: ServerResponse, path: string): void {
    const json = (body: unknown) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/__sim/stats') return json(snapshot());
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/__sim/kill-sessions') {
      sessions.clear();
      return json({ ok: true });
    }
    if (path === '/__sim/reset-stats') {
      stats = emptyStats();
      return json({ ok: true });
    }
    res.writeHead(404).end();
  }

  function snapshot(): SimStats {
    return { ...structuredClone(stats), sessions: sessions.size };
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  root = `${options.tls ? 'https' : 'http'}://${host}:${port}`;

  return {
    url: root,
    port,
    users,
    stats: snapshot,
    resetStats: () => {
      stats = emptyStats();
    },
    killSessions: () => sessions.clear(),
    secretsIssued: () => [...secrets],
    setExtraDbReads: (path, reads) => {
      extraReads[path] = reads;
    },
    failNext: (count, status, retryAfterSec) => {
      Object.assign(fault, { remaining: count, status, retryAfterSec });
    },
    setLatency: (p, ms) => {
      latency[p] = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of delays) clearTimeout(timer);
        delays.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
