// Browser emulation's flags: --emulate-browser, --exclude-url-pattern, --login-concurrency, --errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCliArgs } from '../../cli/commands/run';
import { buildK6Options } from '../../lib/k6-options';
import { loginDelaySec } from '../../lib/run-phases';
import { readRunSettings, settingsToEnv, SettingsError } from '../../lib/run-settings';

const base = ['--config', 'c.json', '--rpm', '60', '--duration', '10'];
const run = (extra: string[]) => {
  const parsed = parseCliArgs([...base, ...extra]);
  assert.equal(parsed.kind, 'run');
  return parsed.kind === 'run' ? parsed.options : (undefined as never);
};

test('defaults: no emulation, 20 VUs logging in a second, no errors file', () => {
  const o = run([]);
  assert.equal(o.settings.emulateBrowser, false);
  assert.equal(o.settings.loginConcurrency, 20);
  assert.equal(o.settings.excludeUrlPattern, undefined);
  assert.equal(o.errorsPath, undefined);
  assert.equal(o.settings.errorLog, false);
});

test('repeated --exclude-url-pattern becomes one alternation, and reaches k6 as EXCLUDE_URL_PATTERN', () => {
  const o = run(['--emulate-browser', '--exclude-url-pattern', 'image\\.php', '--exclude-url-pattern', 'yui_combo']);
  assert.equal(o.settings.excludeUrlPattern, '(?:image\\.php)|(?:yui_combo)');
  const env = settingsToEnv(o.settings);
  assert.equal(env.EMULATE_BROWSER, '1');
  assert.equal(readRunSettings(env, 'env').excludeUrlPattern, '(?:image\\.php)|(?:yui_combo)');
});

test('bad input: one-line errors naming the flag or variable', () => {
  assert.throws(
    () => run(['--exclude-url-pattern', '(']),
    (e: Error) => e instanceof SettingsError && /^--exclude-url-pattern is not a valid regular expression: "\("/.test(e.message),
  );
  assert.throws(() => run(['--login-concurrency', '0']), /--login-concurrency must be a positive whole number, not "0"/);
  assert.throws(() => run(['--errors', 'e.txt']), /--errors must name a \.jsonl or \.csv file, not "e\.txt"/);
  assert.throws(
    () => readRunSettings({ CONFIG: 'c', RPM: '1', DURATION: '1', EXCLUDE_URL_PATTERN: '[' }, 'env'),
    /EXCLUDE_URL_PATTERN is not a valid regular expression: "\["/,
  );
});

test('--errors turns on the error lines', () => {
  const o = run(['--errors', 'out/e.csv']);
  assert.equal(o.errorsPath, 'out/e.csv');
  assert.equal(o.settings.errorLog, true);
});

test("--login-concurrency sets the login rounds; with emulation a page's assets go 6 per host, as a browser", () => {
  const s = run(['--concurrency', '50', '--login-concurrency', '8']).settings;
  // 50 VUs in rounds of 8, a round a second: the last round starts after 6 s.
  assert.equal(loginDelaySec(1, s.loginConcurrency), 0);
  assert.equal(loginDelaySec(8, s.loginConcurrency), 0);
  assert.equal(loginDelaySec(9, s.loginConcurrency), 1);
  assert.equal(loginDelaySec(50, s.loginConcurrency), 6);
  assert.equal(buildK6Options(s, ['a'], 1).batchPerHost, undefined);
  const e = { ...s, emulateBrowser: true };
  assert.equal(buildK6Options(e, ['a'], 1).batchPerHost, 6);
  const thresholds = buildK6Options(e, ['a'], 1).thresholds as Record<string, string[]>;
  assert.ok('moodle_ajax_calls{method:core_calendar_get_action_events_by_timesort,outcome:success}' in thresholds);
  assert.ok(!('moodle_views{outcome:success}' in (buildK6Options(s, ['a'], 1).thresholds as Record<string, string[]>)));
});
