import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throwsMessage } from '../helpers/assert';
import { parseCliArgs, suggestFlag } from '../../cli/commands/run';

test("the Python tool's command line parses with its defaults", () => {
  const p = parseCliArgs(['--config', 'config.json', '--rpm', '600', '--duration', '600', '--concurrency', '30', '--insecure']);
  assert.equal(p.kind, 'run');
  if (p.kind !== 'run') return;
  assert.equal(p.options.settings.concurrency, 30);
  assert.equal(p.options.settings.insecure, true);
  assert.equal(p.options.settings.loginTimeoutSec, 20);
  assert.equal(p.options.progressSec, 30);
  assert.deepEqual(p.options.outputs, []);
});

test('--out repeats and is passed through in order', () => {
  const p = parseCliArgs(['--config', 'c', '--rpm', '1', '--duration', '1', '--out', 'json=a.json', '--out', 'csv=b.csv']);
  assert.deepEqual(p.kind === 'run' && p.options.outputs, ['json=a.json', 'csv=b.csv']);
});

test('unknown flags get a did-you-mean; missing values and bad numbers name the flag', () => {
  throwsMessage(
    () => parseCliArgs(['--config', 'c', '--rpm', '1', '--duraton', '5']),
    /^unknown flag --duraton \(did you mean --duration\?\); see --help$/,
  );
  throwsMessage(() => parseCliArgs(['--zzzzzzzzzz']), /^unknown flag --zzzzzzzzzz; see --help$/);
  assert.throws(() => parseCliArgs(['--config']), /--config needs a value/);
  throwsMessage(
    () => parseCliArgs(['--config', 'c', '--rpm', '1', '--duration', '1', '--progress', '0']),
    /^--progress must be a positive whole number/,
  );
  assert.equal(suggestFlag('--concurency'), '--concurrency');
});

test('figures are streamed by default; --no-stream-stats gives k6 its summary back; the last of the two wins', () => {
  const base = ['--config', 'c', '--rpm', '1', '--duration', '1'];
  const streamed = (flags: string[]) => {
    const p = parseCliArgs([...base, ...flags]);
    assert.equal(p.kind, 'run');
    return p.kind === 'run' && p.options.settings.streamStats;
  };
  assert.equal(streamed([]), true);
  assert.equal(streamed(['--stream-stats']), true);
  assert.equal(streamed(['--no-stream-stats']), false);
  assert.equal(streamed(['--no-stream-stats', '--stream-stats']), true);
  assert.equal(streamed(['--stream-stats', '--no-stream-stats']), false);
  // --out wants the samples in k6 too, which only the streamed mode has to ask for.
  const out = parseCliArgs([...base, '--out', 'json=a.json']);
  assert.equal(out.kind === 'run' && out.options.settings.metricsToK6, true);
  const k6 = parseCliArgs([...base, '--out', 'json=a.json', '--no-stream-stats']);
  assert.equal(k6.kind === 'run' && k6.options.settings.metricsToK6, false);
});
