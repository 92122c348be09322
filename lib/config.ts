// The config file, validated once: the CLI and the k6 script both call parseConfigText,
// so a bad file gets the same one-line message however the run was started.
import { parseTemplate, Template, TemplateError } from './template';

export interface UserCredential {
  readonly username: string;
  readonly password: string;
}

export interface ParamRange {
  readonly min: number;
  readonly max: number;
}

export interface Endpoint {
  /** Label used for tags and per-endpoint figures: urls[].name, or the template itself. */
  readonly name: string;
  readonly template: Template;
  /** Relative frequency with which this template is picked. */
  readonly weight: number;
}

export interface MoodleConfig {
  /** Without a trailing slash, e.g. "https://moodle.test" or "https://host/moodle". */
  readonly baseUrl: string;
  /** Starts with "/", relative to baseUrl. */
  readonly loginPath: string;
  readonly users: readonly UserCredential[];
  readonly parameters: Readonly<Record<string, ParamRange>>;
  readonly endpoints: readonly Endpoint[];
}

export const DEFAULT_LOGIN_PATH = '/login/index.php';

/** What k6 can carry as a tag value in a submetric selector. */
const TAG_VALUE = /^[^,"'\s](?:[^,"']*[^,"'\s])?$/;

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`config: ${field} ${problem}`);
    this.name = 'ConfigError';
  }

  /** The same message, naming the config file: what the CLI and the k6 script both print. */
  inFile(path: string): ConfigError {
    return new ConfigError(this.field, `${this.problem} (in ${path})`);
  }
}

/**
 * Reads a file named in the config (users_file), resolved against the config's folder;
 * throws on failure. Node's fs in the CLI, k6's open() in the script.
 */
export type ReadFile = (path: string) => string;

export function parseConfigText(text: string, readFile?: ReadFile): MoodleConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('file', `is not valid JSON (${(e as Error).message})`);
  }
  return validateConfig(raw, readFile);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

export function validateConfig(raw: unknown, readFile?: ReadFile): MoodleConfig {
  if (!isObject(raw)) throw new ConfigError('file', `must hold a JSON object, not ${describe(raw)}`);
  const baseUrl = validateBaseUrl(raw.base_url, 'base_url');
  const loginPath = validateLoginPath(raw.login_path);
  const users = [...validateUsers(raw.users, raw.users_file !== undefined), ...readUsersFile(raw.users_file, readFile)];
  if (users.length === 0) throw new ConfigError('users_file', 'has no users: at least one is needed to log in');
  const parameters = validateParameters(raw.parameters);
  const endpoints = validateUrls(raw.urls, parameters);
  return { baseUrl, loginPath, users, parameters, endpoints };
}

/** Also used for the --base-url override, with its own field name in messages. */
export function validateBaseUrl(value: unknown, field: string): string {
  if (value === undefined) throw new ConfigError(field, 'is missing (e.g. "https://moodle.test")');
  if (typeof value !== 'string' || value === '') throw new ConfigError(field, `must be a URL string, not ${describe(value)}`);
  const match = /^(https?):\/\/([^/?#\s]+)([^?#\s]*)$/i.exec(value);
  if (!match) {
    if (/[?#]/.test(value)) throw new ConfigError(field, `must not have a query or fragment: ${JSON.stringify(value)}`);
    throw new ConfigError(field, `must be an http:// or https:// URL: ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

function validateLoginPath(value: unknown): string {
  if (value === undefined) return DEFAULT_LOGIN_PATH;
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw new ConfigError('login_path', `must be a path starting with "/", not ${describe(value)}`);
  }
  return value;
}

/** `users` may be absent or empty when a users_file supplies them. */
function validateUsers(value: unknown, hasUsersFile: boolean): UserCredential[] {
  if (value === undefined && hasUsersFile) return [];
  if (value === undefined) throw new ConfigError('users', 'is missing (a list of {"username", "password"}, or give users_file)');
  if (!Array.isArray(value)) throw new ConfigError('users', `must be a list, not ${describe(value)}`);
  if (value.length === 0 && !hasUsersFile) throw new ConfigError('users', 'is empty: at least one user is needed to log in');
  return value.map((entry, i) => {
    if (!isObject(entry)) throw new ConfigError(`users[${i}]`, `must be an object with username and password, not ${describe(entry)}`);
    for (const key of ['username', 'password'] as const) {
      const v = entry[key];
      if (v === undefined) throw new ConfigError(`users[${i}].${key}`, 'is missing');
      // Describe the type only: the value may be a password.
      if (typeof v !== 'string' || v === '') throw new ConfigError(`users[${i}].${key}`, `must be a non-empty string, not ${v === '' ? 'empty' : Array.isArray(v) ? 'a list' : typeof v}`);
    }
    return { username: entry.username as string, password: entry.password as string };
  });
}

/**
 * Moodle's users file, as admin/tool/generator/cli/maketestplan.php writes it: one
 * "username,password" per line, no header, maybe no final newline. The password is everything
 * after the first comma.
 */
export function parseUsersFile(text: string, field = 'users_file'): UserCredential[] {
  const users: UserCredential[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') return;
    const comma = line.indexOf(',');
    const username = comma < 0 ? '' : line.slice(0, comma).trim();
    const password = comma < 0 ? '' : line.slice(comma + 1);
    // Never quote the line: it holds a password.
    if (comma < 0) throw new ConfigError(`${field} line ${i + 1}`, 'is not "username,password" (no comma)');
    if (username === '') throw new ConfigError(`${field} line ${i + 1}`, 'has an empty username');
    if (password === '') throw new ConfigError(`${field} line ${i + 1}`, 'has an empty password');
    users.push({ username, password });
  });
  return users;
}

function readUsersFile(value: unknown, readFile: ReadFile | undefined): UserCredential[] {
  if (value === undefined) return [];
  if (typeof value !== 'string' || value === '') throw new ConfigError('users_file', `must be a file path, not ${describe(value)}`);
  if (!readFile) throw new ConfigError('users_file', 'cannot be read here');
  let text: string;
  try {
    text = readFile(value);
  } catch (e) {
    throw new ConfigError('users_file', `${JSON.stringify(value)} cannot be read (${String((e as Error).message ?? e).replace(/^GoError: /, '').split('\n')[0]})`);
  }
  return parseUsersFile(text, `users_file ${value}`);
}

function validateParameters(value: unknown): Record<string, ParamRange> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new ConfigError('parameters', `must be an object of {"name": {"min", "max"}}, not ${describe(value)}`);
  const out: Record<string, ParamRange> = {};
  for (const [name, range] of Object.entries(value)) {
    const field = `parameters.${name}`;
    if (!isObject(range)) throw new ConfigError(field, `must be an object {"min", "max"}, not ${describe(range)}`);
    for (const key of ['min', 'max'] as const) {
      const v = range[key];
      if (v === undefined) throw new ConfigError(`${field}.${key}`, 'is missing');
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ConfigError(`${field}.${key}`, `must be an integer, not ${describe(v)}`);
    }
    const min = range.min as number;
    const max = range.max as number;
    if (min > max) throw new ConfigError(field, `has min (${min}) greater than max (${max})`);
    out[name] = { min, max };
  }
  return out;
}

function validateUrls(value: unknown, parameters: Record<string, ParamRange>): Endpoint[] {
  if (value === undefined) throw new ConfigError('urls', 'is missing (a list of {"path"})');
  if (!Array.isArray(value)) throw new ConfigError('urls', `must be a list, not ${describe(value)}`);
  if (value.length === 0) throw new ConfigError('urls', 'is empty: at least one URL is needed');
  const names = new Set<string>();
  return value.map((entry, i) => {
    const field = `urls[${i}]`;
    if (!isObject(entry)) throw new ConfigError(field, `must be an object with a path, not ${describe(entry)}`);
    const path = entry.path;
    if (path === undefined) throw new ConfigError(`${field}.path`, 'is missing');
    if (typeof path !== 'string' || !path.startsWith('/')) throw new ConfigError(`${field}.path`, `must be a path starting with "/", not ${describe(path)}`);
    let template: Template;
    try {
      template = parseTemplate(path);
    } catch (e) {
      if (e instanceof TemplateError) throw new ConfigError(`${field}.path`, `${e.message}: ${JSON.stringify(path)}`);
      throw e;
    }
    for (const param of template.params) {
      if (!Object.prototype.hasOwnProperty.call(parameters, param)) {
        throw new ConfigError(`${field}.path`, `uses {${param}} but parameters has no range for it`);
      }
    }
    const weight = entry.weight === undefined ? 1 : entry.weight;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
      throw new ConfigError(`${field}.weight`, `must be a positive number, not ${describe(weight)}`);
    }
    const name = entry.name === undefined ? path : entry.name;
    if (typeof name !== 'string' || name === '') throw new ConfigError(`${field}.name`, `must be a non-empty string, not ${describe(name)}`);
    // The name is a k6 tag value, and k6 reads submetric selectors as {tag:value,tag:value}.
    if (!TAG_VALUE.test(name)) {
      throw entry.name === undefined
        ? new ConfigError(`${field}.path`, `has a comma, quote or outer space, so it cannot name the endpoint: give this entry a "name"`)
        : new ConfigError(`${field}.name`, `must not contain a comma or quotes, nor start or end with a space: ${JSON.stringify(name)}`);
    }
    if (names.has(name)) throw new ConfigError(`${field}.name`, `repeats the endpoint name ${JSON.stringify(name)}: names must be unique`);
    names.add(name);
    return { name, template, weight };
  });
}
