import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throwsMessage } from '../helpers/assert';
import { defaultSummaryPath, readRunSettings, settingsToEnv, SettingsError } from '../../lib/run-settings';

const base = { CONFIG: 'config.json', RPM: '600', DURATION: '60' };

test("defaults are the Python tool's: concurrency 20, login timeout 20 s", () => {
  const s = readRunSettings(base, 'env');
  assert.equal(s.rpm, 600);
  assert.equal(s.durationSec, 60);
  assert.equal(s.concurrency, 20);
  assert.equal(s.loginTimeoutSec, 20);
  assert.equal(s.insecure, false);
  assert.equal(s.seed, undefined);
  assert.equal(s.summaryToStdout, true);
});

test('settingsToEnv round-trips', () => {
  const s = readRunSettings({ ...base, INSECURE: '1', SEED: '0', CONCURRENCY: '3', SUMMARY: 'x.json', SUMMARY_STDOUT: '0' }, 'env');
  assert.deepEqual(readRunSettings(settingsToEnv(s), 'env'), s);
});

test('messages name the variable or the flag', () => {
  assert.throws(
    () => readRunSettings({ ...base, RPM: 'abc' }, 'env'),
    (e: Error) => e instanceof SettingsError && e.message === 'RPM must be a positive whole number, not "abc"',
  );
  throwsMessage(() => readRunSettings({ ...base, RPM: '0' }, 'flag'), /^--rpm must be a positive whole number, not "0"$/);
  throwsMessage(() => readRunSettings({ ...base, DURATION: '-5' }, 'flag'), /^--duration must be a positive whole number/);
  throwsMessage(() => readRunSettings({ ...base, CONCURRENCY: '2.5' }, 'flag'), /^--concurrency must be a positive whole number/);
  throwsMessage(() => readRunSettings({ ...base, LOGIN_TIMEOUT: '0' }, 'flag'), /^--login-timeout must be a positive number of seconds/);
  throwsMessage(() => readRunSettings({ ...base, SEED: '4294967296' }, 'flag'), /^--seed must be a whole number from 0 to 4294967295/);
  const { RPM, ...noRpm } = base;
  throwsMessage(() => readRunSettings(noRpm, 'flag'), /^--rpm is required/);
  throwsMessage(() => readRunSettings(noRpm, 'env'), /^RPM is required/);
});

test('the default summary file is timestamped under results/', () => {
  assert.equal(defaultSummaryPath(new Date(Date.UTC(2026, 10, 24, 5, 47, 3))), 'results/moodle-load-20261124-054703.json');
});
