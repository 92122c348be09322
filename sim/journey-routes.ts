// The pages and form posts of the built-in journeys, as Moodle 4.5.6 answers them
// (docs/journey-pages.md): a quiz attempt (view, start or continue, two pages, summary, finish,
// review), a reply and a new discussion in the journeys' forum, an assignment's online text saved
// as a draft and submitted. Logged-in users only; every POST checks the sesskey. What the posts
// write is kept in the site's JourneyState and counted in its Counters' `created`.
import type { IncomingMessage } from 'node:http';
import type { PageType } from './figures';
import type { JourneyPageName, JourneyPostName, JourneyValues } from './journey-pages';
import { JOURNEY_FORUM, QUIZ_PAGES, QuizAttempt } from './journey-state';
import { readBody } from './read-request';
import { errorReply, ExtraHeaders, pageReply, redirectReply, Reply, requireLogin } from './replies';
import type { Session } from './sessions';
import type { Site } from './site';

/** What the journey routes need of a request. */
export interface JourneyAsked {
  readonly path: string;
  readonly url: string;
  readonly query: URLSearchParams;
  readonly session: Session;
  readonly cookie: ExtraHeaders;
}

/** One request in a logged-in session: the user, the form it posted (POST) and how to answer. */
interface Ctx {
  readonly site: Site;
  readonly asked: JourneyAsked;
  readonly user: number;
  /** The posted form, or null for a GET. */
  readonly form: URLSearchParams | null;
}

const JOURNEY_PATHS = new Set([
  '/mod/quiz/view.php',
  '/mod/quiz/startattempt.php',
  '/mod/quiz/attempt.php',
  '/mod/quiz/processattempt.php',
  '/mod/quiz/summary.php',
  '/mod/quiz/review.php',
  '/mod/forum/discuss.php',
  '/mod/forum/post.php',
  '/mod/assign/view.php',
]);

const INVALID_SESSKEY =
  'Your session has most likely timed out. Please check if you are logged in or go back to the previous screen and reload the page.';

/** The journeys' reply to this request, or undefined when it is not a journey page. */
export async function journeyRoute(site: Site, req: IncomingMessage, asked: JourneyAsked): Promise<Reply | undefined> {
  if (!JOURNEY_PATHS.has(asked.path) && !isJourneyForum(asked)) return undefined;
  const { session } = asked;
  if (session.userId === null) return requireLogin(site, session, asked.url, asked.cookie);
  const form = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : null;
  const c: Ctx = { site, asked, user: session.userId, form };
  if (form !== null && form.get('sesskey') !== session.sesskey) {
    return asked.path.startsWith('/mod/quiz/')
      ? page(c, 'badSesskey', { cmid: num(form.get('cmid') ?? asked.query.get('cmid')) }, 404)
      : errorReply(site, 404, INVALID_SESSKEY, 'invalidsesskey', session, asked.cookie);
  }
  if (asked.path.startsWith('/mod/quiz/')) return quizRoute(c);
  if (asked.path.startsWith('/mod/forum/')) return forumRoute(c);
  return assignRoute(c);
}

/** The journeys' forum view (by course module id, or by instance as Moodle's redirects give it). */
function isJourneyForum(asked: JourneyAsked): boolean {
  return (
    asked.path === '/mod/forum/view.php' &&
    (num(asked.query.get('id')) === JOURNEY_FORUM.cmid ||
      (asked.query.get('id') === null && num(asked.query.get('f')) === JOURNEY_FORUM.instance))
  );
}

const num = (s: string | null | undefined): number => (s === null || s === undefined || s.trim() === '' ? NaN : Number(s));

/** A journey page with these ids (the others as captured; they are not in its text). */
function page(c: Ctx, name: JourneyPageName, ids: Partial<Omit<JourneyValues, 'sesskey' | 'user'>>, status = 200): Reply {
  const p = c.site.journeyPages.pages[name];
  const v: JourneyValues = {
    sesskey: c.asked.session.sesskey,
    user: c.user,
    cmid: 0,
    attempt: 0,
    usage: 0,
    discussion: 0,
    post: 0,
    ...ids,
  };
  const kind: PageType = status >= 400 ? 'error' : 'page';
  return {
    ...pageReply(kind, (footer) => p.render(v, footer), c.asked.cookie, status),
    own: { stream: `journey:${name}`, figures: p.figures },
  };
}

/** A form post's 303, with the figures of its captured post. */
function redirect(c: Ctx, post: JourneyPostName, to: string): Reply {
  return { ...redirectReply(c.site, to, c.asked.cookie), own: { stream: `journey:${post}`, figures: c.site.journeyPages.posts[post] } };
}

function error(c: Ctx, message: string, code: string): Reply {
  return errorReply(c.site, 404, message, code, c.asked.session, c.asked.cookie);
}

const knownCm = (c: Ctx, id: number): boolean => Number.isInteger(id) && id >= 10 && id <= c.site.maxCmId;

// --- quiz -------------------------------------------------------------------------------------

/** Moodle leaves page 0 out of an attempt's URL. */
const attemptUrl = (a: QuizAttempt, pageNo: number) =>
  `/mod/quiz/attempt.php?attempt=${a.id}&cmid=${a.cmid}${pageNo === 0 ? '' : `&page=${pageNo}`}`;

function quizRoute(c: Ctx): Reply {
  const { site, asked, user, form } = c;
  const state = site.journeys;
  if (asked.path === '/mod/quiz/view.php') {
    const cmid = num(asked.query.get('id'));
    if (!knownCm(c, cmid)) return error(c, 'Invalid course module ID', 'invalidcoursemodule');
    const current = state.attemptInProgress(user, cmid);
    if (current) return page(c, 'quizViewInProgress', { cmid, attempt: current.id, usage: current.usage });
    return page(c, state.finishedAttemptOf(user, cmid) ? 'quizViewFinished' : 'quizView', { cmid });
  }
  if (asked.path === '/mod/quiz/startattempt.php') {
    const cmid = num(form?.get('cmid') ?? asked.query.get('cmid'));
    if (form === null || !knownCm(c, cmid)) return error(c, 'Invalid course module ID', 'invalidcoursemodule');
    // An attempt in progress is continued at its page, as Moodle does; otherwise a new one.
    const current = state.attemptInProgress(user, cmid);
    if (current) return redirect(c, 'quizContinue', attemptUrl(current, current.page));
    const a = state.startAttempt(user, cmid);
    site.counters.created.quiz_attempts++;
    return redirect(c, 'quizStart', attemptUrl(a, 0));
  }
  const a = state.attemptOf(user, num(form?.get('attempt') ?? asked.query.get('attempt')));
  if (!a) return error(c, 'No attempt with that id exists', 'invalidattemptid');
  const ids = { cmid: a.cmid, attempt: a.id, usage: a.usage };
  const review = `/mod/quiz/review.php?attempt=${a.id}&cmid=${a.cmid}`;
  const summary = `/mod/quiz/summary.php?attempt=${a.id}&cmid=${a.cmid}`;
  switch (asked.path) {
    case '/mod/quiz/attempt.php': {
      // A finished attempt's pages go to its review, as Moodle's attempt.php does.
      if (a.finished) return redirectReply(site, review, asked.cookie);
      const p = Math.min(QUIZ_PAGES - 1, Math.max(0, Math.trunc(num(asked.query.get('page')) || 0)));
      a.page = p;
      return page(c, p === 0 ? 'quizPage1' : 'quizPage2', ids);
    }
    case '/mod/quiz/processattempt.php': {
      if (form === null) return error(c, 'Invalid request', 'invalidrequest');
      if (a.finished) return error(c, 'This quiz attempt has already been finished.', 'attemptalreadyclosed');
      if (form.get('finishattempt') === '1') {
        state.finishAttempt(a);
        site.counters.created.quiz_attempts_finished++;
        return redirect(c, 'quizFinish', review);
      }
      const next = num(form.get('nextpage'));
      if (next === -1 || !(next >= 0 && next < QUIZ_PAGES)) return redirect(c, 'quizLastPagePost', summary);
      a.page = next;
      return redirect(c, 'quizPagePost', attemptUrl(a, next));
    }
    case '/mod/quiz/summary.php':
      return a.finished ? redirectReply(site, review, asked.cookie) : page(c, 'quizSummary', ids);
    default:
      return a.finished ? page(c, 'quizReview', ids) : redirectReply(site, summary, asked.cookie);
  }
}

// --- forum ------------------------------------------------------------------------------------

function forumRoute(c: Ctx): Reply {
  const { site, asked, form } = c;
  const state = site.journeys;
  const noRecord = (table: string) => error(c, `Can&#039;t find data record in database table ${table}.`, 'invalidrecord');
  if (asked.path === '/mod/forum/view.php') {
    // The forum page's own figures are the load's forum page's (its reads measured on the same site).
    const p = site.journeyPages.pages.forumView;
    const v: JourneyValues = { sesskey: asked.session.sesskey, user: c.user, cmid: 0, attempt: 0, usage: 0, discussion: 0, post: 0 };
    return pageReply('forum', (footer) => p.render(v, footer), asked.cookie);
  }
  if (asked.path === '/mod/forum/discuss.php') {
    const d = num(asked.query.get('d'));
    const first = state.firstPostOf(d);
    return first === undefined ? noRecord('forum_discussions') : page(c, 'forumDiscuss', { discussion: d, post: first });
  }
  // post.php
  if (form === null) {
    const reply = num(asked.query.get('reply'));
    if (asked.query.get('reply') !== null) {
      const d = state.discussionOf(reply);
      return d === undefined ? noRecord('forum_posts') : page(c, 'forumReplyForm', { discussion: d, post: reply });
    }
    if (num(asked.query.get('forum')) === JOURNEY_FORUM.instance) return page(c, 'forumDiscussionForm', {});
    return noRecord('forum');
  }
  const message = (form.get('message[text]') ?? '').trim();
  const replyTo = num(form.get('reply'));
  if (replyTo > 0) {
    const d = state.discussionOf(replyTo);
    if (d === undefined) return noRecord('forum_posts');
    if (message === '' || takeFault(c)) return page(c, 'forumReplyEmpty', { discussion: d, post: replyTo });
    const id = state.addReply(d);
    site.counters.created.forum_posts++;
    return redirect(c, 'forumReply', `/mod/forum/discuss.php?d=${d}#p${id}`);
  }
  if (num(form.get('forum')) !== JOURNEY_FORUM.instance) return noRecord('forum');
  if (message === '' || (form.get('subject') ?? '').trim() === '' || takeFault(c)) return page(c, 'forumDiscussionEmpty', {});
  state.addDiscussion();
  site.counters.created.forum_discussions++;
  site.counters.created.forum_posts++;
  return redirect(c, 'forumDiscussion', `/mod/forum/view.php?f=${JOURNEY_FORUM.instance}`);
}

/** A planted fault: this post is answered with the form's validation error. */
function takeFault(c: Ctx): boolean {
  if (c.site.journeys.failPosts <= 0) return false;
  c.site.journeys.failPosts--;
  return true;
}

// --- assignment -------------------------------------------------------------------------------

function assignRoute(c: Ctx): Reply {
  const { site, asked, user, form } = c;
  const state = site.journeys;
  const cmid = num(form?.get('id') ?? asked.query.get('id'));
  if (!knownCm(c, cmid)) return error(c, 'Invalid course module ID', 'invalidcoursemodule');
  const status = state.submissionOf(user, cmid);
  const action = form?.get('action') ?? asked.query.get('action') ?? 'view';
  const view = `/mod/assign/view.php?id=${cmid}&action=view`;
  const viewPage = (): Reply =>
    page(c, status === 'submitted' ? 'assignViewSubmitted' : status === 'draft' ? 'assignViewDraft' : 'assignView', { cmid });
  // Moodle shows the bare identifier on this one.
  const noPermission = () => page(c, 'assignNoPermission', { cmid }, 404);
  if (form === null) {
    switch (action) {
      case 'editsubmission':
        return status === 'submitted' ? noPermission() : page(c, 'assignEdit', { cmid });
      case 'submit':
        return status === 'draft' ? page(c, 'assignConfirm', { cmid }) : viewPage();
      default:
        return viewPage();
    }
  }
  switch (action) {
    case 'savesubmission':
      if (status === 'submitted') return noPermission();
      if ((form.get('onlinetext_editor[text]') ?? '').trim() === '') return page(c, 'assignEditEmpty', { cmid });
      state.setSubmission(user, cmid, 'draft');
      site.counters.created.assign_drafts++;
      return redirect(c, 'assignSave', view);
    case 'confirmsubmit':
      if (status === 'draft') {
        state.setSubmission(user, cmid, 'submitted');
        site.counters.created.assign_submissions++;
      }
      return redirect(c, 'assignConfirm', view);
    default:
      return viewPage();
  }
}
