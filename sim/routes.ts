// Moodle's pages by path: the login flow (single-use logintoken tied to the session, session id
// regenerated at login, the testsession check, the invalid-login redirect), the pages the
// default config loads, 303s to the login page for visitors and to enrolment for courses the
// user is not enrolled in, and 404 error pages with Moodle's own messages. Assets and AJAX calls
// are browser-routes.ts's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveBrowserPart } from './browser-routes';
import { journeyRoute } from './journey-routes';
import type { ServedRequest } from './noise';
import { readBody } from './read-request';
import { errorReply, ExtraHeaders, LOGIN_PATH, pageReply, redirectReply, Reply, requireLogin, sendReply } from './replies';
import { SESSION_COOKIE, Session } from './sessions';
import type { Site } from './site';

/** Moodle user id of the first configured user (1 and 2 are the guest and the admin). */
const FIRST_USER_ID = 3;

/** The request being answered, as the routes see it. */
export interface Exchange extends ServedRequest {
  readonly session: Session;
}

/** `cookie` sets the session cookie when the request opened a new session (empty otherwise). */
export async function route(
  site: Site,
  req: IncomingMessage,
  res: ServerResponse,
  ex: Exchange,
  url: string,
  query: URLSearchParams,
  cookie: ExtraHeaders,
): Promise<void> {
  const { path, session } = ex;
  if (path === LOGIN_PATH) return sendReply(site, res, ex, await loginRoute(site, req, session, query, cookie));
  const journey = await journeyRoute(site, req, { path, url, query, session, cookie });
  if (journey !== undefined) return sendReply(site, res, ex, journey);
  const page = pageFor(site, ex, { url, query, cookie });
  if (page !== undefined) return sendReply(site, res, ex, page.reply, page.courseId ?? null);
  if (await serveBrowserPart(req, res, path, query, { loggedIn: session.userId !== null, sesskey: session.sesskey })) return;
  return sendReply(site, res, ex, errorReply(site, 404, 'Page not found', 'invalidurl', session, cookie));
}

/** What a page request asked for: the URL as sent, its query, and the session cookie to set (if new). */
interface Asked {
  readonly url: string;
  readonly query: URLSearchParams;
  readonly cookie: ExtraHeaders;
}

/** A page's reply, and the course it belongs to (its footer's figures depend on it). */
interface Page {
  readonly reply: Reply;
  readonly courseId?: number;
}

/** The reply of a Moodle page this simulator knows, or undefined for any other path. */
function pageFor(site: Site, ex: Exchange, asked: Asked): Page | undefined {
  const { session } = ex;
  const { cookie } = asked;
  const id = Number(asked.query.get('id') ?? NaN);
  const sesskey = session.sesskey;
  const pages = site.pages;
  // Every page but the front page and the error pages of missing ids sends visitors to log in.
  const member = (reply: () => Reply): Reply => (session.userId !== null ? reply() : requireLogin(site, session, asked.url, cookie));
  switch (ex.path) {
    case '/login/logout.php':
      session.userId = null;
      return { reply: redirectReply(site, '/', cookie) };
    case '/':
      return {
        reply: session.userId !== null ? redirectReply(site, '/my/', cookie) : pageReply('front', (f) => pages.front(sesskey, f), cookie),
      };
    case '/my/':
    case '/my/index.php':
      return { reply: member(() => pageReply('dashboard', (f) => pages.dashboard(sesskey, f), cookie)) };
    case '/course/view.php':
      return courseView(site, ex, asked);
    case '/mod/forum/view.php':
    case '/mod/page/view.php':
      return { reply: moduleView(site, ex, asked, member) };
    case '/user/profile.php':
      // Moodle answers an unknown user id with status 200 and an "Invalid user" alert.
      return {
        reply: member(() =>
          id >= 1 && id <= site.maxUserId
            ? pageReply('profile', (f) => pages.profile(id, sesskey, f), cookie)
            : pageReply('error', (f) => pages.invalidUser(sesskey, f), cookie),
        ),
      };
    case '/enrol/index.php':
      return { reply: member(() => pageReply('enrol', (f) => pages.enrol(id, sesskey, f), cookie)) };
    default:
      return undefined;
  }
}

function courseView(site: Site, ex: Exchange, asked: Asked): Page {
  const id = Number(asked.query.get('id') ?? NaN);
  const { session } = ex;
  const { cookie } = asked;
  if (!(id >= 2 && id <= site.maxCourseId)) {
    return { reply: errorReply(site, 404, 'Can&#039;t find data record in database table course.', 'invalidrecord', session, cookie) };
  }
  if (session.userId === null) return { reply: requireLogin(site, session, asked.url, cookie) };
  if (site.notEnrolled.has(id)) return { reply: redirectReply(site, `/enrol/index.php?id=${id}`, cookie) };
  return { reply: pageReply('course', (f) => site.pages.course(id, session.sesskey, f), cookie), courseId: id };
}

function moduleView(site: Site, ex: Exchange, asked: Asked, member: (reply: () => Reply) => Reply): Reply {
  const rawId = asked.query.get('id');
  const id = Number(rawId ?? NaN);
  const { session } = ex;
  const { cookie } = asked;
  const forum = ex.path === '/mod/forum/view.php';
  // Moodle's own message, with the id as given, in the error code link too.
  if (!(id >= 10 && id <= site.maxCmId)) {
    return forum
      ? errorReply(site, 404, `error/Unable to find forum with cmid ${rawId}`, `Unable to find forum with cmid ${rawId}`, session, cookie)
      : errorReply(site, 404, 'Invalid course module ID', 'invalidcoursemodule', session, cookie);
  }
  return member(() =>
    forum
      ? pageReply('forum', (f) => site.pages.forum(id, session.sesskey, f), cookie)
      : pageReply('page', (f) => site.pages.modPage(id, session.sesskey, f), cookie),
  );
}

/** /login/index.php: the form (GET), a login attempt (POST), or the testsession check after one. */
async function loginRoute(
  site: Site,
  req: IncomingMessage,
  session: Session,
  query: URLSearchParams,
  cookie: ExtraHeaders,
): Promise<Reply> {
  if (req.method === 'POST') return logIn(site, session, new URLSearchParams(await readBody(req)), cookie);
  const testsession = query.get('testsession');
  if (testsession !== null) return checkTestSession(site, session, testsession, cookie);
  const token = (session.token = site.sessions.newSecret(16));
  const failed = query.get('loginredirect') === '1';
  return pageReply(
    'login',
    (f) => (failed ? site.pages.loginFailed(token, session.sesskey, f) : site.pages.login(token, session.sesskey, f)),
    cookie,
  );
}

function logIn(site: Site, session: Session, form: URLSearchParams, cookie: ExtraHeaders): Reply {
  const username = form.get('username') ?? '';
  const index = site.users.findIndex((u) => u.username === username && u.password === form.get('password'));
  // The token is single-use: any attempt consumes it.
  const tokenOk = session.token !== null && form.get('logintoken') === session.token;
  session.token = null;
  const counts = site.counters.loginsOf(username);
  if (index < 0 || !tokenOk) {
    counts.failure++;
    return redirectReply(site, `${LOGIN_PATH}?loginredirect=1`, cookie);
  }
  counts.success++;
  const fresh = site.sessions.regenerate(session);
  fresh.userId = index + FIRST_USER_ID;
  const moodleId = site.sessions.newSecret(16);
  return redirectReply(site, `${LOGIN_PATH}?testsession=${fresh.userId}`, {
    'Set-Cookie': [`${SESSION_COOKIE}=${fresh.id}; path=/; HttpOnly`, `MOODLEID1_=${moodleId}; Max-Age=5184000; path=/; HttpOnly`],
  });
}

/** Moodle's check that the session cookie came back after login; then on to the page that asked for the login. */
function checkTestSession(site: Site, session: Session, testsession: string, cookie: ExtraHeaders): Reply {
  if (session.userId !== null && String(session.userId) === testsession) {
    const to = session.wantsUrl ?? '/my/';
    session.wantsUrl = null;
    return redirectReply(site, to, cookie);
  }
  return errorReply(site, 200, 'Cookies must be enabled in your browser', 'cookiesnotenabled', session, cookie);
}
