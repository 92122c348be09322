// What tests steer the simulator with: the control endpoints under /__sim/ (counters, reset,
// killing every session; not counted themselves), the same switches as methods of the running
// Simulator, and the planted faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimStats } from './counters';
import type { PageType, Regression } from './figures';
import { LOGIN_PATH } from './replies';
import type { Site } from './site';

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
  /** Plants (or, with zeros, removes) a regression on a page type. */
  setRegression(page: PageType, regression: Regression): void;
  /** A "regression" by path: this page does `reads` more DB reads (shown in the performance footer). */
  setExtraDbReads(path: string, reads: number): void;
}

export function controlsOf(site: Site): SimulatorControls {
  return {
    stats: () => site.counters.snapshot(site.sessions.size),
    resetStats: () => site.counters.reset(),
    killSessions: () => site.sessions.killAll(),
    secretsIssued: () => site.sessions.secretsIssued(),
    setRegression: (type, regression) => {
      site.noise.regressions[type] = regression;
    },
    setExtraDbReads: (path, reads) => site.noise.setExtraDbReads(path, reads),
    failNext: (count, status, retryAfterSec) => site.faults.failNext(count, status, retryAfterSec),
    setLatency: (path, ms) => {
      site.noise.latencyMs[path] = ms;
    },
  };
}

/** GET /__sim/stats, POST /__sim/kill-sessions, POST /__sim/reset-stats. */
export function serveControl(site: Site, req: IncomingMessage, res: ServerResponse, path: string): void {
  const json = (body: unknown) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (path === '/__sim/stats') return json(site.counters.snapshot(site.sessions.size));
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  if (path === '/__sim/kill-sessions') {
    site.sessions.killAll();
    return json({ ok: true });
  }
  if (path === '/__sim/reset-stats') {
    site.counters.reset();
    return json({ ok: true });
  }
  res.writeHead(404).end();
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
