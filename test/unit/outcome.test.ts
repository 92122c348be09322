import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { classifyResponse, HEAD_BYTES, isMoodleErrorHead, isMoodleErrorPage, isTransient } from '../../lib/outcome';
import { FIXTURES } from '../helpers/paths';

const url = 'http://127.0.0.1:8081/course/view.php?id=2';
const paths = { loginPath: '/login/index.php', enrolPath: '/enrol/index.php' };

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}
function locationOf(headersFile: string): string | null {
  return /^Location: (.*)$/m.exec(fixture(headersFile))?.[1]?.trim() ?? null;
}

test('2xx pages from a real Moodle succeed; other 3xx succeed (e.g. / -> /my/)', () => {
  for (const page of ['my-dashboard_loggedin.html', 'course-view_loggedin_id2.html', 'perf-course-view_loggedin_id4.html']) {
    assert.deepEqual(classifyResponse(200, null, fixture(page), url, paths, 0), { ok: true }, page);
  }
  assert.deepEqual(classifyResponse(303, 'http://127.0.0.1:8081/my/', null, url, paths, 0), { ok: true });
});

test('Moodle error pages with a 2xx status are failures (real "Invalid user" page and fatal error box)', () => {
  assert.deepEqual(classifyResponse(200, null, fixture('user-profile-invalid_loggedin.html'), url, paths, 0), {
    ok: false,
    reason: 'moodle_error',
  });
  assert.ok(isMoodleErrorPage(fixture('course-notfound_loggedin.html')));
  assert.ok(!isMoodleErrorPage(fixture('login-page.html')));
});

test('a redirect to the login page (real Moodle headers) is a lost session, not a success', () => {
  assert.deepEqual(classifyResponse(303, locationOf('redirect-to-login_course-view-unauth.headers.txt'), null, url, paths, 0), {
    ok: false,
    reason: 'session_lost',
  });
  assert.deepEqual(classifyResponse(303, '/login/index.php', null, url, paths, 0), { ok: false, reason: 'session_lost' });
  const sub = { loginPath: '/moodle/login/index.php', enrolPath: '/moodle/enrol/index.php' };
  assert.deepEqual(classifyResponse(303, 'http://h/moodle/login/index.php', null, 'http://h/moodle/my/', sub, 0), {
    ok: false,
    reason: 'session_lost',
  });
});

test('a redirect to /enrol/ (real Moodle headers) is "not enrolled"', () => {
  assert.deepEqual(classifyResponse(303, locationOf('perf-redirect-enrol_loggedin.headers.txt'), null, url, paths, 0), {
    ok: false,
    reason: 'not_enrolled',
  });
});

test('status classes, timeouts and transport errors; which of them are transient', () => {
  const c = (status: number, code = 0) => classifyResponse(status, null, null, url, paths, code);
  assert.deepEqual(c(404), { ok: false, reason: 'http_4xx' });
  assert.deepEqual(c(503), { ok: false, reason: 'http_5xx' });
  assert.deepEqual(c(0, 1050), { ok: false, reason: 'timeout' });
  assert.deepEqual(c(0, 1212), { ok: false, reason: 'transport' });
  assert.deepEqual(c(101), { ok: false, reason: 'http_other' });
  for (const s of [429, 502, 503, 504]) assert.ok(isTransient(c(s), s), String(s));
  for (const s of [404, 500, 403]) assert.ok(!isTransient(c(s), s), String(s));
  assert.ok(isTransient(c(0, 1050), 0));
  assert.ok(isTransient(c(0, 1212), 0));
  assert.ok(!isTransient({ ok: false, reason: 'session_lost' }, 303));
  assert.ok(!isTransient({ ok: true }, 200));
});

// Every captured page, classified the way the load does it: status and Location, and for a
// 2xx only the first HEAD_BYTES of the body, decoded byte by byte as the k6 script does.
const CAPTURED: [page: string, body: string | null, expected: string][] = [
  ['my-dashboard_loggedin', 'my-dashboard_loggedin.html', 'success'],
  ['course-view_loggedin_id2', 'course-view_loggedin_id2.html', 'success'],
  ['perf-course-view_loggedin_id4', 'perf-course-view_loggedin_id4.html', 'success'],
  ['login-page', 'login-page.html', 'success'],
  ['user-profile-invalid_loggedin', 'user-profile-invalid_loggedin.html', 'moodle_error'],
  ['user-profile-invalid_unauth', null, 'session_lost'],
  ['redirect-to-login_course-view-unauth', 'redirect-to-login_course-view-unauth.body.html', 'session_lost'],
  ['redirect-to-login_my-unauth', null, 'session_lost'],
  ['perf-redirect-enrol_loggedin', 'perf-redirect-enrol_loggedin.html', 'not_enrolled'],
  ['course-notfound_loggedin', 'course-notfound_loggedin.html', 'http_4xx'],
  ['course-notfound_unauth', 'course-notfound_unauth.html', 'http_4xx'],
  ['perf-course-notfound_loggedin', 'perf-course-notfound_loggedin.html', 'http_4xx'],
  ['forum-notfound_loggedin', null, 'http_4xx'],
  ['forum-notfound_unauth', 'forum-notfound_unauth.html', 'http_4xx'],
  ['logout', null, 'success'],
];

test('every captured page type is classified from its status, Location and first bytes alone', () => {
  for (const [page, bodyFile, expected] of CAPTURED) {
    const headers = fixture(`${page}.headers.txt`);
    const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1]);
    const bytes = bodyFile === null ? null : readFileSync(join(FIXTURES, bodyFile)).subarray(0, HEAD_BYTES);
    const head = bytes === null ? null : String.fromCharCode(...bytes);
    const outcome = classifyResponse(status, locationOf(`${page}.headers.txt`), head, url, paths, 0);
    assert.equal(outcome.ok ? 'success' : outcome.reason, expected, `${page} (${status})`);
  }
});

test('the head check: an empty <title> is the 2xx error page; a titled page, a page without <title> or a title past HEAD_BYTES is not', () => {
  const invalid = fixture('user-profile-invalid_loggedin.html');
  assert.ok(isMoodleErrorHead(invalid.slice(0, HEAD_BYTES)));
  assert.ok(isMoodleErrorPage(invalid), 'the whole-page markers agree');
  for (const page of ['my-dashboard_loggedin.html', 'course-view_loggedin_id2.html', 'login-page.html']) {
    assert.ok(!isMoodleErrorHead(fixture(page).slice(0, HEAD_BYTES)), page);
    assert.ok(!isMoodleErrorPage(fixture(page)), `${page}: the whole-page markers agree`);
  }
  assert.ok(!isMoodleErrorHead('{"error":false}'), 'JSON: no title');
  assert.ok(isMoodleErrorHead('<html><head><title>\n </title>'), 'whitespace-only title');
  assert.ok(!isMoodleErrorHead(`${' '.repeat(HEAD_BYTES)}<title></title>`), 'only the head is looked at');
});
