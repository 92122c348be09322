// Everything a run needs, read once per VU in k6's init context: settings from the
// environment (-e RPM=... or the CLI), the config file, and what is derived from them.
import { SharedArray } from 'k6/data';
import { ConfigError, Endpoint, MoodleConfig, parseConfigText, UserCredential, validateBaseUrl } from '../../lib/config';
import { resolveBeside, resolveFromCwd } from '../../lib/paths';
import { ENROL_PATH, SitePaths } from '../../lib/outcome';
import { RequestPlan } from '../../lib/request-plan';
import { mistypedVariable, PLAIN_K6_DEFAULTS, readRunSettings, RunSettings, SettingsError } from '../../lib/run-settings';
import { basePathOf } from '../../lib/url';

export interface RunContext {
  readonly settings: RunSettings;
  readonly config: MoodleConfig;
  readonly baseUrl: string;
  readonly loginUrl: string;
  /** Login and enrolment paths as they appear in Location headers, e.g. "/moodle/login/index.php". */
  readonly paths: SitePaths;
  /** URL whose cookies are the session's (the site root, with its path). */
  readonly cookieUrl: string;
  readonly plan: RequestPlan;
  readonly endpoints: readonly Endpoint[];
  /** Variables not given that took plain `k6 run`'s defaults ("CONFIG=config.json (shipped)", "RPM=60"). */
  readonly defaultsUsed: readonly string[];
}

/** The shipped config.json, for k6's open(), which resolves against the script (dist/scenario.js). */
const SHIPPED_CONFIG = '../config.json';

/** What the first init context checks and every VU reads back: plain data (k6 copies it as JSON). */
interface CheckedContext {
  readonly settings: RunSettings;
  readonly config: Omit<MoodleConfig, 'users'>;
  readonly baseUrl: string;
  readonly defaultsUsed: readonly string[];
}

/**
 * Settings and config are read and checked in the first init context only (k6 runs __VU 0 first,
 * and a bad file or variable stops the run there, before any other VU). Every other VU decodes
 * the checked result from k6's SharedArray instead: doing it in each of 1,000 VUs cost ~0.45 MB
 * a VU while they start, ~0.1 MB of live heap a VU in a run (BENCHMARKS.md, "Hot path and memory").
 */
export function loadRunContext(env: Record<string, string | undefined>): RunContext {
  let checked: { context: CheckedContext; users: readonly UserCredential[] } | undefined;
  // Only the VU whose SharedArray callbacks run (the first) calls this.
  const check = () => (checked ??= checkRunContext(env));
  const context = new SharedArray('moodle-load run context', () => [check().context])[0] as CheckedContext;
  // A users file may list thousands of accounts and a VU logs in with one or two: one copy for
  // all VUs (read-only, an element decoded when read), not one per VU.
  const users = new SharedArray('moodle-load users', () => check().users as UserCredential[]) as readonly UserCredential[];
  const { settings, config, baseUrl } = context;
  return {
    settings,
    config: { ...config, users },
    baseUrl,
    loginUrl: baseUrl + config.loginPath,
    paths: { loginPath: basePathOf(baseUrl) + config.loginPath, enrolPath: basePathOf(baseUrl) + ENROL_PATH },
    cookieUrl: `${baseUrl}/`,
    plan: new RequestPlan(config.endpoints, config.parameters),
    endpoints: config.endpoints,
    defaultsUsed: context.defaultsUsed,
  };
}

function checkRunContext(env: Record<string, string | undefined>): { context: CheckedContext; users: readonly UserCredential[] } {
  const mistyped = mistypedVariable(env);
  if (mistyped) throw new SettingsError(`${mistyped.name} is not a moodle-load variable (did you mean ${mistyped.meant}?)`);
  const defaulted = Object.keys(PLAIN_K6_DEFAULTS).filter((name) => env[name] === undefined);
  const settings = readRunSettings({ ...PLAIN_K6_DEFAULTS, ...env }, 'env');
  // The VUs' figures would go to console lines that only the CLI adds up (it also sets STATUS_FILE).
  if (settings.streamStats && settings.statusPath === undefined) throw new SettingsError('STREAM_STATS is set by the moodle-load CLI (--stream-stats); `k6 run` gives its own summary without it');
  let text: string;
  const path = env.CONFIG === undefined ? SHIPPED_CONFIG : resolveFromCwd(settings.configPath, env.PWD);
  try {
    text = open(path);
  } catch (e) {
    throw new Error(`config: file ${path} cannot be read (${String(e).replace(/^GoError: /, '')})`);
  }
  let config: MoodleConfig;
  try {
    config = parseConfigText(text, (usersFile) => open(resolveBeside(path, usersFile)));
  } catch (e) {
    throw e instanceof ConfigError ? e.inFile(path) : e;
  }
  const baseUrl = settings.baseUrl === undefined ? config.baseUrl : validateBaseUrl(settings.baseUrl, 'BASE_URL');
  const { users, ...rest } = config;
  const defaultsUsed = defaulted.map((name) => (name === 'CONFIG' ? `CONFIG=${PLAIN_K6_DEFAULTS[name]} (the shipped one: base_url ${config.baseUrl}, the simulator of \`make sim\`)` : `${name}=${PLAIN_K6_DEFAULTS[name]}`));
  return { context: { settings, config: rest, baseUrl, defaultsUsed }, users };
}
