// The journeys' pages: the bodies captured on the test site (fixtures/moodle-4.5.6/journeys), byte
// for byte, with the session-specific parts substituted: the site URL, sesskey, the user's id and
// the ids of the quiz, attempt, question usage, assignment, discussion and post. Each page also
// keeps the DB reads and writes, files and memory its capture's footer reported, and so does each
// form post answered with a 303 (its body is the simulator's redirect page).
import type { PageFigures } from './figures';
import { footerSlot, LocalSite, localSite, readFixture, withoutFooter } from './pages';
import { compileTemplate, SlotSpec, Template } from './template';

/** The test site the journeys were walked on, and the ids its captures show. */
const CAPTURED_ROOT = 'http://127.0.0.1:8090';
const CAPTURED = { user: 12, cmid: 300, attempt: 1, usage: 1, discussion: 49, post: 97 };
const CAPTURED_ASSIGN = 301;

/** The values a journey page is rendered with (every page takes them all, uses its own). */
export interface JourneyValues {
  readonly sesskey: string;
  readonly user: number;
  /** The quiz's or assignment's course module id. */
  readonly cmid: number;
  readonly attempt: number;
  readonly usage: number;
  readonly discussion: number;
  readonly post: number;
}

export interface JourneyPage {
  render(v: JourneyValues, footer: string): Buffer;
  /** What its capture's footer reported. */
  readonly figures: PageFigures;
}

type Rule = readonly [slot: keyof typeof CAPTURED, pattern: (id: number) => RegExp];

/** Where each id is written: the prefixes before it in Moodle's markup, URLs and JSON. */
const after =
  (prefixes: string, flags = 'g') =>
  (id: number) =>
    new RegExp(`(${prefixes})${id}(?!\\d)`, flags);
const USER: Rule = [
  'user',
  after('data-user-id="|data-userid="|"userId":|profile\\.php\\?id=|data-route-param="|name="userid" type="hidden" value="'),
];
const CMID: Rule = [
  'cmid',
  after(
    'cmid-|cmid=|"contextInstanceId":|"instanceid":"|name="id" value="|name="id" type="hidden" value="|name="cmid" value="|(?:quiz|assign)/view\\.php\\?id=',
  ),
];
const ATTEMPT: Rule = ['attempt', after('attempt=|name="attempt" value="')];
const USAGE: Rule = ['usage', (id) => new RegExp(`(\\bq|question-)${id}(?=[:-]\\d)`, 'g')];
const DISCUSSION: Rule = [
  'discussion',
  after('d=|data-discussionid="|name="d" value="|forum-action-menu-|name="discussion" type="hidden" value="'),
];
const POST: Rule = [
  'post',
  after(
    'reply=|#p|data-target="|data-post-id="|post-header-|post-content-|name="parent" type="hidden" value="|name="reply" type="hidden" value="',
  ),
];

const QUIZ: readonly Rule[] = [USER, CMID, ATTEMPT, USAGE];
const ASSIGN: readonly Rule[] = [USER, CMID];
const FORUM: readonly Rule[] = [USER, DISCUSSION, POST];

/** The pages served, by capture name, with the ids they are written with. */
const PAGES = {
  quizView: ['quiz-attempt-view', QUIZ],
  quizViewInProgress: ['quiz-attempt-view-inprogress', QUIZ],
  quizViewFinished: ['quiz-attempt-view-finished', QUIZ],
  quizPage1: ['quiz-attempt-page1', QUIZ],
  quizPage2: ['quiz-attempt-page2', QUIZ],
  quizSummary: ['quiz-attempt-summary', QUIZ],
  quizReview: ['quiz-attempt-review', QUIZ],
  badSesskey: ['quiz-attempt-badsesskey-post', QUIZ],
  forumView: ['forum-discussion-view', [USER]],
  forumDiscuss: ['forum-reply-discuss', FORUM],
  forumReplyForm: ['forum-reply-form', FORUM],
  forumReplyEmpty: ['forum-reply-empty-post', FORUM],
  forumDiscussionForm: ['forum-discussion-form', [USER]],
  forumDiscussionEmpty: ['forum-discussion-empty-post', [USER]],
  assignView: ['assign-submission-view', ASSIGN],
  assignViewDraft: ['assign-submission-view-draft', ASSIGN],
  assignViewSubmitted: ['assign-submission-view-submitted', ASSIGN],
  assignEdit: ['assign-submission-edit-form', ASSIGN],
  assignEditEmpty: ['assign-submission-save-empty-post', ASSIGN, 302],
  assignConfirm: ['assign-submission-confirm-form', ASSIGN],
  assignNoPermission: ['assign-submission-edit-after-submit', ASSIGN],
} as const satisfies Record<string, readonly [string, readonly Rule[], number?]>;

/** The form posts answered with a 303, by capture name: only their footer's figures are used. */
const POSTS = {
  quizStart: 'quiz-attempt-start-post',
  quizContinue: 'quiz-attempt-start-inprogress-post',
  quizPagePost: 'quiz-attempt-page1-post',
  quizLastPagePost: 'quiz-attempt-page2-post',
  quizFinish: 'quiz-attempt-finish-post',
  forumReply: 'forum-reply-post',
  forumDiscussion: 'forum-discussion-post',
  assignSave: 'assign-submission-save-post',
  assignConfirm: 'assign-submission-confirm-post',
} as const;

export type JourneyPageName = keyof typeof PAGES;
export type JourneyPostName = keyof typeof POSTS;

export interface JourneyPages {
  readonly pages: Readonly<Record<JourneyPageName, JourneyPage>>;
  readonly posts: Readonly<Record<JourneyPostName, PageFigures>>;
}

function number(text: string, pattern: RegExp, name: string): number {
  const m = pattern.exec(text);
  if (!m) throw new Error(`journey pages: a capture without ${name} in its footer`);
  return Number(m[1]);
}

/** The figures the capture's performance footer reported. */
export function capturedFigures(text: string): PageFigures {
  return {
    reads: number(text, /DB reads\/writes: (\d+)\//, 'DB reads'),
    writes: number(text, /DB reads\/writes: \d+\/(\d+)/, 'DB writes'),
    files: number(text, /Included (\d+) files/, 'included files'),
    ramMb: number(text, /RAM: ([\d.]+)/, 'RAM'),
    ramPeakMb: number(text, /RAM peak: ([\d.]+)/, 'RAM peak'),
    strings: number(text, /get_string calls: (\d+)/, 'get_string calls'),
  };
}

/** A marker no capture holds, standing for a slot until the template is compiled. */
const token = (slot: string) => `\u0001${slot}\u0001`;

function compile(site: LocalSite, name: string, rules: readonly Rule[], cmid: number): JourneyPage {
  const raw = readFixture(`journeys/${name}.html`);
  const figures = capturedFigures(raw);
  let text = withoutFooter(site.local(raw)).split('SESSKEY').join(token('sesskey'));
  for (const [slot, pattern] of rules) {
    const id = slot === 'cmid' ? cmid : CAPTURED[slot];
    text = text.replace(pattern(id), `$1${token(slot)}`);
  }
  const slots = ['sesskey', ...rules.map(([slot]) => slot)].filter((slot) => text.includes(token(slot)));
  const specs: SlotSpec[] = slots.map((slot) => ({ slot, literal: token(slot) }));
  const template: Template = compileTemplate(text, [...specs, footerSlot(text)]);
  return {
    figures,
    render: (v, footer) =>
      template.render({
        sesskey: v.sesskey,
        footer,
        user: String(v.user),
        cmid: String(v.cmid),
        attempt: String(v.attempt),
        usage: String(v.usage),
        discussion: String(v.discussion),
        post: String(v.post),
      }),
  };
}

export function loadJourneyPages(root: string): JourneyPages {
  const site = localSite(root, CAPTURED_ROOT);
  const pages = {} as Record<JourneyPageName, JourneyPage>;
  for (const [key, [name, rules, cmid]] of Object.entries(PAGES) as [JourneyPageName, readonly [string, readonly Rule[], number?]][])
    pages[key] = compile(site, name, rules, cmid ?? (name.startsWith('assign') ? CAPTURED_ASSIGN : CAPTURED.cmid));
  const posts = {} as Record<JourneyPostName, PageFigures>;
  for (const [key, name] of Object.entries(POSTS) as [JourneyPostName, string][])
    posts[key] = capturedFigures(readFixture(`journeys/${name}.html`));
  return { pages, posts };
}
