// The first init context's check of settings and config (in dist/scenario-control.js, which only
// __VU 0 loads): variables, the config file and its users file, read with k6's open() and validated.
import { ConfigError, MoodleConfig, parseConfigText, UserCredential, validateBaseUrl } from '../../lib/config';
import { resolveBeside, resolveFromCwd } from '../../lib/paths';
import {
  examConfigError,
  usersConfigError,
  mistypedVariable,
  PLAIN_K6_DEFAULTS,
  readRunSettings,
  RunSettings,
  SettingsError,
} from '../../lib/run-settings';

/** The shipped config.json, for k6's open(), which resolves against the script (dist/scenario.js). */
const SHIPPED_CONFIG = '../config.json';

/** What the first init context checks and every VU reads back: plain data (k6 copies it as JSON). */
export interface CheckedContext {
  readonly settings: RunSettings;
  readonly config: Omit<MoodleConfig, 'users'>;
  readonly baseUrl: string;
  readonly defaultsUsed: readonly string[];
}

export interface CheckedRun {
  readonly context: CheckedContext;
  readonly users: readonly UserCredential[];
}

export function checkRunContext(env: Record<string, string | undefined>): CheckedRun {
  const mistyped = mistypedVariable(env);
  if (mistyped) throw new SettingsError(`${mistyped.name} is not a moodle-load variable (did you mean ${mistyped.meant}?)`);
  // The closed model (THINK_TIME) has no rate to default.
  const defaulted = Object.keys(PLAIN_K6_DEFAULTS).filter(
    (name) => env[name] === undefined && !(name === 'RPM' && env.THINK_TIME !== undefined),
  );
  const defaults: Record<string, string> = {};
  for (const name of defaulted) defaults[name] = PLAIN_K6_DEFAULTS[name] as string;
  const settings = readRunSettings({ ...defaults, ...env }, 'env');
  // The VUs' figures would go to records that only the CLI adds up (it also sets CHANNEL).
  if (settings.streamStats && !settings.channel)
    throw new SettingsError(
      'STREAM_STATS needs CHANNEL=1 and --log-format json (its figures go to the log, for `moodle-load merge --config`); without it `k6 run` gives its own summary',
    );
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
  const exam = examConfigError(settings, config.journeys.length, 'env');
  if (exam !== null) throw new Error(`config: ${path}: ${exam}`);
  const many = usersConfigError(settings, config.journeys.length, 'env');
  if (many !== null) throw new Error(`config: ${path}: ${many}`);
  const baseUrl = settings.baseUrl === undefined ? config.baseUrl : validateBaseUrl(settings.baseUrl, 'BASE_URL');
  const { users, ...rest } = config;
  const defaultsUsed = defaulted.map((name) =>
    name === 'CONFIG'
      ? `CONFIG=${PLAIN_K6_DEFAULTS[name]} (the shipped one: base_url ${config.baseUrl}, the simulator of \`make sim\`)`
      : `${name}=${PLAIN_K6_DEFAULTS[name]}`,
  );
  return { context: { settings, config: rest, baseUrl, defaultsUsed }, users };
}
