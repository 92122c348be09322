import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseK6LogLine, RepeatLimiter } from '../../cli/k6/k6-log';
import { CHANNEL_VERSION, ChannelError, recordPrefix } from '../../lib/channel';

const text = (line: string) => {
  const parsed = parseK6LogLine(line);
  assert.equal(parsed.kind, 'text');
  return parsed;
};

test("our console messages are shown as they are; k6's with level and fields", () => {
  assert.equal(
    text('{"level":"info","msg":"logged in 2 of 2 sessions","source":"console","time":"2026-11-24T05:47:03Z"}').text,
    'logged in 2 of 2 sessions',
  );
  assert.equal(
    text('{"level":"warning","msg":"login failed for user \\"x\\"","source":"console","time":"t"}').text,
    'warning: login failed for user "x"',
  );
  const k6 = text('{"error":"x y","level":"error","msg":"test aborted","time":"t"}');
  assert.equal(k6.text, 'k6 error: test aborted (error=x y)');
  assert.equal(k6.k6, true);
  assert.equal(text('plain text').text, 'plain text');
  assert.equal(text('{not json').text, '{not json');
});

test('records are picked out of the stream (k6 v1.8 JSON log line), and only from the script', () => {
  const msg = recordPrefix('request') + JSON.stringify({ t: 1, path: '/a?x=1,2', iteration: 4 });
  const line = JSON.stringify({ level: 'info', msg, source: 'console', time: '2026-11-24T06:08:52Z' });
  assert.deepEqual(parseK6LogLine(line), { kind: 'record', record: { type: 'request', data: { t: 1, path: '/a?x=1,2', iteration: 4 } } });
  // k6's own entry quoting such text is not a record.
  assert.equal(parseK6LogLine(JSON.stringify({ level: 'error', msg, time: 't' })).kind, 'text');
  const other = JSON.stringify({
    level: 'info',
    msg: msg.replace(`moodle-load/${CHANNEL_VERSION} `, 'moodle-load/99 '),
    source: 'console',
    time: 't',
  });
  assert.throws(() => parseK6LogLine(other), ChannelError);
});

test("k6's repeated lines: the first few of each shown, the rest counted; the script's always shown", () => {
  const limiter = new RepeatLimiter(2);
  const failed = text('{"error":"dial tcp: refused","level":"warning","msg":"Request Failed","time":"t"}');
  const other = text('{"level":"warning","msg":"Something else","time":"t"}');
  const ours = text('{"level":"info","msg":"logging in","source":"console","time":"t"}');
  assert.deepEqual(
    [1, 2, 3, 4].map(() => limiter.admit(failed)),
    [true, true, false, false],
  );
  assert.equal(limiter.admit(other), true);
  assert.deepEqual(
    [1, 2, 3].map(() => limiter.admit(ours)),
    [true, true, true],
  );
  assert.deepEqual(limiter.held(), ['k6: 2 more "Request Failed" lines not shown (failed requests are counted in the summary by reason)']);
});
