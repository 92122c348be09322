// The simulator's pages: the bodies captured from a real Moodle 4.5.6 (fixtures/moodle-4.5.6),
// byte for byte, with only the session-specific parts substituted: the site URL, sesskey,
// logintoken, course id and title, the error message, and the performance footer in the place
// Moodle puts it. Page types without a capture of their own (forum, page, profile, enrolment
// options, front page) are the captured page of the same layout with that page type's body id,
// classes, title and main region: their size and bytes are still a real Moodle's.
import { readFileSync } from 'node:fs';
import { compileTemplate, SlotSpec, Template } from './template';

/** Where the captures are: fixtures/ beside sim/ (tsx) and beside dist/ (the bundled dist/sim.js). */
export const FIXTURE_DIR = new URL('../fixtures/moodle-4.5.6/', import.meta.url);

/** What the captures were taken from (replaced by the simulator's own URL). */
const CAPTURED_ROOT = 'http://127.0.0.1:8081';

export function readFixture(name: string): string {
  return readFileSync(new URL(name, FIXTURE_DIR), 'utf8');
}

/** Escapes text for an HTML attribute or element. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Where Moodle prints debugging output and the performance footer: inside the dark page footer. */
export function footerSlot(text: string): SlotSpec {
  const marker = 'class="container-fluid footer-dark-inner">\n';
  const at = text.indexOf(marker);
  if (at < 0) throw new Error('pages: a captured page without the page footer');
  let end = at + marker.length;
  while (text[end] === ' ') end++;
  return { slot: 'footer', at: end };
}

function bodyTag(text: string): string {
  const m = /<body [^>]*>/.exec(text);
  if (!m) throw new Error('pages: a captured page without <body>');
  return m[0];
}

function titleTag(text: string): string {
  const m = /<title>[^<]*<\/title>/.exec(text);
  if (!m) throw new Error('pages: a captured page without <title>');
  return m[0];
}

/** The capture's own performance footer removed, so the template can print a fresh one there. */
export function withoutFooter(text: string): string {
  const start = text.indexOf('<div class="performanceinfo');
  const endMarker = 'Caches used (hits/misses/sets): ';
  const caches = text.indexOf(endMarker, start);
  if (start < 0 || caches < 0) return text;
  const end = text.indexOf('</div></div>', caches) + '</div></div>'.length;
  return text.slice(0, start) + text.slice(end);
}

/** Moodle's page title: "<page> | <site>" (the captured site is called "loadlab"). */
const SITE_NAME = 'loadlab';
const title = (page: string): string => `<title>${escapeHtml(page)}${page ? ` | ${SITE_NAME}` : ''}</title>`;

/** Body tags per page type, as Moodle 4.5's Boost theme writes them (classes trimmed of drawer state). */
function body(id: string, classes: string, hostClass: string): string {
  return `<body  id="${id}" class="${classes.replace('HOST', hostClass)}">`;
}

export interface FooterFigures {
  readonly secs: number;
  readonly ramMb: number;
  readonly ramPeakMb: number;
  readonly files: number;
  readonly strings: number;
  readonly reads: number;
  readonly writes: number;
  readonly dbSecs: number;
  readonly sessionWaitSecs: number;
}

/** PHP prints round($x, n) with its shortest form: 0.066470 -> "0.06647". */
const phpRound = (x: number, digits: number): string => String(Number(x.toFixed(digits)));

/** Moodle's performance footer (MDL_PERF_TEST), with the markup and spacing of the captured one. */
export function perfFooter(f: FooterFigures): string {
  const ticks = Math.max(1, Math.round(f.secs * 100));
  return (
    `<div class="performanceinfo siteinfo container-fluid px-md-0 overflow-auto pt-3"><ul class="list-unstyled row mx-md-0">` +
    `<li class="timeused col-sm-4">${phpRound(f.secs, 6)} secs</li> <li class="memoryused col-sm-4">RAM: ${f.ramMb.toFixed(1)}\u00a0MB</li> ` +
    `<li class="memoryused col-sm-4">RAM peak: ${f.ramPeakMb.toFixed(1)}\u00a0MB</li> </ul><ul class="list-unstyled row mx-md-0">` +
    `<li class="included col-sm-4">Included ${f.files} files</li> <li class='langcountgetstring col-sm-4'>get_string calls: ${f.strings} </li> ` +
    `<li class="dbqueries col-sm-4">DB reads/writes: ${f.reads}/${f.writes}</li> <li class="dbtime col-sm-4">DB queries time: ${phpRound(f.dbSecs, 5)} secs</li> ` +
    `<li class="posixtimes col-sm-4">ticks: ${ticks} user: ${Math.round(ticks * 0.6)}sys: ${Math.round(ticks * 0.15)} cuser: 0 csys: 0</li> ` +
    `<li class="serverload col-sm-4">Load average: 0.41</li> <li class="serverload col-sm-4"><div class="sessionsize">Session (core\\session\\file): 4.7\u00a0KB</div></li>` +
    `<li class="sessionwait col-sm-4">Session wait: ${f.sessionWaitSecs.toFixed(3)} secs</li></ul><div class="cachesused">Caches used (hits/misses/sets): 0/0/0</div></div>`
  );
}

const INVALID_USER_ALERT_START = '<div class="alert alert-danger alert-block';
const FATAL_ERROR_START = '<div data-rel="fatalerror"';

/** The main region's content from its start marker to its closing tag (its first </div> after `closeAfter`). */
function mainLiteral(text: string, start: string, closeAfter: string): string {
  const at = text.indexOf(start);
  const end = text.indexOf('</div>', text.indexOf(closeAfter, at)) + '</div>'.length;
  if (at < 0 || end < at) throw new Error(`pages: "${start}" not found in a captured page`);
  return text.slice(at, end);
}

export interface Pages {
  login(token: string, sesskey: string, footer: string): Buffer;
  loginFailed(token: string, sesskey: string, footer: string): Buffer;
  dashboard(sesskey: string, footer: string): Buffer;
  course(id: number, sesskey: string, footer: string): Buffer;
  forum(id: number, sesskey: string, footer: string): Buffer;
  modPage(id: number, sesskey: string, footer: string): Buffer;
  profile(id: number, sesskey: string, footer: string): Buffer;
  invalidUser(sesskey: string, footer: string): Buffer;
  enrol(id: number, sesskey: string, footer: string): Buffer;
  front(sesskey: string, footer: string): Buffer;
  /** Moodle's fatal error page; `loggedIn` picks the chrome (user menu or "Log in" link). */
  error(message: string, errorcode: string, loggedIn: boolean, sesskey: string, footer: string): Buffer;
  /** The small "Redirect" page of every 303; `footer` is the whole footer (wrapped in <footer>). */
  redirect(url: string, footer: string): Buffer;
  /** Which captured course a course id shows (see coursePage below). */
  courseSize(id: number): 'XS' | 'S';
}

/** The captured pages, with this simulator's URL in place of the captured site's. */
export function loadPages(root: string): Pages {
  const site = localSite(root);
  const captures = compileCaptures(site);
  return { courseSize, ...loginPages(captures), ...coursePages(captures, site.hostClass), ...sitePages(captures, site.hostClass) };
}

/** Course ids divisible by 4 show the larger captured course, the others the smaller one. */
const courseSize = (id: number): 'XS' | 'S' => (id % 4 === 0 ? 'S' : 'XS');

/** The simulator's own site, to put in the captures in place of the captured one. */
export interface LocalSite {
  readonly root: string;
  /** The host as Moodle writes it in body classes ("127-0-0-1--8081"). */
  readonly hostClass: string;
  /** A capture with this site's URL (plain and JSON-escaped) and host class in place of the captured site's. */
  local(text: string): string;
}

/** `captured`: the site the captures were taken from (the journeys' were taken on another port). */
export function localSite(root: string, captured = CAPTURED_ROOT): LocalSite {
  const hostClassOf = (url: string) => new URL(url).host.replace(/[.:]/g, (c) => (c === ':' ? '--' : '-'));
  const hostClass = hostClassOf(root);
  const capturedHostClass = hostClassOf(captured);
  // split/join: replaceAll is ES2021, past the project's lib setting.
  const swap = (text: string, from: string, to: string) => text.split(from).join(to);
  const jsonSlashes = (url: string) => url.split('/').join('\\/');
  return {
    root,
    hostClass,
    local: (text) => swap(swap(swap(text, captured, root), jsonSlashes(captured), jsonSlashes(root)), capturedHostClass, hostClass),
  };
}

function sesskeyOf(raw: string): string {
  const m = /"sesskey":"([^"]+)"/.exec(raw);
  if (!m) throw new Error('pages: a captured page without M.cfg.sesskey');
  return m[1] as string;
}

const tokenOf = (raw: string): string => /name="logintoken" value="([^"]+)"/.exec(raw)?.[1] ?? '';

/** The captures compiled to templates, and the parts of them some pages put back unchanged. */
interface Captures {
  readonly login: Template;
  readonly loginFailed: Template;
  readonly dashboard: Template;
  /** The two captured courses: "XS" (id 2, 180 KB) and "S" (id 4, 540 KB, taken with the footer on). */
  readonly courseXs: Template;
  readonly courseS: Template;
  readonly profile: Template;
  /** The error page of a logged-in user and of a visitor. */
  readonly errorIn: Template;
  readonly errorOut: Template;
  readonly redirect: Template;
  readonly invalidUser: { readonly title: string; readonly body: string; readonly main: string };
  readonly errorTitle: string;
  readonly errorInBody: string;
  readonly errorOutBody: string;
}

function compileCaptures(site: LocalSite): Captures {
  /** A localised capture with these slots and the footer's. */
  const compile = (raw: string, specs: (text: string) => SlotSpec[]): Template => {
    const text = site.local(raw);
    return compileTemplate(text, [...specs(text), footerSlot(text)]);
  };
  const loginSpecs = (raw: string) => (): SlotSpec[] => [
    { slot: 'token', literal: tokenOf(raw) },
    { slot: 'sesskey', literal: sesskeyOf(raw) },
  ];
  const layoutSpecs =
    (raw: string) =>
    (text: string): SlotSpec[] => [
      { slot: 'sesskey', literal: sesskeyOf(raw) },
      { slot: 'title', literal: titleTag(text) },
      { slot: 'body', literal: bodyTag(text) },
    ];
  const withMain =
    (raw: string, start: string, closeAfter: string) =>
    (text: string): SlotSpec[] => [...layoutSpecs(raw)(text), { slot: 'main', literal: mainLiteral(text, start, closeAfter) }];

  const loginRaw = readFixture('login-page.html');
  const failedRaw = readFixture('login-failed_page.html');
  const dashRaw = readFixture('my-dashboard_loggedin.html');
  const xsRaw = readFixture('course-view_loggedin_id2.html');
  const sRaw = withoutFooter(readFixture('perf-course-view_loggedin_id4.html'));
  const profileRaw = readFixture('user-profile-invalid_loggedin.html');
  const errorInRaw = readFixture('course-notfound_loggedin.html');
  const errorOutRaw = readFixture('course-notfound_unauth.html');
  const profileText = site.local(profileRaw);
  return {
    login: compile(loginRaw, loginSpecs(loginRaw)),
    loginFailed: compile(failedRaw, loginSpecs(failedRaw)),
    dashboard: compile(dashRaw, () => [{ slot: 'sesskey', literal: sesskeyOf(dashRaw) }]),
    courseXs: compile(xsRaw, layoutSpecs(xsRaw)),
    courseS: compile(sRaw, layoutSpecs(sRaw)),
    profile: compile(profileRaw, withMain(profileRaw, INVALID_USER_ALERT_START, '</button>')),
    errorIn: compile(errorInRaw, withMain(errorInRaw, FATAL_ERROR_START, '<p class="errorcode">')),
    errorOut: compile(errorOutRaw, withMain(errorOutRaw, FATAL_ERROR_START, '<p class="errorcode">')),
    redirect: compileRedirect(site),
    invalidUser: {
      title: titleTag(profileText),
      body: bodyTag(profileText),
      main: mainLiteral(profileText, INVALID_USER_ALERT_START, '</button>'),
    },
    errorTitle: titleTag(site.local(errorInRaw)),
    errorInBody: bodyTag(site.local(errorInRaw)),
    errorOutBody: bodyTag(site.local(errorOutRaw)),
  };
}

/** The redirect page: the footer goes after the "Continue" link, where Moodle prints it. */
function compileRedirect(site: LocalSite): Template {
  const raw = site.local(readFixture('redirect-to-login_course-view-unauth.body.html'));
  const continueLink = `<a href="${site.root}/login/index.php">Continue</a></div>`;
  return compileTemplate(raw, [
    { slot: 'url', literal: `${site.root}/login/index.php` },
    { slot: 'footer', at: raw.indexOf(continueLink) + continueLink.length + 16 },
  ]);
}

function loginPages(c: Captures): Pick<Pages, 'login' | 'loginFailed' | 'dashboard' | 'redirect'> {
  return {
    login: (token, sesskey, footer) => c.login.render({ token, sesskey, footer }),
    loginFailed: (token, sesskey, footer) => c.loginFailed.render({ token, sesskey, footer }),
    dashboard: (sesskey, footer) => c.dashboard.render({ sesskey, footer }),
    redirect: (url, footer) => c.redirect.render({ url: escapeHtml(url), footer: footer ? `<footer>${footer}</footer>` : '' }),
  };
}

/** The course and the activities in it, on the captured courses' layout. */
function coursePages(c: Captures, hostClass: string): Pick<Pages, 'course' | 'forum' | 'modPage'> {
  const inCourse = (id: string, classes: string) => body(id, classes, hostClass);
  return {
    course: (id, sesskey, footer) =>
      (courseSize(id) === 'S' ? c.courseS : c.courseXs).render({
        sesskey,
        footer,
        title: title(`Course: Test course ${id}`),
        body: inCourse(
          'page-course-view-topics',
          `format-topics limitedwidth  path-course path-course-view dir-ltr lang-en yui-skin-sam yui3-skin-sam HOST pagelayout-course course-${id} context-${id + 9} category-1 theme uses-drawers drawer-open-index`,
        ),
      }),
    forum: (id, sesskey, footer) =>
      c.courseXs.render({
        sesskey,
        footer,
        title: title(`Forum ${id} | Test course`),
        body: inCourse(
          'page-mod-forum-view',
          `format-topics limitedwidth  path-mod path-mod-forum dir-ltr lang-en yui-skin-sam yui3-skin-sam HOST pagelayout-incourse course-2 context-${id + 100} cmid-${id} category-1 theme uses-drawers drawer-open-index`,
        ),
      }),
    modPage: (id, sesskey, footer) =>
      c.courseXs.render({
        sesskey,
        footer,
        title: title(`Page ${id} | Test course`),
        body: inCourse(
          'page-mod-page-view',
          `format-topics limitedwidth  path-mod path-mod-page dir-ltr lang-en yui-skin-sam yui3-skin-sam HOST pagelayout-incourse course-2 context-${id + 100} cmid-${id} category-1 theme uses-drawers drawer-open-index`,
        ),
      }),
  };
}

/** Pages with their own main region in a captured layout: profiles, enrolment options, the front page, errors. */
function sitePages(c: Captures, hostClass: string): Pick<Pages, 'profile' | 'invalidUser' | 'enrol' | 'front' | 'error'> {
  const inCourse = (id: string, classes: string) => body(id, classes, hostClass);
  return {
    profile: (id, sesskey, footer) =>
      c.profile.render({
        sesskey,
        footer,
        title: title(`User ${id}: Public profile`),
        body: inCourse(
          'page-user-profile',
          'format-site  path-user dir-ltr lang-en yui-skin-sam yui3-skin-sam HOST pagelayout-mypublic course-1 context-1 theme uses-drawers drawer-open-index',
        ),
        main: `<div class="userprofile"><div class="profile_tree"><section class="node_category card d-inline-block w-100 mb-3"><div class="card-body"><h3 class="lead">User details</h3><ul><li class="contentnode"><dl><dt>User ${id}</dt></dl></li></ul></div></section></div></div>`,
      }),
    invalidUser: (sesskey, footer) =>
      c.profile.render({ sesskey, footer, title: c.invalidUser.title, body: c.invalidUser.body, main: c.invalidUser.main }),
    enrol: (id, sesskey, footer) =>
      c.errorIn.render({
        sesskey,
        footer,
        title: title('Enrolment options'),
        body: inCourse(
          'page-enrol-index',
          `format-topics  path-enrol dir-ltr lang-en yui-skin-sam yui3-skin-sam HOST pagelayout-incourse course-${id} context-${id + 9} category-1 theme uses-drawers drawer-open-index`,
        ),
        main: `<h2>Enrolment options</h2><div class="box py-3 generalbox info">You cannot enrol yourself in this course.</div>`,
      }),
    front: (sesskey, footer) =>
      c.errorOut.render({
        sesskey,
        footer,
        title: title('Home'),
        body: inCourse(
          'page-site-index',
          'format-site course path-site dir-ltr lang-en yui-skin-sam yui3-skin-sam HOST pagelayout-frontpage course-1 context-1 notloggedin theme uses-drawers',
        ),
        main: `<h2>${SITE_NAME}</h2>`,
      }),
    error: (message, errorcode, loggedIn, sesskey, footer) =>
      (loggedIn ? c.errorIn : c.errorOut).render({
        sesskey,
        footer,
        title: c.errorTitle,
        body: loggedIn ? c.errorInBody : c.errorOutBody,
        main: `<div data-rel="fatalerror" class="box py-3 errorbox alert alert-danger"><p class="errormessage">${message}</p><p class="errorcode"><a href="https://docs.moodle.org/405/en/error/moodle/${errorcode}">More information about this error</a></p></div>`,
      }),
  };
}
