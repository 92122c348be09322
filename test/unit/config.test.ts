import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, parseConfigText, validateConfig } from '../../lib/config';
import { ROOT } from '../helpers/paths';

const good = {
  base_url: 'https://moodle.test/',
  users: [{ username: 'u1', password: 'p1' }],
  parameters: { courseid: { min: 2, max: 5 } },
  urls: [{ path: '/my/' }, { path: '/course/view.php?id={courseid}', weight: 3, name: 'course' }],
};

function withChange(change: (c: any) => void): unknown {
  const c = structuredClone(good) as any;
  change(c);
  return c;
}

function rejects(raw: unknown, message: RegExp): void {
  assert.throws(
    () => validateConfig(raw),
    (e: Error) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
      assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test("the shipped config.json is valid and has the Python tool's fields", () => {
  const c = parseConfigText(readFileSync(join(ROOT, 'config.json'), 'utf8'));
  assert.equal(c.loginPath, '/login/index.php');
  assert.equal(c.endpoints.length, 4);
  assert.deepEqual(c.parameters.courseid, { min: 2, max: 500 });
});

test('defaults: login_path, weight 1, name = template; trailing slash of base_url dropped', () => {
  const c = validateConfig(good);
  assert.equal(c.baseUrl, 'https://moodle.test');
  assert.equal(c.loginPath, '/login/index.php');
  assert.equal(c.endpoints[0]?.name, '/my/');
  assert.equal(c.endpoints[0]?.weight, 1);
  assert.equal(c.endpoints[1]?.name, 'course');
  assert.equal(c.endpoints[1]?.weight, 3);
});

test('a base_url with a path is kept (sites under /moodle)', () => {
  assert.equal(validateConfig(withChange((c) => (c.base_url = 'http://h:8080/moodle'))).baseUrl, 'http://h:8080/moodle');
});

test('not JSON, not an object', () => {
  assert.throws(() => parseConfigText('{"base_url": '), /config: file is not valid JSON/);
  rejects([], /config: file must hold a JSON object, not a list/);
  rejects('x', /must hold a JSON object/);
});

test('base_url: missing, not a string, not http(s), query or fragment', () => {
  rejects(
    withChange((c) => delete c.base_url),
    /^config: base_url is missing/,
  );
  rejects(
    withChange((c) => (c.base_url = 5)),
    /^config: base_url must be an http:\/\/ or https:\/\/ URL without query or fragment, not number 5$/,
  );
  rejects(
    withChange((c) => (c.base_url = 'ftp://x')),
    /^config: base_url must be an http:\/\/ or https:\/\/ URL without query or fragment, not string "ftp:\/\/x"$/,
  );
  rejects(
    withChange((c) => (c.base_url = 'moodle.test')),
    /must be an http/,
  );
  rejects(
    withChange((c) => (c.base_url = 'https://m.test/?a=1')),
    /without query or fragment, not string "https:\/\/m\.test\/\?a=1"/,
  );
  rejects(
    withChange((c) => (c.base_url = 'https://m.test/#x')),
    /without query or fragment/,
  );
});

test('login_path must start with /', () => {
  rejects(
    withChange((c) => (c.login_path = 'login/index.php')),
    /^config: login_path must be a path starting with "\/"/,
  );
});

test('users: missing, empty, not a list, bad entries (never echoing a password)', () => {
  rejects(
    withChange((c) => delete c.users),
    /^config: users is missing/,
  );
  rejects(
    withChange((c) => (c.users = [])),
    /^config: users is empty/,
  );
  rejects(
    withChange((c) => (c.users = {})),
    /^config: users must be a list/,
  );
  rejects(
    withChange((c) => (c.users = ['u'])),
    /^config: users\[0\] must be an object/,
  );
  rejects(
    withChange((c) => (c.users = [{ password: 'p' }])),
    /^config: users\[0\]\.username is missing/,
  );
  rejects(
    withChange((c) => c.users.push({ username: 'u2' })),
    /^config: users\[1\]\.password is missing/,
  );
  rejects(
    withChange((c) => (c.users = [{ username: 'u', password: 12345 }])),
    /^config: users\[0\]\.password must be a non-empty string, not number$/,
  );
});

test('parameters: not an object, missing min/max, non-integers, min > max', () => {
  rejects(
    withChange((c) => (c.parameters = [])),
    /^config: parameters must be an object/,
  );
  rejects(
    withChange((c) => (c.parameters.courseid = 3)),
    /^config: parameters\.courseid must be an object/,
  );
  rejects(
    withChange((c) => delete c.parameters.courseid.max),
    /^config: parameters\.courseid\.max is missing/,
  );
  rejects(
    withChange((c) => (c.parameters.courseid.min = 1.5)),
    /^config: parameters\.courseid\.min must be an integer/,
  );
  rejects(
    withChange((c) => (c.parameters.courseid.min = '2')),
    /must be an integer, not string "2"/,
  );
  rejects(
    withChange((c) => (c.parameters.courseid = { min: 9, max: 2 })),
    /^config: parameters\.courseid has min \(9\) greater than max \(2\)/,
  );
});

test('urls: missing, empty, bad path, placeholder without range, unclosed brace, bad weight', () => {
  rejects(
    withChange((c) => delete c.urls),
    /^config: urls is missing/,
  );
  rejects(
    withChange((c) => (c.urls = [])),
    /^config: urls is empty/,
  );
  rejects(
    withChange((c) => (c.urls = [{ path: 'my/' }])),
    /^config: urls\[0\]\.path must be a path starting with "\/"/,
  );
  rejects(
    withChange((c) => (c.urls = [{}])),
    /^config: urls\[0\]\.path is missing/,
  );
  rejects(
    withChange((c) => c.urls.push({ path: '/user/profile.php?id={userid}' })),
    /^config: urls\[2\]\.path uses \{userid\} but parameters has no range for it/,
  );
  rejects(
    withChange((c) => c.urls.push({ path: '/x?id={courseid' })),
    /^config: urls\[2\]\.path unclosed "\{"/,
  );
  rejects(
    withChange((c) => (c.urls[0].weight = 0)),
    /^config: urls\[0\]\.weight must be a positive number/,
  );
  rejects(
    withChange((c) => (c.urls[0].weight = -1)),
    /weight must be a positive number/,
  );
  rejects(
    withChange((c) => (c.urls[0].name = 'course')),
    /^config: urls\[1\]\.name repeats the endpoint name "course"/,
  );
  rejects(
    withChange((c) => c.urls.push({ path: '/x?ids=1,2' })),
    /^config: urls\[2\]\.path has a comma, quote or outer space, so it cannot name the endpoint: give this entry a "name"/,
  );
  rejects(
    withChange((c) => (c.urls[0].name = 'a,b')),
    /^config: urls\[0\]\.name must not contain a comma/,
  );
  assert.equal(validateConfig(withChange((c) => c.urls.push({ path: '/x?ids=1,2', name: 'x ids' }))).endpoints[2]?.name, 'x ids');
});

test('config.json points editors at the schema', () => {
  const raw = JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8'));
  assert.equal(raw.$schema, './config.schema.json');
});

test('users_file alone, or with users; lines are username,password', () => {
  const files: Record<string, string> = { 'u.csv': 'tool_generator_000001,moodle\r\ntool_generator_000002,pass,with,commas' };
  const read = (p: string) => {
    if (!(p in files)) throw new Error(`ENOENT: ${p}`);
    return files[p] as string;
  };
  const c = validateConfig(
    withChange((x) => {
      delete x.users;
      x.users_file = 'u.csv';
    }),
    read,
  );
  assert.deepEqual(
    c.users.map((u) => [u.username, u.password]),
    [
      ['tool_generator_000001', 'moodle'],
      ['tool_generator_000002', 'pass,with,commas'],
    ],
  );
  assert.equal(
    validateConfig(
      withChange((x) => (x.users_file = 'u.csv')),
      read,
    ).users.length,
    3,
  );
  rejects(
    withChange((x) => {
      delete x.users;
    }),
    /^config: users is missing \(a list of \{"username", "password"\}\), or give users_file$/,
  );
});
