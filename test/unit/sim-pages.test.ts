// The simulator's pages against the captures they are built from (fixtures/moodle-4.5.6): with
// the captured session's values put back, a page is the captured body byte for byte; with this
// simulator's values, the generator's parsers read what they read on the real page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { extractLoginToken, hasLoginError, isLoginPage } from '../../lib/login-flow';
import { isMoodleErrorPage } from '../../lib/outcome';
import { parsePerfFooter } from '../../lib/perf-footer';
import { loadPages, perfFooter } from '../../sim/pages';
import { FIXTURES } from '../helpers/paths';

const CAPTURED_ROOT = 'http://127.0.0.1:8081';
const pages = loadPages(CAPTURED_ROOT);
const raw = (name: string) => readFileSync(join(FIXTURES, name));
const text = (name: string) => raw(name).toString('utf8');
const sesskeyOf = (html: string) => /"sesskey":"([^"]+)"/.exec(html)?.[1] as string;

/** Byte-for-byte equality, reported as the first differing offset instead of two 200 KB dumps. */
function sameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i++;
  assert.fail(
    `${what}: ${actual.length} bytes, captured ${expected.length}; first difference at ${i}: ${JSON.stringify(actual.subarray(i, i + 80).toString())} vs ${JSON.stringify(expected.subarray(i, i + 80).toString())}`,
  );
}

test('with the captured session values, pages are the captured bodies byte for byte', () => {
  const login = text('login-page.html');
  sameBytes(pages.login(extractLoginToken(login) as string, sesskeyOf(login), ''), raw('login-page.html'), 'login page');
  const failed = text('login-failed_page.html');
  sameBytes(
    pages.loginFailed(extractLoginToken(failed) as string, sesskeyOf(failed), ''),
    raw('login-failed_page.html'),
    'login page after a failed login',
  );
  sameBytes(pages.dashboard(sesskeyOf(text('my-dashboard_loggedin.html')), ''), raw('my-dashboard_loggedin.html'), 'dashboard');
  sameBytes(
    pages.invalidUser(sesskeyOf(text('user-profile-invalid_loggedin.html')), ''),
    raw('user-profile-invalid_loggedin.html'),
    '"Invalid user" page',
  );
  const notFound = 'Can&#039;t find data record in database table course.';
  sameBytes(
    pages.error(notFound, 'invalidrecord', true, sesskeyOf(text('course-notfound_loggedin.html')), ''),
    raw('course-notfound_loggedin.html'),
    '404 page, logged in',
  );
  sameBytes(
    pages.error(notFound, 'invalidrecord', false, sesskeyOf(text('course-notfound_unauth.html')), ''),
    raw('course-notfound_unauth.html'),
    '404 page, anonymous',
  );
  sameBytes(pages.redirect(`${CAPTURED_ROOT}/login/index.php`, ''), raw('redirect-to-login_course-view-unauth.body.html'), 'redirect page');
});

test('the course page is the captured course with its id and title; every 4th id is the larger captured course', () => {
  const xs = pages.course(2, 'abcdefghij', '').toString('utf8');
  const captured = text('course-view_loggedin_id2.html');
  assert.equal(pages.courseSize(2), 'XS');
  assert.equal(pages.courseSize(4), 'S');
  // Only the title, the body's course/context classes and the sesskey differ.
  assert.ok(Math.abs(Buffer.byteLength(xs) - captured.length) < 40, `${Buffer.byteLength(xs)} vs ${captured.length}`);
  assert.match(xs, /<title>Course: Test course 2 \| loadlab<\/title>/);
  assert.match(xs, /<body  id="page-course-view-topics" class="[^"]* course-2 /);
  assert.equal((xs.match(/abcdefghij/g) ?? []).length, (captured.match(new RegExp(sesskeyOf(captured), 'g')) ?? []).length);
  const s = pages.course(8, 'abcdefghij', '');
  assert.ok(s.length > 500_000, `the larger course is ${s.length} bytes`);
  assert.equal(s.toString('utf8').indexOf('performanceinfo'), -1, "the capture's own footer is removed");
});

test('every page type: real size, its body id, the markers the generator reads', () => {
  const sesskey = 'k3yk3yk3yk';
  const cases: [string, Buffer, RegExp][] = [
    ['dashboard', pages.dashboard(sesskey, ''), /<body  id="page-my-index"/],
    ['forum', pages.forum(15, sesskey, ''), /<body  id="page-mod-forum-view"/],
    ['page', pages.modPage(15, sesskey, ''), /<body  id="page-mod-page-view"/],
    ['profile', pages.profile(42, sesskey, ''), /<body  id="page-user-profile"[^>]*pagelayout-mypublic/],
    ['enrolment options', pages.enrol(7, sesskey, ''), /<body  id="page-enrol-index"/],
    ['front page', pages.front(sesskey, ''), /<body  id="page-site-index"[^>]*notloggedin/],
  ];
  for (const [name, body, id] of cases) {
    const html = body.toString('utf8');
    assert.ok(body.length > 20_000, `${name}: ${body.length} bytes`);
    assert.match(html, id, name);
    assert.ok(html.includes(`"sesskey":"${sesskey}"`), `${name}: M.cfg sesskey`);
    assert.ok(!isMoodleErrorPage(html), `${name}: not an error page`);
    assert.ok(!isLoginPage(html), `${name}: not a login page`);
  }
  assert.ok(/\u{1F44B}/u.test(pages.dashboard(sesskey, '').toString('utf8')), 'the dashboard keeps its non-ASCII greeting');
});

test('login and error pages: tokens, error boxes and messages where Moodle puts them', () => {
  const login = pages.login('T'.repeat(32), 'sesskey123', '').toString('utf8');
  assert.ok(isLoginPage(login));
  assert.equal(extractLoginToken(login), 'T'.repeat(32));
  assert.equal(login.match(/name="logintoken" value="T{32}"/g)?.length, 2, 'login form and guest form');
  assert.ok(!hasLoginError(login));
  assert.ok(hasLoginError(pages.loginFailed('U'.repeat(32), 's', '').toString('utf8')));
  const err = pages
    .error('error/Unable to find forum with cmid 99999', 'Unable to find forum with cmid 99999', false, 's', '')
    .toString('utf8');
  const capturedForum = text('forum-notfound_unauth.html');
  const box = (html: string) => /<div data-rel="fatalerror"[\s\S]*?<\/p><\/div>/.exec(html)?.[0];
  assert.equal(box(err), box(capturedForum), 'the forum 404 error box as Moodle writes it');
  assert.ok(isMoodleErrorPage(err));
  assert.ok(isMoodleErrorPage(pages.invalidUser('s', '').toString('utf8')));
});

test('the performance footer: the captured markup, in the captured place, read back by the parser', () => {
  const figures = {
    secs: 0.06647,
    ramMb: 7.1,
    ramPeakMb: 8.1,
    files: 620,
    strings: 707,
    reads: 31,
    writes: 1,
    dbSecs: 0.01091,
    sessionWaitSecs: 0,
  };
  const captured = text('perf-course-view_loggedin_id4.html');
  const capturedFooter = /<div class="performanceinfo[\s\S]*?Caches used \(hits\/misses\/sets\): 0\/0\/0<\/div><\/div>/.exec(captured)?.[0];
  assert.equal(
    perfFooter(figures).replace('ticks: 7 user: 4sys: 1', 'TICKS'),
    capturedFooter?.replace(/ticks: \d+ user: \d+sys: \d+/, 'TICKS'),
  );
  // Same place as in the capture: right after the dark footer's inner container.
  const page = pages.course(4, 's', perfFooter(figures)).toString('utf8');
  const before = (html: string) => html.slice(html.indexOf('performanceinfo') - 200, html.indexOf('performanceinfo'));
  assert.equal(before(page), before(captured));
  assert.deepEqual(parsePerfFooter(page), parsePerfFooter(captured));
  const redirect = pages
    .redirect(`${CAPTURED_ROOT}/enrol/index.php?id=2`, perfFooter({ ...figures, secs: 0.012212, reads: 11, writes: 0 }))
    .toString('utf8');
  const capturedRedirect = text('perf-redirect-enrol_loggedin.html');
  assert.equal(redirect.slice(0, redirect.indexOf('<footer>')), capturedRedirect.slice(0, capturedRedirect.indexOf('<footer>')));
  assert.equal(parsePerfFooter(redirect)?.dbReads, 11);
});
