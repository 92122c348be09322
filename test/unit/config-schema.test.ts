// The schema and the messages cannot disagree: every message about a field's form is made from
// that field's schema. These tests walk the schema and check it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEFAULT_LOGIN_PATH, validateConfig } from '../../lib/config';
import { CONFIG_SCHEMA, Schema, schemaAt } from '../../lib/config-schema';

const good = () => ({
  base_url: 'https://moodle.test',
  users: [{ username: 'u', password: 'p' }],
  parameters: { id: { min: 1, max: 2 } },
  urls: [{ path: '/x?id={id}', weight: 2, name: 'x' }],
});

/** Every leaf field of the schema with a path to set it in `good()`. */
function leaves(): { path: (string | number)[]; field: string; schema: Schema }[] {
  return [
    { path: ['base_url'], field: 'base_url', schema: schemaAt('base_url') },
    { path: ['login_path'], field: 'login_path', schema: schemaAt('login_path') },
    { path: ['users', 0, 'username'], field: 'users[0].username', schema: schemaAt('users', 'items', 'username') },
    { path: ['users', 0, 'password'], field: 'users[0].password', schema: schemaAt('users', 'items', 'password') },
    { path: ['users_file'], field: 'users_file', schema: schemaAt('users_file') },
    { path: ['parameters', 'id', 'min'], field: 'parameters.id.min', schema: schemaAt('parameters', '*', 'min') },
    { path: ['parameters', 'id', 'max'], field: 'parameters.id.max', schema: schemaAt('parameters', '*', 'max') },
    { path: ['urls', 0, 'path'], field: 'urls[0].path', schema: schemaAt('urls', 'items', 'path') },
    { path: ['urls', 0, 'weight'], field: 'urls[0].weight', schema: schemaAt('urls', 'items', 'weight') },
    { path: ['urls', 0, 'name'], field: 'urls[0].name', schema: schemaAt('urls', 'items', 'name') },
  ];
}

function set(obj: any, path: (string | number)[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1] as string | number] = value;
}

test('every field has a title and a description (what editors show)', () => {
  for (const leaf of leaves()) {
    assert.ok(leaf.schema.title, `${leaf.field} has a title`);
    assert.ok((leaf.schema as { description?: string }).description, `${leaf.field} has a description`);
  }
  for (const key of Object.keys(CONFIG_SCHEMA.properties ?? {})) assert.ok(schemaAt(key).title, key);
});

test('a value of the wrong type gets "<field> must be <its schema title>"', () => {
  for (const leaf of leaves()) {
    const wrong = leaf.schema.type === 'string' ? 42 : 'text';
    const config = good();
    set(config, leaf.path, wrong);
    assert.throws(
      () => validateConfig(config, () => ''),
      (e: Error) => e instanceof ConfigError && e.message.startsWith(`config: ${leaf.field} must be ${leaf.schema.title}, not `),
      leaf.field,
    );
  }
});

test('a password is never quoted in a message, other values are', () => {
  const config = good();
  config.users[0]!.password = 7 as unknown as string;
  assert.throws(() => validateConfig(config), /password must be a non-empty string, not number$/);
  const other = good();
  other.users[0]!.username = 7 as unknown as string;
  assert.throws(() => validateConfig(other), /username must be a non-empty string, not number 7$/);
});

test('defaults come from the schema', () => {
  assert.equal(DEFAULT_LOGIN_PATH, schemaAt('login_path').default);
  const config = good();
  delete (config.urls[0] as { weight?: number }).weight;
  assert.equal(validateConfig(config).endpoints[0]?.weight, schemaAt('urls', 'items', 'weight').default);
  assert.equal(validateConfig(config).loginPath, '/login/index.php');
});

test('missing required fields name the schema example or title', () => {
  const noBase = good() as Partial<ReturnType<typeof good>>;
  delete noBase.base_url;
  assert.throws(() => validateConfig(noBase), /^ConfigError: config: base_url is missing \(e\.g\. "https:\/\/moodle\.test"\)$/);
  const noUrls = good() as Partial<ReturnType<typeof good>>;
  delete noUrls.urls;
  assert.throws(() => validateConfig(noUrls), /config: urls is missing \(a list of \{"path"\}\)/);
});
