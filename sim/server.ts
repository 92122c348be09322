// A Moodle 4.5 simulator on 127.0.0.1: the login flow, the pages the default config loads (the
// bodies captured from a real Moodle, see pages.ts), 404 error pages, Moodle's session lock, and
// its per-request noise (noise.ts). Counters let a test compare what the load generator reports
// with what was served; control endpoints live under /__sim/ and are not counted. This file puts
// the parts together: sessions.ts, serve.ts (one request), routes.ts, replies.ts, control.ts.
import http, { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { controlsOf, FaultSwitch, SimulatorControls } from './control';
import { Counters } from './counters';
import type { PageType, Regression } from './figures';
import { BaseLatency, DEFAULT_BASE_LATENCY, DEFAULT_SEED, DriftRange, NoiseModel } from './noise';
import { loadJourneyPages } from './journey-pages';
import { JourneyState } from './journey-state';
import { loadPages } from './pages';
import { PendingDelays, serveRequest } from './serve';
import { SessionStore } from './sessions';
import type { SimUser, Site } from './site';
import { WorkerPool } from './worker-pool';

export type { Deploy, SimStats } from './control';
export type { SimUser } from './site';
export { DEFAULT_BASE_LATENCY, DEFAULT_SEED };
export type { BaseLatency, DriftRange };

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
  /** Extra server time of every response, login, redirects and error pages included (code every page runs), in ms. */
  readonly sharedSlowdownMs?: number;
  /** The machine's drift between runs: each run's factor on every server time, drawn from this range (none: 1). */
  readonly drift?: DriftRange;
  /** PHP-FPM's pm.max_children: at most this many requests served at once, the rest queue first come first served (none: no limit). */
  readonly maxChildren?: number;
}

export const DEFAULT_USERS: readonly SimUser[] = [
  { username: 'perfuser01', password: 'pass01' },
  { username: 'perfuser02', password: 'pass02' },
];

export interface Simulator extends SimulatorControls {
  readonly url: string;
  readonly port: number;
  readonly users: readonly SimUser[];
  close(): Promise<void>;
}

export async function startSimulator(options: SimOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  // Requests cannot arrive before listen() has resolved, and the site is built right after it.
  let site: Site | undefined;
  const server = createServer(options.tls, (req, res) => serveRequest(site as Site, req, res));
  const port = await listen(server, options.port ?? 0, host);
  const root = `${options.tls ? 'https' : 'http'}://${host}:${port}`;
  site = buildSite(options, root);
  const delays = site.delays;
  return {
    url: root,
    port,
    users: site.users,
    ...controlsOf(site),
    close: () =>
      new Promise<void>((resolve) => {
        delays.cancelAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function buildSite(options: SimOptions, root: string): Site {
  return {
    root,
    pages: loadPages(root),
    users: options.users ?? DEFAULT_USERS,
    maxCourseId: options.maxCourseId ?? 500,
    maxCmId: options.maxCmId ?? 2000,
    maxUserId: options.maxUserId ?? 10000,
    notEnrolled: new Set(options.notEnrolledCourses ?? []),
    perfFooter: options.perfFooter ?? false,
    sessions: new SessionStore(options.recordSecrets ?? false),
    counters: new Counters(),
    noise: new NoiseModel({
      seed: options.seed ?? DEFAULT_SEED,
      exact: options.exact ?? false,
      baseLatency: options.baseLatency ?? DEFAULT_BASE_LATENCY,
      latencyMs: options.latencyMs ?? {},
      regressions: options.regressions ?? {},
      sharedSlowdownMs: options.sharedSlowdownMs ?? 0,
      drift: options.drift ?? null,
    }),
    faults: new FaultSwitch(),
    delays: new PendingDelays(),
    journeyPages: loadJourneyPages(root),
    journeys: new JourneyState(),
    workers: options.maxChildren === undefined ? null : new WorkerPool(options.maxChildren),
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** An HTTP or HTTPS server whose failed requests answer 500 with the error. */
function createServer(tls: SimOptions['tls'], handle: Handler): http.Server {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 120_000;
  return server;
}

/** Listens and returns the port (the one the system picked for port 0). */
async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
