// What tests steer the simulator with: the control endpoints under /__sim/ (counters, reset,
// killing every session, deploying a build, redrawing the machine's drift; not counted
// themselves), the same switches as methods of the running Simulator, and the planted faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CounterStats } from './counters';
import { PageType, parseRegression, Regression } from './figures';
import type { Deploy } from './noise';
import { LOGIN_PATH } from './replies';
import type { Site } from './site';

export type { Deploy } from './noise';

/** GET /__sim/stats: the counters, and the state of the machine and build that every page's server time depends on. */
export interface SimStats extends CounterStats {
  /** Live sessions of a logged-in user (Moodle's session store, rows with a userid). */
  readonly loggedInSessions: number;
  /** Extra server time of every response from the deployed build, in ms (before the drift factor). */
  readonly sharedSlowdownMs: number;
  /** This run's machine speed factor on every response's server time (1 without --drift). */
  readonly driftFactor: number;
  /** The worker pool (maxChildren): its size, requests that waited for a worker, the longest queue; null without a pool. */
  readonly workers: { readonly size: number; readonly waits: number; readonly maxQueued: number } | null;
}

export interface SimulatorControls {
  stats(): SimStats;
  resetStats(): void;
  killSessions(): void;
  /** A fixed extra delay for one path ("/my/") or every page ("*"). */
  setLatency(path: string, ms: number): void;
  /** Session ids, sesskeys and login tokens handed out (only with recordSecrets). */
  secretsIssued(): string[];
  /** The next `count` page requests (login page excepted) answer `status`, with Retry-After if given. */
  failNext(count: number, status: number, retryAfterSec?: number): void;
  /** The next `count` forum posts (reply or discussion) answer 200 with the form's validation error, and write nothing. */
  failJourneyPost(count: number): void;
  /** Plants (or, with zeros, removes) a regression on a page type. */
  setRegression(page: PageType, regression: Regression): void;
  /** A "regression" by path: this page does `reads` more DB reads (shown in the performance footer). */
  setExtraDbReads(path: string, reads: number): void;
  /** A new build and a new run: its shared slowdown and/or regressions, a new drift factor; sessions stay. */
  deploy(change?: Deploy): void;
  /** A new run on the same build: a new drift factor, returned (1 without a drift range). */
  redrawDrift(): number;
}

function statsOf(site: Site): SimStats {
  return {
    ...site.counters.snapshot(site.sessions.size),
    loggedInSessions: site.sessions.loggedIn,
    sharedSlowdownMs: site.noise.sharedSlowdownMs,
    driftFactor: site.noise.driftFactor,
    workers: site.workers ? { size: site.workers.size, waits: site.workers.waits, maxQueued: site.workers.maxQueued } : null,
  };
}

function resetStats(site: Site): void {
  site.counters.reset();
  site.workers?.resetCounts();
}

export function controlsOf(site: Site): SimulatorControls {
  return {
    stats: () => statsOf(site),
    resetStats: () => resetStats(site),
    killSessions: () => site.sessions.killAll(),
    secretsIssued: () => site.sessions.secretsIssued(),
    setRegression: (type, regression) => {
      site.noise.regressions[type] = regression;
    },
    setExtraDbReads: (path, reads) => site.noise.setExtraDbReads(path, reads),
    failNext: (count, status, retryAfterSec) => site.faults.failNext(count, status, retryAfterSec),
    failJourneyPost: (count) => {
      site.journeys.failPosts = count;
    },
    setLatency: (path, ms) => {
      site.noise.latencyMs[path] = ms;
    },
    deploy: (change = {}) => site.noise.deploy(change),
    redrawDrift: () => site.noise.redrawDrift(),
  };
}

/**
 * GET /__sim/stats, POST /__sim/kill-sessions, POST /__sim/reset-stats, POST /__sim/deploy, POST /__sim/drift.
 * `rawQuery` is the query as sent: deploy's regression specs carry plus signs that form decoding would turn into spaces.
 */
export function serveControl(site: Site, req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string): void {
  const json = (body: unknown, status = 200) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (path === '/__sim/stats') return json(statsOf(site));
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  switch (path) {
    case '/__sim/kill-sessions':
      site.sessions.killAll();
      return json({ ok: true });
    case '/__sim/reset-stats':
      resetStats(site);
      return json({ ok: true });
    case '/__sim/deploy':
      try {
        site.noise.deploy(deployOf(rawQuery));
      } catch (e) {
        return json({ error: (e as Error).message }, 400);
      }
      return json({ ok: true, ...machineOf(site), regressions: site.noise.regressions });
    case '/__sim/drift':
      site.noise.redrawDrift();
      return json({ ok: true, ...machineOf(site) });
    default:
      res.writeHead(404).end();
  }
}

function machineOf(site: Site): { sharedSlowdownMs: number; driftFactor: number } {
  return { sharedSlowdownMs: site.noise.sharedSlowdownMs, driftFactor: site.noise.driftFactor };
}

/**
 * `shared_ms=15` and `regress=PAGE:reads=+N,ms=+M` (repeatable, one per page type, as --regress;
 * `regress=` alone clears them). Throws an Error with a one-line message on anything else.
 */
export function deployOf(rawQuery: string): Deploy {
  let sharedSlowdownMs: number | undefined;
  let regressions: Partial<Record<PageType, Regression>> | undefined;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    if (key === 'shared_ms') {
      sharedSlowdownMs = Number(value);
      if (value.trim() === '' || !Number.isFinite(sharedSlowdownMs) || sharedSlowdownMs < 0)
        throw new Error(`shared_ms must be milliseconds >= 0, not ${JSON.stringify(value)}`);
    } else if (key === 'regress') {
      regressions ??= {};
      if (value === '') continue;
      const [page, regression] = parseRegression(value);
      if (regressions[page]) throw new Error(`regress: page type ${page} given twice`);
      regressions[page] = regression;
    } else {
      throw new Error(`unknown parameter ${JSON.stringify(key)} (shared_ms, regress)`);
    }
  }
  return { sharedSlowdownMs, regressions };
}

/** Planted failures: the next few page requests answer an error status instead of their page. */
export class FaultSwitch {
  private remaining = 0;
  private failStatus = 503;
  private retryAfterSec: number | undefined;

  failNext(count: number, status: number, retryAfterSec?: number): void {
    this.remaining = count;
    this.failStatus = status;
    this.retryAfterSec = retryAfterSec;
  }

  /** Whether this request fails, counting it off; the login page never does: the faults are for the load's page requests, not its logins. */
  take(path: string): boolean {
    if (this.remaining <= 0 || path === LOGIN_PATH) return false;
    this.remaining--;
    return true;
  }

  get status(): number {
    return this.failStatus;
  }

  headers(): Record<string, string> {
    return this.retryAfterSec === undefined ? {} : { 'Retry-After': String(this.retryAfterSec) };
  }
}
