import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { classifyResponse } from '../../lib/outcome';
import { FIXTURES } from '../helpers/paths';

const url = 'http://127.0.0.1:8081/course/view.php?id=2';
const login = '/login/index.php';

function locationOf(headersFile: string): string | null {
  return /^Location: (.*)$/m.exec(readFileSync(join(FIXTURES, headersFile), 'utf8'))?.[1]?.trim() ?? null;
}

test('2xx succeeds; a 3xx elsewhere succeeds (e.g. not enrolled -> /enrol/)', () => {
  assert.deepEqual(classifyResponse(200, null, url, login, 0), { ok: true });
  assert.deepEqual(classifyResponse(303, locationOf('perf-redirect-enrol_loggedin.headers.txt'), url, login, 0), { ok: true });
});

test('a redirect to the login page (real Moodle headers) is a lost session, not a success', () => {
  assert.deepEqual(classifyResponse(303, locationOf('redirect-to-login_course-view-unauth.headers.txt'), url, login, 0), { ok: false, reason: 'session_lost' });
  assert.deepEqual(classifyResponse(303, '/login/index.php', url, login, 0), { ok: false, reason: 'session_lost' });
  assert.deepEqual(classifyResponse(303, 'http://h/moodle/login/index.php', 'http://h/moodle/my/', '/moodle/login/index.php', 0), { ok: false, reason: 'session_lost' });
});

test('status classes, timeouts and transport errors', () => {
  assert.deepEqual(classifyResponse(404, null, url, login, 0), { ok: false, reason: 'http_4xx' });
  assert.deepEqual(classifyResponse(503, null, url, login, 0), { ok: false, reason: 'http_5xx' });
  assert.deepEqual(classifyResponse(0, null, url, login, 1050), { ok: false, reason: 'timeout' });
  assert.deepEqual(classifyResponse(0, null, url, login, 1212), { ok: false, reason: 'transport' });
  assert.deepEqual(classifyResponse(101, null, url, login, 0), { ok: false, reason: 'http_other' });
});
