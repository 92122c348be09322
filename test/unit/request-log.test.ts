import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvHeader, formatRecord, logFormatOf, RequestLogRecord } from '../../lib/request-log';

const record: RequestLogRecord = {
  t: Date.UTC(2026, 10, 24, 6, 0, 0, 123),
  phase: 'load',
  endpoint: 'course',
  path: '/course/view.php?id=2,3',
  status: 200,
  latency_ms: 12.5,
  outcome: 'success',
  reason: '',
  attempt: 0,
  vu: 3,
  iteration: 41,
  db_reads: 34,
  db_writes: 2,
  server_ms: null,
};

test('format follows the file extension', () => {
  assert.equal(logFormatOf('a/b.jsonl'), 'jsonl');
  assert.equal(logFormatOf('x.CSV'), 'csv');
  assert.equal(logFormatOf('x.json'), null);
});

test('JSONL: one object per line with an ISO time', () => {
  const line = formatRecord(record, 'jsonl');
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  const parsed = JSON.parse(line);
  assert.equal(parsed.time, '2026-11-24T06:00:00.123Z');
  assert.equal(parsed.path, '/course/view.php?id=2,3');
  assert.equal(parsed.iteration, 41);
});

test('CSV: header and quoted fields', () => {
  assert.equal(
    csvHeader(),
    'time,phase,endpoint,path,status,latency_ms,outcome,reason,attempt,vu,iteration,db_reads,db_writes,server_ms\n',
  );
  assert.equal(
    formatRecord(record, 'csv'),
    '2026-11-24T06:00:00.123Z,load,course,"/course/view.php?id=2,3",200,12.5,success,,0,3,41,34,2,\n',
  );
});
