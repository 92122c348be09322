import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseK6LogLine } from '../../cli/k6-log';

test('our console messages are shown as they are; k6\'s with level and fields', () => {
  assert.deepEqual(parseK6LogLine('{"level":"info","msg":"logged in 2 of 2 sessions","source":"console","time":"2026-11-24T05:47:03Z"}'), { kind: 'text', text: 'logged in 2 of 2 sessions' });
  assert.deepEqual(parseK6LogLine('{"level":"warning","msg":"login failed for user \\"x\\"","source":"console","time":"t"}'), { kind: 'text', text: 'warning: login failed for user "x"' });
  assert.deepEqual(parseK6LogLine('{"error":"x y","level":"error","msg":"test aborted","time":"t"}'), { kind: 'text', text: 'k6 error: test aborted (error=x y)' });
  assert.deepEqual(parseK6LogLine('plain text'), { kind: 'text', text: 'plain text' });
  assert.deepEqual(parseK6LogLine('{not json'), { kind: 'text', text: '{not json' });
});

test('request-log records are picked out of the stream (k6 v1.8 JSON log line)', () => {
  const line = '{"level":"info","msg":"moodle-load-request {\\"t\\":1,\\"path\\":\\"/a?x=1,2\\",\\"iteration\\":4}","source":"console","time":"2026-11-24T06:08:52Z"}';
  assert.deepEqual(parseK6LogLine(line), { kind: 'request', record: { t: 1, path: '/a?x=1,2', iteration: 4 } });
});

test("k6's per-request 'Request Failed' warnings are told apart (the CLI shows the first few, then counts)", () => {
  const line = '{"error":"Get \\"http://127.0.0.1:1/login/index.php\\": dial tcp 127.0.0.1:1: connect: connection refused","level":"warning","msg":"Request Failed","time":"t"}';
  assert.deepEqual(parseK6LogLine(line), { kind: 'request-failed', text: 'Get "http://127.0.0.1:1/login/index.php": dial tcp 127.0.0.1:1: connect: connection refused' });
});
