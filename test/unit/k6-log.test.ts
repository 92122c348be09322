import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatK6LogLine } from '../../lib/k6-log';

test('our console messages are shown as they are; k6\'s with level and fields', () => {
  assert.equal(formatK6LogLine('time="2026-11-24T05:47:03Z" level=info msg="logged in 2 of 2 sessions" source=console'), 'logged in 2 of 2 sessions');
  assert.equal(formatK6LogLine('time="2026-11-24T05:47:03Z" level=warning msg="login failed for user \\"x\\"" source=console'), 'warning: login failed for user "x"');
  assert.equal(formatK6LogLine('time="2026-11-24T05:47:06Z" level=error msg="test aborted: no session" error="x y"'), 'k6 error: test aborted: no session (error=x y)');
  assert.equal(formatK6LogLine('plain text'), 'plain text');
});
