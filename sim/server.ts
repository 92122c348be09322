// A Moodle 4.5 simulator on 127.0.0.1: the login flow (single-use logintoken tied to the
// session, 303 chains, session id regenerated at login, invalid-login redirect), the pages the
// default config loads (the bodies captured from a real Moodle, see pages.ts), 404 error pages,
// Moodle's session lock, and its per-request noise: DB reads drawn around each page's median,
// writes on session and lastaccess updates, server time with a spread (all from a seeded
// generator). Counters let a test compare what the load generator reports with what was
// served. Control endpoints live under /__sim/ and are not counted.
import { randomBytes } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { serveBrowserPart } from './browser-routes';
import { PAGE_FIGURES, PageType, pageTypeOfPath, Regression } from './figures';
import { drawLogNormal, drawReadOffset, Rng } from './noise';
import { loadPages, perfFooter } from './pages';

export interface SimUser {
  readonly username: string;
  readonly password: string;
}

/** Server time of a page before any fixed extra delay: log-normal around a median. */
export interface BaseLatency {
  readonly medianMs: number;
  /** Spread of the logarithm: 0.5 puts the 5th and 95th percentiles at 0.44x and 2.3x the median. */
  readonly sigma: number;
}

/** Small, so the tests stay fast; `--latency 50` gives a real small site's idle figure. */
export const DEFAULT_BASE_LATENCY: BaseLatency = { medianMs: 1, sigma: 0.5 };
export const DEFAULT_SEED = 1;

export interface SimOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly users?: readonly SimUser[];
  /** Every page's own server time, drawn per request (the median exactly with `exact`). */
  readonly baseLatency?: BaseLatency;
  /** A fixed extra delay on top, per path ("/my/") or for every page ("*"), in ms. */
  readonly latencyMs?: Readonly<Record<string, number>>;
  /** Seed of every draw (DB reads and writes, server time). */
  readonly seed?: number;
  /** No noise: every request does its page's median reads and writes and takes the median time. */
  readonly exact?: boolean;
  /** Planted regressions: these page types do more DB reads and/or take longer. */
  readonly regressions?: Readonly<Partial<Record<PageType, Regression>>>;
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
  /** Print Moodle's performance footer (as with MDL_PERF_TEST) in every page, redirects included. */
  readonly perfFooter?: boolean;
}

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
  /** Most requests ever in flight at once in one session (Moodle serialises them: see sessionLockWaits). */
  readonly maxConcurrentPerSession: number;
  /** Requests that had to wait for another request of their session to finish (Moodle's session lock). */
  readonly sessionLockWaits: number;
  readonly sessions: number;
}

interface Session {
  readonly id: string;
  userId: number | null;
  token: string | null;
  readonly sesskey: string;
  wantsUrl: string | null;
  inflight: number;
  /** Settles when the last request that asked for the session lock releases it. */
  lock: Promise<void>;
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  readonly users: readonly SimUser[];
  stats(): SimStats;
  resetStats(): void;
  killSessions(): void;
  /** A fixed extra delay for one path ("/my/") or every page ("*"). */
  setLatency(path: string, ms: number): void;
  /** Session ids, sesskeys and login tokens handed out (only with recordSecrets). */
  secretsIssued(): string[];
  /** The next `count` page requests (login page excepted) answer `status`, with Retry-After if given. */
  failNext(count: number, status: number, retryAfterSec?: number): void;
  /** Plants (or, with zeros, removes) a regression on a page type. */
  setRegression(page: PageType, regression: Regression): void;
  /** A "regression" by path: this page does `reads` more DB reads (shown in the performance footer). */
  setExtraDbReads(path: string, reads: number): void;
  close(): Promise<void>;
}

const SESSION_COOKIE = 'MoodleSession';
const LOGIN_PATH = '/login/index.php';
const FIRST_USER_ID = 3;
/** Moodle updates user.lastaccess and user_lastaccess at most once a minute (LASTACCESS_UPDATE_SECS). */
const LASTACCESS_UPDATE_MS = 60_000;
/** Share of requests that change the session's data, so the session handler writes it. */
const SESSION_WRITE_PROBABILITY = 0.1;
const MAX_WRITES = 3;
/** Share of server time spent in DB queries, drawn per request (the captured footers show 0.16 to 0.3). */
const DB_TIME_SHARE: readonly [number, number] = [0.15, 0.3];

/** Headers Moodle sends with each kind of response (captured, minus Date, Server and cookies). */
const NO_STORE = { 'Cache-Control': 'no-store, no-cache, must-revalidate, no-transform', Expires: 'Mon, 20 Aug 1969 09:23:00 GMT' };
const PRIVATE = { 'Cache-Control': 'private, pre-check=0, post-check=0, max-age=0, no-transform', Expires: '' };
const PAGE_HEADERS = { 'Content-Language': 'en', 'X-UA-Compatible': 'IE=edge', 'Accept-Ranges': 'none', 'X-Frame-Options': 'sameorigin' };
const REDIRECT_HEADERS = { 'Cache-Control': 'no-store, no-cache, must-revalidate', Expires: 'Thu, 19 Nov 1981 08:52:00 GMT', 'X-Redirect-By': 'Moodle', 'Content-Language': 'en' };
const HEADERS: Record<PageType, Record<string, string>> = {
  login: { ...NO_STORE, ...PAGE_HEADERS },
  course: { ...NO_STORE, ...PAGE_HEADERS },
  forum: { ...NO_STORE, ...PAGE_HEADERS },
  page: { ...NO_STORE, ...PAGE_HEADERS },
  dashboard: { ...PRIVATE, ...PAGE_HEADERS },
  profile: { ...PRIVATE, ...PAGE_HEADERS },
  enrol: { ...PRIVATE, ...PAGE_HEADERS },
  front: { ...PRIVATE, ...PAGE_HEADERS },
  error: { ...PRIVATE, ...PAGE_HEADERS },
  redirect: REDIRECT_HEADERS,
};

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

/** What a route answers: the body is built last, once the footer's figures are known. */
interface Reply {
  readonly status: number;
  readonly kind: PageType;
  readonly build: (footer: string) => Buffer;
  readonly headers?: Record<string, string | string[]>;
}

/** The request being answered: when it started, how long it waited for its session. */
interface Exchange {
  readonly path: string;
  readonly startedAt: number;
  lockWaitMs: number;
  readonly session: Session;
}

export async function startSimulator(options: SimOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const users = options.users ?? DEFAULT_USERS;
  const latency: Record<string, number> = { ...(options.latencyMs ?? {}) };
  const base = options.baseLatency ?? DEFAULT_BASE_LATENCY;
  const seed = options.seed ?? DEFAULT_SEED;
  const exact = options.exact ?? false;
  const regressions: Partial<Record<PageType, Regression>> = { ...(options.regressions ?? {}) };
  const maxCourseId = options.maxCourseId ?? 500;
  const maxCmId = options.maxCmId ?? 2000;
  const maxUserId = options.maxUserId ?? 10000;
  const notEnrolled = new Set(options.notEnrolledCourses ?? []);
  const sessions = new Map<string, Session>();
  const secrets: string[] = [];
  /** Pending per-page delays, cancelled on close so a stopped simulator holds nothing open. */
  const delays = new Set<NodeJS.Timeout>();
  const fault = { remaining: 0, status: 503, retryAfterSec: undefined as number | undefined };
  /** One generator per (purpose, page type): see noise.ts. */
  const streams = new Map<string, Rng>();
  const rng = (name: string): Rng => {
    let r = streams.get(name);
    if (!r) streams.set(name, (r = new Rng(seed, name)));
    return r;
  };
  /** When user.lastaccess (key "u") and user_lastaccess per course (key "u:c") were last written. */
  const lastAccessWrite = new Map<string, number>();
  let stats = emptyStats();
  let root = '';
  let pages: ReturnType<typeof loadPages>;

  function emptyStats() {
    return { pages: {} as Record<string, number>, statuses: {} as Record<string, Record<string, number>>, logins: {} as Record<string, { success: number; failure: number }>, maxConcurrentPerSession: 0, sessionLockWaits: 0 };
  }

  function newSession(): Session {
    const s: Session = { id: newId(13), userId: null, token: null, sesskey: newId(5), wantsUrl: null, inflight: 0, lock: Promise.resolve() };
    sessions.set(s.id, s);
    if (options.recordSecrets) secrets.push(s.id, s.sesskey);
    return s;
  }

  /** Writes beyond the page's own: lastaccess once a minute per user (and per user and course), session data. */
  function extraWrites(ex: Exchange, kind: PageType, courseId: number | null): number {
    const user = ex.session.userId;
    if (exact || user === null) return 0;
    let writes = 0;
    const now = Date.now();
    for (const key of courseId === null ? [`${user}`] : [`${user}`, `${user}:${courseId}`]) {
      if (now - (lastAccessWrite.get(key) ?? -Infinity) >= LASTACCESS_UPDATE_MS) {
        lastAccessWrite.set(key, now);
        writes++;
      }
    }
    if (rng(`session-write:${kind}`).next() < SESSION_WRITE_PROBABILITY) writes++;
    return writes;
  }

  function footerFor(ex: Exchange, kind: PageType, courseId: number | null): string {
    const f = PAGE_FIGURES[kind];
    const regression = pageTypeOfPath(ex.path) === kind ? regressions[kind] : undefined;
    const reads = f.reads + (exact ? 0 : drawReadOffset(rng(`reads:${kind}`))) + (regression?.reads ?? 0);
    const writes = Math.min(MAX_WRITES, f.writes + extraWrites(ex, kind, courseId));
    const secs = (performance.now() - ex.startedAt) / 1000;
    const [lo, hi] = DB_TIME_SHARE;
    const share = exact ? (lo + hi) / 2 : lo + (hi - lo) * rng(`db-time:${kind}`).next();
    const dbSecs = Math.max(0, secs - ex.lockWaitMs / 1000) * share;
    return perfFooter({ secs, ramMb: f.ramMb, ramPeakMb: f.ramPeakMb, files: f.files, strings: f.strings, reads, writes, dbSecs, sessionWaitSecs: ex.lockWaitMs / 1000 });
  }

  function send(res: ServerResponse, ex: Exchange, reply: Reply, courseId: number | null = null): void {
    const perPath = (stats.statuses[ex.path] ??= {});
    perPath[reply.status] = (perPath[reply.status] ?? 0) + 1;
    const body = reply.build(options.perfFooter ? footerFor(ex, reply.kind, courseId) : '');
    res.writeHead(reply.status, { 'Content-Type': 'text/html; charset=utf-8', ...HEADERS[reply.kind], ...(reply.headers ?? {}) });
    res.end(body);
  }

  const page = (kind: PageType, build: (footer: string) => Buffer, headers?: Record<string, string | string[]>, status = 200): Reply => ({ status, kind, build, headers });

  function redirect(to: string, headers: Record<string, string | string[]> = {}): Reply {
    const location = to.startsWith('http') ? to : root + to;
    return { status: 303, kind: 'redirect', build: (footer) => pages.redirect(location, footer), headers: { ...headers, Location: location } };
  }

  function error(status: number, message: string, errorcode: string, session: Session, cookie: Record<string, string>): Reply {
    return page('error', (footer) => pages.error(message, errorcode, session.userId !== null, session.sesskey, footer), cookie, status);
  }

  function requireLogin(session: Session, url: string, cookie: Record<string, string>): Reply {
    session.wantsUrl = url;
    return redirect(LOGIN_PATH, cookie);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.add(timer);
    });
  }

  /** This request's server time before it answers: the drawn base, the fixed extra, a planted regression. */
  function delayFor(path: string): number {
    const type = pageTypeOfPath(path);
    const drawn = exact ? base.medianMs : drawLogNormal(rng(`latency:${type ?? 'other'}`), base.medianMs, base.sigma);
    return drawn + (latency[path] ?? latency['*'] ?? 0) + (type ? (regressions[type]?.ms ?? 0) : 0);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));

    if (path.startsWith('/__sim/')) return control(req, res, path);
    stats.pages[path] = (stats.pages[path] ?? 0) + 1;
    const startedAt = performance.now();

    let session = sessions.get(readCookie(req, SESSION_COOKIE) ?? '');
    const cookie: Record<string, string> = {};
    if (!session) {
      session = newSession();
      cookie['Set-Cookie'] = `${SESSION_COOKIE}=${session.id}; path=/; HttpOnly`;
    }
    session.inflight++;
    if (session.inflight > stats.maxConcurrentPerSession) stats.maxConcurrentPerSession = session.inflight;
    // Moodle's session lock: a request of a session starts only when the one before it is done.
    const previous = session.lock;
    let release = () => {};
    session.lock = new Promise<void>((r) => (release = r));
    const contended = session.inflight > 1;
    if (contended) stats.sessionLockWaits++;
    await previous;
    const ex: Exchange = { path, startedAt, lockWaitMs: contended ? performance.now() - startedAt : 0, session };
    try {
      const delay = delayFor(path);
      if (delay > 0) await sleep(delay);
      if (fault.remaining > 0 && path !== LOGIN_PATH) {
        fault.remaining--;
        const headers: Record<string, string> = fault.retryAfterSec === undefined ? {} : { 'Retry-After': String(fault.retryAfterSec) };
        return send(res, ex, error(fault.status, 'Service unavailable', 'fault', session, headers));
      }
      await route(req, res, ex, url, query, cookie);
    } finally {
      session.inflight--;
      release();
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, ex: Exchange, url: string, query: URLSearchParams, cookie: Record<string, string>): Promise<void> {
    const { path, session } = ex;
    const rawId = query.get('id');
    const id = Number(rawId ?? NaN);
    const loggedIn = session.userId !== null;
    const sesskey = session.sesskey;
    switch (path) {
      case LOGIN_PATH:
        return send(res, ex, await loginPage(req, ex, query, cookie));
      case '/login/logout.php':
        session.userId = null;
        return send(res, ex, redirect('/', cookie));
      case '/':
        return send(res, ex, loggedIn ? redirect('/my/', cookie) : page('front', (f) => pages.front(sesskey, f), cookie));
      case '/my/':
      case '/my/index.php':
        if (!loggedIn) return send(res, ex, requireLogin(session, url, cookie));
        return send(res, ex, page('dashboard', (f) => pages.dashboard(sesskey, f), cookie));
      case '/course/view.php':
        if (!(id >= 2 && id <= maxCourseId)) return send(res, ex, error(404, 'Can&#039;t find data record in database table course.', 'invalidrecord', session, cookie));
        if (!loggedIn) return send(res, ex, requireLogin(session, url, cookie));
        if (notEnrolled.has(id)) return send(res, ex, redirect(`/enrol/index.php?id=${id}`, cookie));
        return send(res, ex, page('course', (f) => pages.course(id, sesskey, f), cookie), id);
      case '/mod/forum/view.php':
      case '/mod/page/view.php': {
        const forum = path === '/mod/forum/view.php';
        // Moodle's own message, with the id as given, in the error code link too.
        if (!(id >= 10 && id <= maxCmId)) return send(res, ex, forum ? error(404, `error/Unable to find forum with cmid ${rawId}`, `Unable to find forum with cmid ${rawId}`, session, cookie) : error(404, 'Invalid course module ID', 'invalidcoursemodule', session, cookie));
        if (!loggedIn) return send(res, ex, requireLogin(session, url, cookie));
        return send(res, ex, forum ? page('forum', (f) => pages.forum(id, sesskey, f), cookie) : page('page', (f) => pages.modPage(id, sesskey, f), cookie));
      }
      case '/user/profile.php':
        if (!loggedIn) return send(res, ex, requireLogin(session, url, cookie));
        // Moodle answers an unknown user id with status 200 and an "Invalid user" alert.
        if (!(id >= 1 && id <= maxUserId)) return send(res, ex, page('error', (f) => pages.invalidUser(sesskey, f), cookie));
        return send(res, ex, page('profile', (f) => pages.profile(id, sesskey, f), cookie));
      case '/enrol/index.php':
        if (!loggedIn) return send(res, ex, requireLogin(session, url, cookie));
        return send(res, ex, page('enrol', (f) => pages.enrol(id, sesskey, f), cookie));
      default:
        if (await serveBrowserPart(req, res, path, query, { loggedIn, sesskey })) return;
        return send(res, ex, error(404, 'Page not found', 'invalidurl', session, cookie));
    }
  }

  async function loginPage(req: IncomingMessage, ex: Exchange, query: URLSearchParams, cookie: Record<string, string>): Promise<Reply> {
    const session = ex.session;
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
        return redirect(`${LOGIN_PATH}?loginredirect=1`, cookie);
      }
      counts.success++;
      // Moodle regenerates the session id at login: the old id is dead from now on.
      sessions.delete(session.id);
      const fresh = newSession();
      fresh.userId = index + FIRST_USER_ID;
      fresh.wantsUrl = session.wantsUrl;
      const moodleId = newId(16);
      if (options.recordSecrets) secrets.push(moodleId);
      return redirect(`${LOGIN_PATH}?testsession=${fresh.userId}`, {
        'Set-Cookie': [`${SESSION_COOKIE}=${fresh.id}; path=/; HttpOnly`, `MOODLEID1_=${moodleId}; Max-Age=5184000; path=/; HttpOnly`],
      });
    }
    const testsession = query.get('testsession');
    if (testsession !== null) {
      if (session.userId !== null && String(session.userId) === testsession) {
        const to = session.wantsUrl ?? '/my/';
        session.wantsUrl = null;
        return redirect(to, cookie);
      }
      return error(200, 'Cookies must be enabled in your browser', 'cookiesnotenabled', session, cookie);
    }
    const token = (session.token = newId(16));
    if (options.recordSecrets) secrets.push(token);
    const failed = query.get('loginredirect') === '1';
    return page('login', (f) => (failed ? pages.loginFailed(token, session.sesskey, f) : pages.login(token, session.sesskey, f)), cookie);
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
  pages = loadPages(root);

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
    setRegression: (type, regression) => {
      regressions[type] = regression;
    },
    setExtraDbReads: (path, reads) => {
      const type = pageTypeOfPath(path);
      if (type === null) throw new Error(`setExtraDbReads: ${path} is not a page the simulator serves`);
      regressions[type] = { ms: regressions[type]?.ms ?? 0, reads };
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
