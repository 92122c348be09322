import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { classifyResponse, isMoodleErrorPage, isTransient } from '../../lib/outcome';
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
  assert.deepEqual(classifyResponse(200, null, fixture('user-profile-invalid_loggedin.html'), url, paths, 0), { ok: false, reason: 'moodle_error' });
  assert.ok(isMoodleErrorPage(fixture('course-notfound_loggedin.html')));
  assert.ok(!isMoodleErrorPage(fixture('login-page.html')));
});

test('a redirect to the login page (real Moodle headers) is a lost session, not a success', () => {
  assert.deepEqual(classifyResponse(303, locationOf('redirect-to-login_course-view-unauth.headers.txt'), null, url, paths, 0), { ok: false, reason: 'session_lost' });
  assert.deepEqual(classifyResponse(303, '/login/index.php', null, url, paths, 0), { ok: false, reason: 'session_lost' });
  const sub = { loginPath: '/moodle/login/index.php', enrolPath: '/moodle/enrol/index.php' };
  assert.deepEqual(classifyResponse(303, 'http://h/moodle/login/index.php', null, 'http://h/moodle/my/', sub, 0), { ok: false, reason: 'session_lost' });
});

test('a redirect to /enrol/ (real Moodle headers) is "not enrolled"', () => {
  assert.deepEqual(classifyResponse(303, locationOf('perf-redirect-enrol_loggedin.headers.txt'), null, url, paths, 0), { ok: false, reason: 'not_enrolled' });
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
