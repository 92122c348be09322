import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOGIN_FAILURE_REASONS, loginReport, loginSubmetrics } from '../../lib/login-report';

test('sessions.* from the login metrics: counts per user index, names and reasons restored, login_sec from the last VU', () => {
  const metrics = {
    'moodle_login_sessions{outcome:success}': { values: { count: 9 } },
    'moodle_login_sessions{outcome:failure}': { values: { count: 1 } },
    'moodle_login_failures{user:1}': { values: { count: 3 } },
    'moodle_login_failure_kind{user:1}': { values: { value: 0 } },
    'moodle_login_failures{user:2}': { values: { count: 1 } },
    'moodle_login_failure_kind{user:2}': { values: { value: 4 } },
    'moodle_login_failures{user:0}': { values: { count: 0 } },
    moodle_login_end: { values: { max: 1_000_002_500, min: 1_000_000_100 } },
  };
  const r = loginReport({ metrics, usernames: ['a', 'b', 'c'], attempted: 10, startMs: 1_000_000_000 });
  assert.deepEqual(r, {
    attempted: 10,
    loggedIn: 9,
    seconds: 2.5,
    failedUsers: [
      { username: 'b', sessions: 3, reason: LOGIN_FAILURE_REASONS.invalid_login },
      { username: 'c', sessions: 1, reason: LOGIN_FAILURE_REASONS.timeout },
    ],
  });
});

test('no login metrics at all: nothing logged in, no failed user, 0 s', () => {
  assert.deepEqual(loginReport({ metrics: {}, usernames: ['a'], attempted: 3, startMs: 5 }), {
    attempted: 3,
    loggedIn: 0,
    seconds: 0,
    failedUsers: [],
  });
});

test('the submetrics k6 must track: outcomes, then a counter and a kind per user index', () => {
  assert.deepEqual(loginSubmetrics(2), [
    'moodle_login_sessions{outcome:success}',
    'moodle_login_sessions{outcome:failure}',
    'moodle_login_failures{user:0}',
    'moodle_login_failure_kind{user:0}',
    'moodle_login_failures{user:1}',
    'moodle_login_failure_kind{user:1}',
  ]);
});
