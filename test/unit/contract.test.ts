// The CLI/k6 contract: strict config keys, mistyped -e variables, plain `k6 run` defaults, the
// one k6 command line, the run status file and the exit codes chosen from it, and the summary
// against summary.schema.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, validateConfig } from '../../lib/config';
import { CONFIG_SCHEMA, Schema } from '../../lib/config-schema';
import { mistypedVariable, PLAIN_K6_DEFAULTS, readRunSettings, RunSettings } from '../../lib/run-settings';
import { CHANNEL_VERSION, ChannelError, decodeRecord, endRecord, recordPrefix } from '../../lib/channel';
import { abortOf, abortSubmetric } from '../../lib/abort-reasons';
import { buildK6Options } from '../../lib/k6-options';
import { buildSummary, MOODLE_LOAD_VERSION, Summary, SummaryInput } from '../../lib/summary';
import { EXIT, exitCodeForRun, K6_EXIT } from '../../cli/exit-codes';
import { K6_GOGC, k6Invocation, scenarioPath } from '../../cli/k6/invocation';
import { ROOT } from '../helpers/paths';
import { assertValidSummary, SUMMARY_SCHEMA, summaryErrors } from '../helpers/summary-schema';

const good = () => ({
  base_url: 'https://moodle.test',
  users: [{ username: 'u', password: 'p' }],
  parameters: { id: { min: 1, max: 2 } },
  urls: [{ path: '/x?id={id}', weight: 2, name: 'x' }],
});

function messageOf(mutate: (c: any) => void): string {
  const c = good();
  mutate(c);
  try {
    validateConfig(c, () => '');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.message;
  }
  return 'no error';
}

test('an unknown key anywhere is an error naming the key, its place and the nearest valid key', () => {
  assert.equal(
    messageOf((c) => (c.urls[0].weigth = 5)),
    'config: urls[0].weigth is not a known key (did you mean weight?)',
  );
  assert.equal(
    messageOf((c) => ((c.paramters = c.parameters), delete c.parameters)),
    'config: paramters is not a known key (did you mean parameters?)',
  );
  assert.equal(
    messageOf((c) => (c.parameters.id.mx = 3)),
    'config: parameters.id.mx is not a known key (did you mean max?)',
  );
  assert.equal(
    messageOf((c) => (c.users[0].pasword = 'x')),
    'config: users[0].pasword is not a known key (did you mean password?)',
  );
  // A misspelt required key is a typo, not a missing field.
  assert.equal(
    messageOf((c) => ((c.base_ulr = c.base_url), delete c.base_url)),
    'config: base_ulr is not a known key (did you mean base_url?)',
  );
  assert.equal(
    messageOf((c) => (c.colour = 'red')),
    'config: colour is not a known key (known: $schema, $comment, base_url, login_path, users, users_file, parameters, urls, journeys)',
  );
  // JSON has no comments: "$comment" is the one free-text key (the real site's generated config has one).
  assert.equal(
    messageOf((c) => (c.$comment = 'written by make moodle-site')),
    'no error',
  );
  // Parameter names are the user's own: any name is a key there.
  assert.equal(
    messageOf((c) => (c.parameters.anything = { min: 1, max: 1 })),
    'no error',
  );
});

test('the schema forbids unknown keys on every object it describes', () => {
  const walk = (s: Schema, where: string): void => {
    if (s.type === 'object' && s.properties) assert.equal(s.additionalProperties, false, `${where} allows unknown keys`);
    for (const [k, sub] of Object.entries(s.properties ?? {})) walk(sub, `${where}.${k}`);
    if (s.items) walk(s.items, `${where}[]`);
    if (s.additionalProperties) walk(s.additionalProperties, `${where}.*`);
  };
  walk(CONFIG_SCHEMA, 'config');
});

test("-e variables: a typo of ours is caught, the shell's variables and k6's are not", () => {
  const cases: [string, string][] = [
    ['RPN', 'RPM'],
    ['rpm', 'RPM'],
    ['DURATON', 'DURATION'],
    ['CONCURENCY', 'CONCURRENCY'],
    ['SEDD', 'SEED'],
    ['BASEURL', 'BASE_URL'],
    ['RETRYS', 'RETRIES'],
    ['SUMARY', 'SUMMARY'],
  ];
  for (const [name, meant] of cases) assert.deepEqual(mistypedVariable({ [name]: '1' }), { name, meant }, name);
  // Variables a Linux shell, CI or Node commonly sets: none may stop a plain `k6 run`.
  const shell =
    'PATH HOME USER SHELL PWD OLDPWD LANG LC_ALL TERM TZ HOSTNAME LOGNAME MAIL EDITOR PAGER DISPLAY TMPDIR SHLVL _ PS1 COLUMNS LINES SSH_AUTH_SOCK SSH_TTY XDG_RUNTIME_DIR DBUS_SESSION_BUS_ADDRESS NODE_ENV NODE_OPTIONS GOPATH GOROOT GOBIN JAVA_HOME CI GITHUB_ACTIONS RUNNER_OS HTTP_PROXY HTTPS_PROXY NO_PROXY LESS LS_COLORS MANPATH DEBUG VERBOSE SUDO_USER COLORTERM VIRTUAL_ENV PYTHONPATH LD_LIBRARY_PATH CC CXX CFLAGS MAKEFLAGS MAKELEVEL MFLAGS HISTSIZE HISTFILE K6_WEB_DASHBOARD K6_OUT K6_PROMETHEUS_RW_SERVER_URL';
  for (const name of shell.split(' ')) assert.equal(mistypedVariable({ [name]: '1' }), null, name);
  assert.equal(mistypedVariable({ RPM: '60', CONFIG: 'c.json', SEED: '1', STATUS_FILE: '/tmp/s' }), null);
});

test('plain `k6 run` defaults: the shipped config at 60 rpm for 10 s; the CLI still requires its flags', () => {
  const s = readRunSettings({ ...PLAIN_K6_DEFAULTS }, 'env');
  assert.equal(s.configPath, 'config.json');
  assert.equal(s.rpm, 60);
  assert.equal(s.durationSec, 10);
  assert.throws(() => readRunSettings({}, 'flag'), /--config is required/);
  assert.ok(
    JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8')).base_url.startsWith('http://127.0.0.1:'),
    'the shipped config points at the local simulator',
  );
});

const every: RunSettings = {
  configPath: '/c/config.json',
  rpm: 1200,
  durationSec: 30,
  concurrency: 7,
  users: 70,
  thinkTimeSec: undefined,
  rampSec: undefined,
  loginTimeoutSec: 2.5,
  requestTimeoutSec: 9,
  insecure: true,
  seed: 42,
  baseUrl: 'https://h/moodle',
  summaryPath: '/tmp/s.json',
  retries: 2,
  retryBaseMs: 50,
  retryMaxMs: 900,
  warmupSec: 3,
  examWindowSec: 0,
  summaryToStdout: false,
  requestLog: true,
  channel: true,
  k6Version: 'v1.8.1',
  loginConcurrency: 4,
  emulateBrowser: true,
  excludeUrlPattern: 'yui',
  errorLog: true,
  streamStats: true,
  metricsToK6: true,
};

test('the k6 command line carries every run setting, and the script reads back the same settings', () => {
  const inv = k6Invocation({
    projectRoot: '/p',
    settings: every,
    outputs: ['json=a.json', 'experimental-prometheus-rw'],
    segment: { segment: '0:1/2', sequence: '0,1/2,1', instanceId: 1 },
    baseEnv: { PATH: '/bin', RPN: '600' },
  });
  const env: Record<string, string> = {};
  inv.args.forEach((a, i) => {
    if (a === '-e') {
      const kv = inv.args[i + 1] as string;
      env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    }
  });
  assert.deepEqual(readRunSettings(env, 'env'), every);
  // The closed model's settings make the same round trip.
  const closed: RunSettings = { ...every, rpm: 0, thinkTimeSec: [2.5, 7], rampSec: 4, warmupSec: 0 };
  const closedEnv: Record<string, string> = {};
  const closedArgs = k6Invocation({ projectRoot: '/p', settings: closed, outputs: [], baseEnv: {} }).args;
  closedArgs.forEach((a, i) => {
    if (a === '-e') {
      const kv = closedArgs[i + 1] as string;
      closedEnv[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    }
  });
  assert.deepEqual(readRunSettings(closedEnv, 'env'), closed);
  assert.equal(inv.args[inv.args.length - 1], scenarioPath('/p'));
  const after = (flag: string) => inv.args.filter((_, i) => inv.args[i - 1] === flag);
  assert.deepEqual(after('--out'), ['json=a.json', 'experimental-prometheus-rw']);
  assert.deepEqual(after('--execution-segment'), ['0:1/2']);
  assert.deepEqual(after('--execution-segment-sequence'), ['0,1/2,1']);
  // Each instance's series apart in outputs, tagged as the k6-operator tags its runners.
  assert.deepEqual(after('--tag'), ['instance_id=1']);
  // Trends reach Prometheus as native histograms, which add up across instances, unless the shell says otherwise.
  assert.equal(inv.env.K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM, 'true');
  const own = { K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'false' };
  assert.equal(
    k6Invocation({ projectRoot: '/p', settings: every, outputs: [], baseEnv: own }).env.K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM,
    'false',
  );
  assert.deepEqual(after('--address'), ['']);
  // The shell's variables do not reach the script (RPN here would stop it).
  assert.ok(inv.args.includes('--include-system-env-vars=false'));
  assert.equal(inv.env.K6_WEB_DASHBOARD, 'false');
  // Go's collection target: the CLI's unless the shell sets one.
  assert.equal(inv.env.GOGC, K6_GOGC);
  assert.equal(k6Invocation({ projectRoot: '/p', settings: every, outputs: [], baseEnv: { GOGC: '100' } }).env.GOGC, '100');
  const dash = k6Invocation({
    projectRoot: '/p',
    settings: every,
    outputs: [],
    dashboard: { port: 5665, periodSec: 2, exportPath: '/r.html' },
    baseEnv: {},
  });
  assert.equal(dash.env.K6_WEB_DASHBOARD, 'true');
  assert.equal(dash.env.K6_WEB_DASHBOARD_HOST, '127.0.0.1');
  assert.equal(dash.env.K6_WEB_DASHBOARD_PORT, '5665');
  assert.equal(dash.env.K6_WEB_DASHBOARD_EXPORT, '/r.html');
});

test('the channel: records written by the script, read by the CLI, versioned', () => {
  const summary = { stopped_early: false, dropped_iterations: 3, warnings: ['w'], elapsed_sec: 10.5 } as unknown as Summary;
  const end = endRecord({ abort: null, summary, summaryPath: '/s.json', loadStartMs: 1_000 });
  assert.deepEqual(decodeRecord(recordPrefix('end') + JSON.stringify(end)), {
    type: 'end',
    data: {
      stop: 'completed',
      dropped_iterations: 3,
      warnings: ['w'],
      summary_path: '/s.json',
      load_from_ms: 1_000,
      load_to_ms: 11_500,
      summary,
    },
  });
  assert.equal(
    endRecord({ abort: null, summary: { ...summary, stopped_early: true }, summaryPath: '', loadStartMs: undefined }).stop,
    'stopped_early',
  );
  assert.equal(endRecord({ abort: 'no_session', summary, summaryPath: '', loadStartMs: undefined }).load_from_ms, null);
  assert.equal(endRecord({ abort: 'no_session', summary, summaryPath: '', loadStartMs: undefined }).stop, 'no_session');
  assert.deepEqual(decodeRecord(recordPrefix('request') + '{"t":1}'), { type: 'request', data: { t: 1 } });
  // Not records: the script's other lines, and lines that only look alike.
  assert.equal(decodeRecord('logging in 2 sessions'), null);
  assert.equal(decodeRecord('moodle-load: warning'), null);
  assert.throws(
    () => decodeRecord(recordPrefix('end').replace(`/${CHANNEL_VERSION} `, `/${CHANNEL_VERSION + 1} `) + JSON.stringify(end)),
    new RegExp(`version ${CHANNEL_VERSION + 1}.*reads version ${CHANNEL_VERSION}`),
  );
  assert.throws(() => decodeRecord(recordPrefix('end') + JSON.stringify({ ...end, stop: 'tired' })), ChannelError);
  assert.throws(() => decodeRecord(recordPrefix('end') + '{'), ChannelError);
  assert.throws(
    () => decodeRecord(recordPrefix('request').replace('request', 'gossip') + '{}'),
    /unknown moodle-load record type "gossip"/,
  );
});

test('why setup() aborted travels in a metric k6 tracks (a threshold declares it), not in log text', () => {
  const options = buildK6Options(every, ['x'], 1) as { thresholds: Record<string, string[]> };
  for (const kind of ['no_session', 'site_unreachable'] as const) {
    assert.ok(options.thresholds[abortSubmetric(kind)], kind);
    assert.equal(abortOf({ [abortSubmetric(kind)]: { values: { count: 1 } } }), kind);
  }
  assert.equal(abortOf({}), null);
});

test("exit codes come from the end record and k6's exit code", () => {
  const status = (stop: 'completed' | 'stopped_early' | 'no_session' | 'site_unreachable') => ({ stop });
  assert.equal(exitCodeForRun(K6_EXIT.ok, false, status('completed')), EXIT.ok);
  assert.equal(exitCodeForRun(K6_EXIT.scriptAborted, false, status('no_session')), EXIT.noSession);
  assert.equal(exitCodeForRun(K6_EXIT.scriptAborted, false, status('site_unreachable')), EXIT.siteUnreachable);
  assert.equal(exitCodeForRun(K6_EXIT.ok, true, status('stopped_early')), EXIT.interrupted);
  assert.equal(exitCodeForRun(K6_EXIT.externalAbort, false, status('stopped_early')), EXIT.interrupted);
  // k6 ended well but wrote no end record (an old dist/ or a crash in handleSummary): not a success.
  assert.equal(exitCodeForRun(K6_EXIT.ok, false, null), EXIT.k6Failed);
  assert.equal(exitCodeForRun(K6_EXIT.scriptAborted, false, null), EXIT.k6Failed);
});

const input: SummaryInput = {
  metrics: {
    'moodle_reqs{outcome:success}': { values: { count: 9 } },
    'moodle_reqs{outcome:failure}': { values: { count: 1 } },
    'moodle_req_duration{outcome:success}': { values: { 'p(50)': 1, 'p(95)': 2, 'p(99)': 3, avg: 1.5, max: 4, count: 9 } },
    'moodle_server_time{endpoint:/my/}': { values: { 'p(95)': 20, avg: 10, count: 9 } },
    moodle_server_time: { values: { 'p(95)': 20, avg: 10, count: 9 } },
  },
  endpoints: [{ name: '/my/', path: '/my/', weight: 1 }],
  targetRpm: 600,
  durationSec: 10,
  warmupSec: 0,
  concurrency: 2,
  retries: 0,
  seed: 1,
  login: { attempted: 2, loggedIn: 2, seconds: 0.1, failedUsers: [] },
  loadStartMs: 0,
  nowMs: 10_000,
  k6Version: 'v1.8.1',
};

test("the summary has exactly the keys summary.schema.json lists, with its version, ours and k6's", () => {
  const summary = buildSummary(input);
  const properties = Object.keys(SUMMARY_SCHEMA.properties as object);
  // Keys only some runs have: a segment of a split test, --emulate-browser, --server-stats (added by the CLI), --stream-stats, a merged summary.
  const segmentOnly = [
    'execution_segment',
    'merged',
    'mergeable',
    'instance_target_rpm',
    'page_views',
    'server_resources',
    'stream_stats',
    'journeys',
    'journeys_created',
    'exam',
  ];
  assert.deepEqual(Object.keys(summary).sort(), properties.filter((k) => !segmentOnly.includes(k)).sort());
  assert.deepEqual([...(SUMMARY_SCHEMA.required as string[])].sort(), properties.filter((k) => !segmentOnly.includes(k)).sort());
  assert.equal(summary.schema_version, (SUMMARY_SCHEMA.properties as Record<string, { const: number }>).schema_version?.const);
  assert.equal(summary.moodle_load_version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  assert.equal(summary.moodle_load_version, MOODLE_LOAD_VERSION);
  assert.equal(summary.k6_version, 'v1.8.1');
  assertValidSummary(summary);
  const segment = buildSummary({ ...input, segment: '1/2:1' });
  assert.deepEqual(
    Object.keys(segment).sort(),
    properties
      .filter(
        (k) =>
          !['page_views', 'server_resources', 'stream_stats', 'journeys', 'journeys_created', 'exam', 'merged', 'mergeable'].includes(k),
      )
      .sort(),
  );
  const withJourneys = buildSummary({
    ...input,
    journeys: validateConfig({
      base_url: 'http://m.test',
      users: [{ username: 'u', password: 'p' }],
      urls: [],
      journeys: [{ journey: 'forum_reply', params: { forum: 1 } }],
    }).journeys,
  });
  assert.deepEqual(withJourneys.journeys_created, { forum_posts: 0 });
  assert.equal(withJourneys.journeys?.forum_reply?.started, 0);
  assertValidSummary(withJourneys, 'a summary with journeys');
  assert.ok(Object.keys(buildSummary({ ...input, emulateBrowser: true })).includes('page_views'));
  const streamed = buildSummary({ ...input, streamStats: true });
  assert.deepEqual(streamed.stream_stats, { percentile_relative_error: 0.005 });
  assertValidSummary(streamed, 'a --stream-stats summary');
  assertValidSummary(segment, 'a segment summary');
  assertValidSummary(
    buildSummary({ ...input, login: undefined, loadStartMs: undefined, seed: null, k6Version: null }),
    'a summary of a run that never logged in',
  );
  // The schema can fail: a missing key, a wrong type and an unknown key are all caught.
  const { total: _total, ...noTotal } = summary;
  assert.ok(summaryErrors(noTotal).length > 0);
  assert.ok(summaryErrors({ ...summary, seed: 'x' }).length > 0);
  assert.ok(summaryErrors({ ...summary, extra: 1 }).length > 0);
});

test('docs/reading-results.md documents every summary key', () => {
  const page = readFileSync(join(ROOT, 'docs', 'reading-results.md'), 'utf8');
  const section = page.slice(page.indexOf('## The summary JSON'), page.indexOf('## Progress lines'));
  assert.ok(section.length > 0, 'docs/reading-results.md has its summary section');
  for (const key of Object.keys(SUMMARY_SCHEMA.properties as object))
    assert.ok(
      section.includes(`\`${key}\``) || section.includes(`_${key.split('_').pop()}\``),
      `docs/reading-results.md's summary table lacks ${key}`,
    );
});
