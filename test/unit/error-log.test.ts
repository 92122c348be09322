import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorCsvHeader, errorLogFormatOf, ErrorRecord, formatErrorRecord } from '../../lib/error-log';
import { parseK6LogLine } from '../../cli/k6/k6-log';
import { recordPrefix } from '../../lib/channel';

const record: ErrorRecord = {
  t: Date.UTC(2026, 10, 25, 18, 0, 0, 5),
  vu: 2,
  user: 'tool_generator_000001',
  endpoint: 'dashboard',
  part: 'ajax',
  url: 'http://h/lib/ajax/service.php?info=x',
  status: 200,
  reason: 'moodle_exception',
  error: 'invalidrecord: Can\'t find "it", really',
};

test('format follows the extension', () => {
  assert.equal(errorLogFormatOf('e.csv'), 'csv');
  assert.equal(errorLogFormatOf('e.JSONL'), 'jsonl');
  assert.equal(errorLogFormatOf('e.txt'), null);
});

test('CSV: the columns the issue names, quoted when needed', () => {
  assert.equal(errorCsvHeader(), 'time,vu,user,endpoint,part,url,status,reason,error\n');
  assert.equal(
    formatErrorRecord(record, 'csv'),
    '2026-11-25T18:00:00.005Z,2,tool_generator_000001,dashboard,ajax,http://h/lib/ajax/service.php?info=x,200,moodle_exception,"invalidrecord: Can\'t find ""it"", really"\n',
  );
});

test('JSONL: one object per line', () => {
  const parsed = JSON.parse(formatErrorRecord(record, 'jsonl'));
  assert.equal(parsed.time, '2026-11-25T18:00:00.005Z');
  assert.equal(parsed.reason, 'moodle_exception');
});

test("the CLI picks error lines out of k6's JSON log", () => {
  const line = JSON.stringify({ level: 'info', msg: recordPrefix('failure') + JSON.stringify(record), source: 'console', time: 'x' });
  assert.deepEqual(parseK6LogLine(line), { kind: 'record', record: { type: 'failure', data: record } });
});
