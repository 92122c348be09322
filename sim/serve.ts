// One request from arrival to answer: control endpoints aside, it is counted, waits for a worker
// when the pool is limited, finds its session (or opens one), waits for the session lock, takes its server time, fails if a fault is planted,
// and goes to its route.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveControl } from './control';
import { readCookie } from './read-request';
import { errorReply, ExtraHeaders, sendReply } from './replies';
import { Exchange, route } from './routes';
import { leaveSession, LockTurn, NOT_HELD, queueOnSession, SESSION_COOKIE } from './sessions';
import type { Site } from './site';

/** An exchange that also holds its place in the session's queue. */
interface QueuedExchange extends Exchange, LockTurn {
  lockWaitMs: number;
}

export async function serveRequest(site: Site, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));

  if (path.startsWith('/__sim/')) return serveControl(site, req, res, path, q < 0 ? '' : url.slice(q + 1));
  site.counters.countPage(path);
  if (!site.workers) return serveInWorker(site, req, res, url, path, query);
  // The wait for a worker is time the client sees, not Moodle's: its timer starts once PHP runs.
  const release = await site.workers.take();
  try {
    await serveInWorker(site, req, res, url, path, query);
  } finally {
    release();
  }
}

/** What PHP does with the request: the session and its lock, the server time, the route. */
async function serveInWorker(
  site: Site,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const startedAt = performance.now();

  let session = site.sessions.get(readCookie(req, SESSION_COOKIE) ?? '');
  const cookie: ExtraHeaders = {};
  if (!session) {
    session = site.sessions.open();
    cookie['Set-Cookie'] = `${SESSION_COOKIE}=${session.id}; path=/; HttpOnly`;
  }
  const ex: QueuedExchange = { path, startedAt, lockWaitMs: 0, session, queued: false, release: NOT_HELD };
  await queueOnSession(ex, site.counters);
  if (ex.queued) ex.lockWaitMs = performance.now() - startedAt;
  try {
    const delay = site.noise.delayFor(path);
    if (delay > 0) await site.delays.sleep(delay);
    if (site.faults.take(path))
      return sendReply(site, res, ex, errorReply(site, site.faults.status, 'Service unavailable', 'fault', session, site.faults.headers()));
    await route(site, req, res, ex, url, query, cookie);
  } finally {
    leaveSession(ex);
  }
}

/** The pending server-time delays, cancelled on close so a stopped simulator holds nothing open. */
export class PendingDelays {
  private readonly timers = new Set<NodeJS.Timeout>();

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
