// How the simulator answers a page request: a reply names its status and kind of page, and its
// body is built last, once the performance footer's figures are known (they include the time
// spent so far). Sending counts the status and sets the headers Moodle sends with that kind.
import type { ServerResponse } from 'node:http';
import type { PageType } from './figures';
import type { OwnFigures, ServedRequest } from './noise';
import { perfFooter } from './pages';
import type { Session } from './sessions';
import type { Site } from './site';

export const LOGIN_PATH = '/login/index.php';

export type ExtraHeaders = Record<string, string | string[]>;

export interface Reply {
  readonly status: number;
  readonly kind: PageType;
  readonly build: (footer: string) => Buffer;
  readonly headers?: ExtraHeaders;
  /** The footer's figures when the page has its own (a journey's page), not its kind's. */
  readonly own?: OwnFigures;
}

/** Headers Moodle sends with each kind of response (captured, minus Date, Server and cookies). */
const NO_STORE = { 'Cache-Control': 'no-store, no-cache, must-revalidate, no-transform', Expires: 'Mon, 20 Aug 1969 09:23:00 GMT' };
const PRIVATE = { 'Cache-Control': 'private, pre-check=0, post-check=0, max-age=0, no-transform', Expires: '' };
const PAGE_HEADERS = { 'Content-Language': 'en', 'X-UA-Compatible': 'IE=edge', 'Accept-Ranges': 'none', 'X-Frame-Options': 'sameorigin' };
const REDIRECT_HEADERS = {
  'Cache-Control': 'no-store, no-cache, must-revalidate',
  Expires: 'Thu, 19 Nov 1981 08:52:00 GMT',
  'X-Redirect-By': 'Moodle',
  'Content-Language': 'en',
};
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

/** `courseId` is the course the page shows, for the per-course lastaccess write. */
export function sendReply(site: Site, res: ServerResponse, req: ServedRequest, reply: Reply, courseId: number | null = null): void {
  site.counters.countStatus(req.path, reply.status);
  const body = reply.build(site.perfFooter ? perfFooter(site.noise.footerFigures(req, reply.kind, courseId, reply.own)) : '');
  res.writeHead(reply.status, { 'Content-Type': 'text/html; charset=utf-8', ...HEADERS[reply.kind], ...(reply.headers ?? {}) });
  res.end(body);
}

export function pageReply(kind: PageType, build: (footer: string) => Buffer, headers?: ExtraHeaders, status = 200): Reply {
  return { status, kind, build, headers };
}

/** A 303 to a path of this site or to a full URL. */
export function redirectReply(site: Site, to: string, headers: ExtraHeaders = {}): Reply {
  const location = to.startsWith('http') ? to : site.root + to;
  return {
    status: 303,
    kind: 'redirect',
    build: (footer) => site.pages.redirect(location, footer),
    headers: { ...headers, Location: location },
  };
}

/** Moodle's error page, with the chrome of a logged-in user or of a visitor. */
export function errorReply(site: Site, status: number, message: string, errorcode: string, session: Session, headers: ExtraHeaders): Reply {
  return pageReply(
    'error',
    (footer) => site.pages.error(message, errorcode, session.userId !== null, session.sesskey, footer),
    headers,
    status,
  );
}

/** Moodle's require_login: back to this URL after logging in. */
export function requireLogin(site: Site, session: Session, url: string, headers: ExtraHeaders): Reply {
  session.wantsUrl = url;
  return redirectReply(site, LOGIN_PATH, headers);
}
