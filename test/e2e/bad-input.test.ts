// Bad input: one line naming the field or flag, a non-zero exit, and no request sent. Every
// case runs once, through the CLI; a few run through plain `k6 run` too, to show it is the same
// validator with the same messages (running all of them twice would only double the time).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { CLI, K6, SCENARIO, start, tempDir } from '../helpers/e2e';

let sim: Simulator;
let dir: string;
before(async () => {
  sim = await startSimulator();
  dir = tempDir();
});
after(() => sim.close());

function good(): Record<string, any> {
  return {
    base_url: sim.url,
    users: [{ username: 'perfuser01', password: 'pass01' }],
    parameters: { courseid: { min: 2, max: 5 } },
    urls: [{ path: '/my/' }, { path: '/course/view.php?id={courseid}' }],
  };
}

interface ConfigCase {
  readonly name: string;
  /** The config file's text, or a change to a good config. */
  readonly config: string | ((c: Record<string, any>) => void);
  readonly files?: Record<string, string>;
  readonly message: RegExp;
}

const CONFIG_CASES: ConfigCase[] = [
  { name: 'not JSON', config: '{"base_url": ', message: /config: file is not valid JSON/ },
  { name: 'not an object', config: '[1, 2]', message: /config: file must hold a JSON object, not a list/ },
  { name: 'base_url missing', config: (c) => delete c.base_url, message: /config: base_url is missing/ },
  {
    name: 'base_url not a string',
    config: (c) => (c.base_url = 8081),
    message: /config: base_url must be an http:\/\/ or https:\/\/ URL without query or fragment, not number 8081/,
  },
  {
    name: 'base_url not http(s)',
    config: (c) => (c.base_url = 'ftp://127.0.0.1'),
    message: /config: base_url must be an http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'base_url with a query',
    config: (c) => (c.base_url = `${sim.url}/?x=1`),
    message: /config: base_url must be an http:\/\/ or https:\/\/ URL without query or fragment, not string ".*\?x=1"/,
  },
  {
    name: 'base_url with a fragment',
    config: (c) => (c.base_url = `${sim.url}/#top`),
    message: /config: base_url must be .* without query or fragment, not string ".*#top"/,
  },
  {
    name: 'login_path without /',
    config: (c) => (c.login_path = 'login/index.php'),
    message: /config: login_path must be a path starting with "\/"/,
  },
  { name: 'users missing', config: (c) => delete c.users, message: /config: users is missing/ },
  { name: 'users empty', config: (c) => (c.users = []), message: /config: users is empty/ },
  {
    name: 'users not a list',
    config: (c) => (c.users = { username: 'u' }),
    message: /config: users must be a list of \{"username", "password"\}, not an object/,
  },
  { name: 'user without username', config: (c) => (c.users = [{ password: 'p' }]), message: /config: users\[0\]\.username is missing/ },
  { name: 'user without password', config: (c) => (c.users = [{ username: 'u' }]), message: /config: users\[0\]\.password is missing/ },
  {
    name: 'user with a non-string',
    config: (c) => (c.users = [{ username: 7, password: 'p' }]),
    message: /config: users\[0\]\.username must be a non-empty string, not number/,
  },
  { name: 'parameters not an object', config: (c) => (c.parameters = [1]), message: /config: parameters must be an object/ },
  {
    name: 'range without max',
    config: (c) => (c.parameters.courseid = { min: 2 }),
    message: /config: parameters\.courseid\.max is missing/,
  },
  {
    name: 'range without min',
    config: (c) => (c.parameters.courseid = { max: 2 }),
    message: /config: parameters\.courseid\.min is missing/,
  },
  {
    name: 'non-integer range',
    config: (c) => (c.parameters.courseid = { min: 2.5, max: 9 }),
    message: /config: parameters\.courseid\.min must be an integer/,
  },
  {
    name: 'min > max',
    config: (c) => (c.parameters.courseid = { min: 9, max: 2 }),
    message: /config: parameters\.courseid has min \(9\) greater than max \(2\)/,
  },
  { name: 'urls missing', config: (c) => delete c.urls, message: /config: urls is missing/ },
  { name: 'urls empty', config: (c) => (c.urls = []), message: /config: urls is empty/ },
  {
    name: 'path without /',
    config: (c) => (c.urls = [{ path: 'my/' }]),
    message: /config: urls\[0\]\.path must be a path starting with "\/"/,
  },
  {
    name: 'placeholder without range',
    config: (c) => c.urls.push({ path: '/user/profile.php?id={userid}' }),
    message: /config: urls\[2\]\.path uses \{userid\} but parameters has no range for it/,
  },
  {
    name: 'unclosed brace',
    config: (c) => c.urls.push({ path: '/course/view.php?id={courseid' }),
    message: /config: urls\[2\]\.path unclosed "\{" at character 21/,
  },
  {
    name: 'weight not positive',
    config: (c) => (c.urls[0].weight = 0),
    message: /config: urls\[0\]\.weight must be a positive number, not number 0/,
  },
  {
    name: 'users file missing',
    config: (c) => (c.users_file = 'no-such-users.csv'),
    message: /config: users_file "no-such-users\.csv" cannot be read/,
  },
  {
    name: 'users file with a malformed line',
    config: (c) => (c.users_file = 'users.csv'),
    files: { 'users.csv': 'tool_generator_000001,moodle\ntool_generator_000002,moodle\ntool_generator_000003\n' },
    message: /config: users_file users\.csv line 3 is not "username,password" \(no comma\)/,
  },
];

function writeCase(c: ConfigCase, index: number): string {
  const caseDir = join(dir, `case-${index}`);
  mkdirSync(caseDir, { recursive: true });
  for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(caseDir, name), text);
  const path = join(caseDir, 'config.json');
  let text: string;
  if (typeof c.config === 'string') text = c.config;
  else {
    const config = good();
    c.config(config);
    text = JSON.stringify(config);
  }
  writeFileSync(path, text);
  return path;
}

async function cli(args: string[]) {
  return start(process.execPath, [CLI, ...args], { timeoutMs: 15_000 }).done;
}

function assertOneLine(stderr: string, message: RegExp, what: string): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got:\n${stderr}`);
  assert.match(lines[0] as string, message, what);
}

test('every bad config is one line from the CLI, exit 2, nothing sent', { timeout: 60_000 }, async () => {
  sim.resetStats();
  for (const [i, c] of CONFIG_CASES.entries()) {
    const { code, stdout, stderr } = await cli(['--config', writeCase(c, i), '--rpm', '60', '--duration', '1']);
    assert.equal(code, 2, `${c.name}: ${stderr}`);
    assert.equal(stdout, '', c.name);
    assertOneLine(stderr, c.message, c.name);
    assert.match(stderr, /^moodle-load: config: /, c.name);
    assert.ok(stderr.trimEnd().endsWith(`(in ${join(dir, `case-${i}`, 'config.json')})`), `${c.name}: names the file`);
  }
  assert.deepEqual(sim.stats().pages, {}, 'no request reached the site');
});

/** One case per kind of check: JSON syntax, a field's rule, a cross-field rule, the users file. */
const K6_RUN_CASES = ['not JSON', 'user without password', 'min > max', 'users file with a malformed line'];

test('plain `k6 run` reports the same messages from the same validator and sends nothing', { timeout: 60_000 }, async () => {
  sim.resetStats();
  const cases = CONFIG_CASES.map((c, i) => [c, i] as const).filter(([c]) => K6_RUN_CASES.includes(c.name));
  assert.equal(cases.length, K6_RUN_CASES.length, 'every named case exists');
  for (const [c, i] of cases) {
    const path = writeCase(c, i);
    const { code, stderr } = await start(
      K6,
      ['run', '--quiet', '--address', '', '-e', `CONFIG=${path}`, '-e', 'RPM=60', '-e', 'DURATION=1', SCENARIO],
      {
        timeoutMs: 20_000,
        env: { ...process.env, K6_NO_USAGE_REPORT: 'true' },
      },
    ).done;
    assert.notEqual(code, 0, c.name);
    // k6 logs in logfmt: the message is a Go-quoted string.
    const quoted = /msg="((?:[^"\\]|\\.)*)"/.exec(stderr)?.[1] ?? '';
    const msg = JSON.parse(`"${quoted}"`) as string;
    assert.match(msg, c.message, c.name);
    assert.ok(msg.includes(`(in ${path})`), `${c.name}: names the file`);
  }
  assert.deepEqual(sim.stats().pages, {}, 'no request reached the site');
});

test('config file missing or a folder: one line naming the file', { timeout: 20_000 }, async () => {
  const missing = await cli(['--config', join(dir, 'nope.json'), '--rpm', '60', '--duration', '1']);
  assert.equal(missing.code, 2);
  assertOneLine(missing.stderr, /^moodle-load: config: file .*nope\.json does not exist$/, 'missing');
  const folder = await cli(['--config', dir, '--rpm', '60', '--duration', '1']);
  assert.equal(folder.code, 2);
  assertOneLine(folder.stderr, /^moodle-load: config: file .* is a folder$/, 'folder');
});

const FLAG_CASES: [string, string[], RegExp][] = [
  ['--config missing', ['--rpm', '60', '--duration', '1'], /^moodle-load: --config is required/],
  ['--rpm missing', ['--config', 'CONFIG', '--duration', '1'], /^moodle-load: --rpm is required/],
  ['--duration missing', ['--config', 'CONFIG', '--rpm', '60'], /^moodle-load: --duration is required/],
  [
    '--rpm not a number',
    ['--config', 'CONFIG', '--rpm', 'fast', '--duration', '1'],
    /^moodle-load: --rpm must be a positive whole number, not "fast"$/,
  ],
  ['--rpm zero', ['--config', 'CONFIG', '--rpm', '0', '--duration', '1'], /^moodle-load: --rpm must be a positive whole number, not "0"$/],
  [
    '--duration negative',
    ['--config', 'CONFIG', '--rpm', '60', '--duration=-5'],
    /^moodle-load: --duration must be a positive whole number, not "-5"$/,
  ],
  [
    '--concurrency zero',
    ['--config', 'CONFIG', '--rpm', '60', '--duration', '1', '--concurrency', '0'],
    /^moodle-load: --concurrency must be a positive whole number/,
  ],
  [
    '--login-timeout not a number',
    ['--config', 'CONFIG', '--rpm', '60', '--duration', '1', '--login-timeout', 'soon'],
    /^moodle-load: --login-timeout must be a positive number of seconds/,
  ],
  [
    '--progress zero',
    ['--config', 'CONFIG', '--rpm', '60', '--duration', '1', '--progress', '0'],
    /^moodle-load: --progress must be a positive whole number/,
  ],
  [
    'unknown flag',
    ['--config', 'CONFIG', '--rpm', '60', '--duraton', '1'],
    /^moodle-load: unknown flag --duraton \(did you mean --duration\?\); see --help$/,
  ],
  [
    '--log not jsonl/csv',
    ['--config', 'CONFIG', '--rpm', '60', '--duration', '1', '--log', 'x.txt'],
    /^moodle-load: --log must name a \.jsonl or \.csv file/,
  ],
];

test('every bad flag is one line naming the flag, exit 2, nothing sent', { timeout: 30_000 }, async () => {
  sim.resetStats();
  const config = writeCase({ name: 'good', config: () => undefined, message: /./ }, 999);
  for (const [name, args, message] of FLAG_CASES) {
    const { code, stdout, stderr } = await cli(args.map((a) => (a === 'CONFIG' ? config : a)));
    assert.equal(code, 2, `${name}: ${stderr}`);
    assert.equal(stdout, '', name);
    assertOneLine(stderr, message, name);
  }
  assert.deepEqual(sim.stats().pages, {});
});
