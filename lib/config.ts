// The config file, validated once: the CLI and the k6 script both call parseConfigText, so a
// bad file gets the same one-line message however the run was started. Structure, types and
// defaults come from config.schema.json (config-schema.ts); what a schema cannot say (min <=
// max, placeholders with ranges, unique names, the users file) is checked here.
import { schemaAt, schemaViolation, CONFIG_SCHEMA } from './config-schema';
import { parseTemplate, Template, TemplateError } from './template';
import { RawJourney, validateJourneys } from './journeys/journey-config';
import type { Journey } from './journeys/journey-types';

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
  /** Journeys that write (docs/journeys.md); picked with the endpoints, by weight. */
  readonly journeys: readonly Journey[];
}

export const DEFAULT_LOGIN_PATH = schemaAt('login_path').default as string;
const DEFAULT_WEIGHT = schemaAt('urls', 'items', 'weight').default as number;

/** What k6 can carry as a tag value in a submetric selector ({tag:value,tag:value}). */
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

interface RawConfig {
  base_url: string;
  login_path?: string;
  users?: UserCredential[];
  users_file?: string;
  parameters?: Record<string, ParamRange>;
  urls: { path: string; weight?: number; name?: string }[];
  journeys?: RawJourney[];
}

export function validateConfig(raw: unknown, readFile?: ReadFile): MoodleConfig {
  const violation = schemaViolation(raw, CONFIG_SCHEMA);
  if (violation) throw new ConfigError(violation.field, violation.problem);
  const c = raw as RawConfig;
  const users = [...(c.users ?? []), ...readUsersFile(c.users_file, readFile)];
  if (users.length === 0)
    throw new ConfigError(
      c.users_file === undefined ? 'users' : 'users_file',
      c.users_file === undefined ? 'is empty: at least one user is needed to log in' : 'has no users: at least one is needed to log in',
    );
  const parameters = c.parameters ?? (schemaAt('parameters').default as Record<string, ParamRange>);
  for (const [name, range] of Object.entries(parameters)) {
    if (range.min > range.max) throw new ConfigError(`parameters.${name}`, `has min (${range.min}) greater than max (${range.max})`);
  }
  const endpoints = validateUrls(c.urls, parameters);
  const journeys = validateJourneys(
    c.journeys,
    endpoints.map((e) => e.name),
    TAG_VALUE,
  );
  if (endpoints.length === 0 && journeys.length === 0) throw new ConfigError('urls', 'is empty: give at least one url or journey');
  return {
    baseUrl: c.base_url.replace(/\/+$/, ''),
    loginPath: c.login_path ?? DEFAULT_LOGIN_PATH,
    users: users.map((u) => ({ username: u.username, password: u.password })),
    parameters,
    endpoints,
    journeys,
  };
}

/** The --base-url override, checked by the same schema rule, with its own name in messages. */
export function validateBaseUrl(value: unknown, field: string): string {
  const violation = schemaViolation(value, schemaAt('base_url'), field);
  if (violation) throw new ConfigError(violation.field, violation.problem);
  return (value as string).replace(/\/+$/, '');
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
    // Never quote the line: it holds a password.
    if (comma < 0) throw new ConfigError(`${field} line ${i + 1}`, 'is not "username,password" (no comma)');
    const username = line.slice(0, comma).trim();
    const password = line.slice(comma + 1);
    if (username === '') throw new ConfigError(`${field} line ${i + 1}`, 'has an empty username');
    if (password === '') throw new ConfigError(`${field} line ${i + 1}`, 'has an empty password');
    users.push({ username, password });
  });
  return users;
}

function readUsersFile(path: string | undefined, readFile: ReadFile | undefined): UserCredential[] {
  if (path === undefined) return [];
  if (!readFile) throw new ConfigError('users_file', 'cannot be read here');
  let text: string;
  try {
    text = readFile(path);
  } catch (e) {
    throw new ConfigError(
      'users_file',
      `${JSON.stringify(path)} cannot be read (${
        String((e as Error).message ?? e)
          .replace(/^GoError: /, '')
          .split('\n')[0]
      })`,
    );
  }
  return parseUsersFile(text, `users_file ${path}`);
}

function validateUrls(urls: RawConfig['urls'], parameters: Record<string, ParamRange>): Endpoint[] {
  const names = new Set<string>();
  return urls.map((entry, i) => {
    const field = `urls[${i}]`;
    let template: Template;
    try {
      template = parseTemplate(entry.path);
    } catch (e) {
      if (e instanceof TemplateError) throw new ConfigError(`${field}.path`, `${e.message}: ${JSON.stringify(entry.path)}`);
      throw e;
    }
    for (const param of template.params) {
      if (!Object.prototype.hasOwnProperty.call(parameters, param))
        throw new ConfigError(`${field}.path`, `uses {${param}} but parameters has no range for it`);
    }
    const name = entry.name ?? entry.path;
    if (!TAG_VALUE.test(name)) {
      throw entry.name === undefined
        ? new ConfigError(`${field}.path`, 'has a comma, quote or outer space, so it cannot name the endpoint: give this entry a "name"')
        : new ConfigError(`${field}.name`, `must not contain a comma or quotes, nor start or end with a space: ${JSON.stringify(name)}`);
    }
    if (names.has(name)) throw new ConfigError(`${field}.name`, `repeats the endpoint name ${JSON.stringify(name)}: names must be unique`);
    names.add(name);
    return { name, template, weight: entry.weight ?? DEFAULT_WEIGHT };
  });
}
