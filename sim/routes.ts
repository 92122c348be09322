// Moodle's pages by path: the login flow (single-use logintoken tied to the session, session id
// regenerated at login, the testsession check, the invalid-login redirect), the pages the
// default config loads, 303s to the login page for visitors and to enrolment for courses the
// user is not enrolled in, and 404 error pages with Moodle's own messages. Assets and AJAX calls
// are browser-routes.ts's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveBrowserPart } from './browser-routes';
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
  const rawId = query.get('id');
  const id = Number(rawId ?? NaN);
  const loggedIn = session.userId !== null;
  const sesskey = session.sesskey;
  const pages = site.pages;
  switch (path) {
    case LOGIN_PATH:
      return sendReply(site, res, ex, await loginRoute(site, req, session, query, cookie));
    case '/login/logout.php':
      session.userId = null;
      return sendReply(site, res, ex, redirectReply(site, '/', cookie));
    case '/':
      return sendReply(
        site,
        res,
        ex,
        loggedIn ? redirectReply(site, '/my/', cookie) : pageReply('front', (f) => pages.front(sesskey, f), cookie),
      );
    case '/my/':
    case '/my/index.php':
      if (!loggedIn) return sendReply(site, res, ex, requireLogin(site, session, url, cookie));
      return sendReply(
        site,
        res,
        ex,
        pageReply('dashboard', (f) => pages.dashboard(sesskey, f), cookie),
      );
    case '/course/view.php':
      if (!(id >= 2 && id <= site.maxCourseId))
        return sendReply(
          site,
          res,
          ex,
          errorReply(site, 404, 'Can&#039;t find data record in database table course.', 'invalidrecord', session, cookie),
        );
      if (!loggedIn) return sendReply(site, res, ex, requireLogin(site, session, url, cookie));
      if (site.notEnrolled.has(id)) return sendReply(site, res, ex, redirectReply(site, `/enrol/index.php?id=${id}`, cookie));
      return sendReply(
        site,
        res,
        ex,
        pageReply('course', (f) => pages.course(id, sesskey, f), cookie),
        id,
      );
    case '/mod/forum/view.php':
    case '/mod/page/view.php': {
      const forum = path === '/mod/forum/view.php';
      // Moodle's own message, with the id as given, in the error code link too.
      if (!(id >= 10 && id <= site.maxCmId))
        return sendReply(
          site,
          res,
          ex,
          forum
            ? errorReply(
                site,
                404,
                `error/Unable to find forum with cmid ${rawId}`,
                `Unable to find forum with cmid ${rawId}`,
                session,
                cookie,
              )
            : errorReply(site, 404, 'Invalid course module ID', 'invalidcoursemodule', session, cookie),
        );
      if (!loggedIn) return sendReply(site, res, ex, requireLogin(site, session, url, cookie));
      return sendReply(
        site,
        res,
        ex,
        forum
          ? pageReply('forum', (f) => pages.forum(id, sesskey, f), cookie)
          : pageReply('page', (f) => pages.modPage(id, sesskey, f), cookie),
      );
    }
    case '/user/profile.php':
      if (!loggedIn) return sendReply(site, res, ex, requireLogin(site, session, url, cookie));
      // Moodle answers an unknown user id with status 200 and an "Invalid user" alert.
      if (!(id >= 1 && id <= site.maxUserId))
        return sendReply(
          site,
          res,
          ex,
          pageReply('error', (f) => pages.invalidUser(sesskey, f), cookie),
        );
      return sendReply(
        site,
        res,
        ex,
        pageReply('profile', (f) => pages.profile(id, sesskey, f), cookie),
      );
    case '/enrol/index.php':
      if (!loggedIn) return sendReply(site, res, ex, requireLogin(site, session, url, cookie));
      return sendReply(
        site,
        res,
        ex,
        pageReply('enrol', (f) => pages.enrol(id, sesskey, f), cookie),
      );
    default:
      if (await serveBrowserPart(req, res, path, query, { loggedIn, sesskey })) return;
      return sendReply(site, res, ex, errorReply(site, 404, 'Page not found', 'invalidurl', session, cookie));
  }
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
