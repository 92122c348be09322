// Run settings (rate, duration, concurrency, ...). The CLI reads them from flags and hands
// them to k6 as environment variables; `k6 run -e RPM=...` reads the same variables. One
// table and one validator serve both, naming the flag or the variable in messages.
import { MAX_SEED } from './random';
import { editDistance, nearest } from './suggest';
import { usersOf } from './user-schedule';

export { rampSecOf, usersOf } from './user-schedule';

export interface RunSettings {
  readonly configPath: string;
  /** Target requests per minute for the load phase. */
  readonly rpm: number;
  /** Length of the load phase in seconds. */
  readonly durationSec: number;
  /** k6 VUs; each serves its share of the users (one user each by default). */
  readonly concurrency: number;
  /** Moodle users (sessions) in the run, served by the VUs; undefined: one per VU. */
  readonly users: number | undefined;
  /** The closed model: each user waits a uniform draw from [min, max] seconds between its requests; undefined: the open model (--rpm). */
  readonly thinkTimeSec: readonly [number, number] | undefined;
  /** Closed model: seconds over which the users arrive (log in) at the start of the phase; undefined: users / --login-concurrency. */
  readonly rampSec: number | undefined;
  readonly loginTimeoutSec: number;
  readonly requestTimeoutSec: number;
  readonly insecure: boolean;
  /** Undefined: the script draws one in setup() and reports it. */
  readonly seed: number | undefined;
  /** Overrides the config's base_url when set. */
  readonly baseUrl: string | undefined;
  /** Where handleSummary writes the JSON; undefined: a timestamped file under results/. */
  readonly summaryPath: string | undefined;
  /** Retries of a request after a transient failure (0: none). */
  readonly retries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Seconds of ramp-up before the timed load phase (0: none). */
  readonly warmupSec: number;
  /** > 0: an exam start, each VU runs the first journey once, starting within this many seconds of the load phase (0: off). */
  readonly examWindowSec: number;
  /** Whether handleSummary also prints the JSON on stdout (the CLI prints it itself). */
  readonly summaryToStdout: boolean;
  /** Whether every attempt is logged as a console line for the CLI's --log. */
  readonly requestLog: boolean;
  /** Whether the script writes its records for the CLI (lib/channel.ts): setup, the end and its summary. */
  readonly channel: boolean;
  /** The k6 version the CLI checked before starting k6; undefined under plain `k6 run`. */
  readonly k6Version: string | undefined;
  /** Logins in flight at once (k6's batch limit in setup()). */
  readonly loginConcurrency: number;
  /** --emulate-browser: each page view also fetches its assets and makes its AJAX calls. */
  readonly emulateBrowser: boolean;
  /** Asset and AJAX URLs matching this are skipped (--exclude-url-pattern, repeatable: joined with |). */
  readonly excludeUrlPattern: string | undefined;
  /** Whether every failed attempt is logged as a console line for the CLI's --errors. */
  readonly errorLog: boolean;
  /** --stream-stats: the VUs count and print their figures for the CLI (lib/stats-stream.ts); k6 keeps no sample. */
  readonly streamStats: boolean;
  /** With streamStats: also send the samples to k6 (for its outputs, --out). */
  readonly metricsToK6: boolean;
}

type Kind = 'positiveInt' | 'nonNegativeInt' | 'positiveNumber' | 'range' | 'seed' | 'flag' | 'text' | 'regex';

interface SettingSpec {
  readonly key: keyof RunSettings;
  readonly flag: string;
  readonly env: string;
  readonly kind: Kind;
  readonly required?: boolean;
  readonly defaultValue?: string;
  readonly help: string;
  /** A CLI flag that may be given more than once (values joined into one regex alternation). */
  readonly repeatable?: boolean;
  /** Its value's name in --help, when the kind does not say it (N, SECONDS, REGEX). */
  readonly placeholder?: string;
}

/** Order is the order of --help. */
export const SETTINGS: readonly SettingSpec[] = [
  { key: 'configPath', flag: '--config', env: 'CONFIG', kind: 'text', placeholder: 'FILE', required: true, help: 'path to config.json' },
  {
    key: 'rpm',
    flag: '--rpm',
    env: 'RPM',
    kind: 'positiveInt',
    required: true,
    help: 'target requests per minute (the open model; not used with --think-time or --exam-window)',
  },
  { key: 'durationSec', flag: '--duration', env: 'DURATION', kind: 'positiveInt', required: true, help: 'load phase length in seconds' },
  {
    key: 'concurrency',
    flag: '--concurrency',
    env: 'CONCURRENCY',
    kind: 'positiveInt',
    defaultValue: '20',
    help: 'VUs; each serves its share of --users (one user each by default)',
  },
  {
    key: 'users',
    flag: '--users',
    env: 'MOODLE_USERS',
    kind: 'positiveInt',
    help: 'Moodle users, each with its own session, served by the --concurrency VUs (default: one per VU)',
  },
  {
    key: 'thinkTimeSec',
    flag: '--think-time',
    env: 'THINK_TIME',
    kind: 'range',
    placeholder: 'MIN[,MAX]',
    help: 'the closed model: each user waits MIN to MAX seconds (uniform, seeded) between its requests; --rpm is then not used',
  },
  {
    key: 'rampSec',
    flag: '--ramp',
    env: 'RAMP',
    kind: 'nonNegativeInt',
    placeholder: 'SECONDS',
    help: 'with --think-time, the users arrive (log in) evenly over the first SECONDS of the phase (default: users / --login-concurrency)',
  },
  { key: 'insecure', flag: '--insecure', env: 'INSECURE', kind: 'flag', help: 'skip TLS certificate checks (self-signed test sites)' },
  {
    key: 'loginTimeoutSec',
    flag: '--login-timeout',
    env: 'LOGIN_TIMEOUT',
    kind: 'positiveNumber',
    defaultValue: '20',
    help: 'timeout of each login request, seconds',
  },
  {
    key: 'requestTimeoutSec',
    flag: '--request-timeout',
    env: 'REQUEST_TIMEOUT',
    kind: 'positiveNumber',
    defaultValue: '60',
    help: 'timeout of each load request, seconds',
  },
  {
    key: 'warmupSec',
    flag: '--warmup',
    env: 'WARMUP',
    kind: 'nonNegativeInt',
    defaultValue: '0',
    help: 'seconds of ramp-up to the rate before the timed phase; excluded from the figures',
  },
  {
    key: 'examWindowSec',
    flag: '--exam-window',
    env: 'EXAM_WINDOW',
    kind: 'nonNegativeInt',
    defaultValue: '0',
    placeholder: 'SECONDS',
    help: "an exam start: each VU runs the config's first journey once, starting at a random moment in the load phase's first SECONDS (--rpm is then not used; --duration bounds the phase)",
  },
  {
    key: 'retries',
    flag: '--retries',
    env: 'RETRIES',
    kind: 'nonNegativeInt',
    defaultValue: '0',
    help: 'retries after a transient failure (timeout, connection error, 429, 502, 503, 504)',
  },
  {
    key: 'retryBaseMs',
    flag: '--retry-base-ms',
    env: 'RETRY_BASE_MS',
    kind: 'positiveInt',
    defaultValue: '200',
    help: 'backoff base: retry n waits up to base * 2^n ms (full jitter)',
  },
  {
    key: 'retryMaxMs',
    flag: '--retry-max-ms',
    env: 'RETRY_MAX_MS',
    kind: 'positiveInt',
    defaultValue: '10000',
    help: 'longest wait before a retry, Retry-After included, ms',
  },
  {
    key: 'loginConcurrency',
    flag: '--login-concurrency',
    env: 'LOGIN_CONCURRENCY',
    kind: 'positiveInt',
    defaultValue: '20',
    help: 'VUs that start logging in each second (so at most that many logins in flight)',
  },
  {
    key: 'emulateBrowser',
    flag: '--emulate-browser',
    env: 'EMULATE_BROWSER',
    kind: 'flag',
    help: "page views as a browser makes them: the page's same-origin assets (cached per VU) and its AJAX calls",
  },
  {
    key: 'excludeUrlPattern',
    flag: '--exclude-url-pattern',
    env: 'EXCLUDE_URL_PATTERN',
    kind: 'regex',
    repeatable: true,
    help: 'with --emulate-browser, skip asset and AJAX URLs matching this regex (repeatable)',
  },
  { key: 'seed', flag: '--seed', env: 'SEED', kind: 'seed', help: `random seed 0..${MAX_SEED}; same seed, same URLs` },
  { key: 'baseUrl', flag: '--base-url', env: 'BASE_URL', kind: 'text', placeholder: 'URL', help: "override the config's base_url" },
  {
    key: 'summaryPath',
    flag: '--summary',
    env: 'SUMMARY',
    kind: 'text',
    placeholder: 'FILE',
    help: 'summary JSON file (default results/moodle-load-<time>.json)',
  },
];

/** Set by the CLI for k6, not flags of their own. */
const ENV_ONLY: readonly SettingSpec[] = [
  {
    key: 'summaryToStdout',
    flag: 'SUMMARY_STDOUT',
    env: 'SUMMARY_STDOUT',
    kind: 'flag',
    defaultValue: '1',
    help: 'print the summary on stdout',
  },
  {
    key: 'requestLog',
    flag: 'REQUEST_LOG',
    env: 'REQUEST_LOG',
    kind: 'flag',
    defaultValue: '0',
    help: 'log every attempt as a console line',
  },
  {
    key: 'channel',
    flag: 'CHANNEL',
    env: 'CHANNEL',
    kind: 'flag',
    defaultValue: '0',
    help: 'write the records the CLI reads (lib/channel.ts)',
  },
  { key: 'k6Version', flag: 'K6_VERSION_CHECKED', env: 'K6_VERSION_CHECKED', kind: 'text', help: 'k6 version the CLI checked' },
  {
    key: 'errorLog',
    flag: 'ERROR_LOG',
    env: 'ERROR_LOG',
    kind: 'flag',
    defaultValue: '0',
    help: 'log every failed attempt as a console line',
  },
  {
    key: 'streamStats',
    flag: 'STREAM_STATS',
    env: 'STREAM_STATS',
    kind: 'flag',
    defaultValue: '0',
    help: 'figures counted in the VUs and printed for the CLI',
  },
  {
    key: 'metricsToK6',
    flag: 'METRICS_TO_K6',
    env: 'METRICS_TO_K6',
    kind: 'flag',
    defaultValue: '0',
    help: 'with STREAM_STATS, send the samples to k6 too',
  },
];

/** Every variable the script reads: what `-e` may set. */
export const KNOWN_VARIABLES: readonly string[] = [...SETTINGS, ...ENV_ONLY].map((s) => s.env);

/**
 * What plain `k6 run dist/scenario.js` uses for a variable not given: the shipped config.json
 * (the simulator's, see `make sim`) at a gentle rate. The CLI requires them as flags.
 */
export const PLAIN_K6_DEFAULTS: Readonly<Record<string, string>> = { CONFIG: 'config.json', RPM: '60', DURATION: '10' };

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

export type Naming = 'flag' | 'env';

function convert(spec: SettingSpec, raw: string, naming: Naming): number | string | boolean | readonly [number, number] {
  const name = naming === 'flag' ? spec.flag : spec.env;
  const shown = JSON.stringify(raw);
  switch (spec.kind) {
    case 'positiveInt': {
      const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n <= 0) throw new SettingsError(`${name} must be a positive whole number, not ${shown}`);
      return n;
    }
    case 'nonNegativeInt': {
      const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw new SettingsError(`${name} must be a whole number (0 or more), not ${shown}`);
      return n;
    }
    case 'positiveNumber': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n) || n <= 0) throw new SettingsError(`${name} must be a positive number of seconds, not ${shown}`);
      return n;
    }
    case 'range': {
      const parts = raw.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
      const [min, max = min] = parts;
      if (parts.length > 2 || !Number.isFinite(min) || !Number.isFinite(max) || (min as number) < 0 || (max as number) < (min as number))
        throw new SettingsError(`${name} must be MIN or MIN,MAX seconds (0 <= MIN <= MAX), not ${shown}`);
      return [min as number, max as number] as const;
    }
    case 'seed': {
      const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n > MAX_SEED)
        throw new SettingsError(`${name} must be a whole number from 0 to ${MAX_SEED}, not ${shown}`);
      return n;
    }
    case 'flag': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', ''].includes(v)) return true;
      if (['0', 'false', 'no'].includes(v)) return false;
      throw new SettingsError(`${name} must be true or false, not ${shown}`);
    }
    case 'text':
      if (raw.trim() === '') throw new SettingsError(`${name} must not be empty`);
      return raw;
    case 'regex':
      if (raw === '') throw new SettingsError(`${name} must not be empty`);
      try {
        new RegExp(raw);
      } catch (e) {
        throw new SettingsError(`${name} is not a valid regular expression: ${shown} (${(e as Error).message})`);
      }
      return raw;
  }
}

/**
 * Validates raw string values keyed by environment variable name (absent: undefined).
 * A flag given without a value (--insecure) is passed as "".
 */
export function readRunSettings(raw: Readonly<Record<string, string | undefined>>, naming: Naming): RunSettings {
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    let value = raw[spec.env];
    if (spec.key === 'rpm' && raw.THINK_TIME !== undefined) {
      // The closed model's rate is its users' and their think time's.
      if (value !== undefined)
        throw new SettingsError(
          `${naming === 'flag' ? '--rpm' : 'RPM'} does not go with ${naming === 'flag' ? '--think-time' : 'THINK_TIME'}: the closed model's rate comes from its users and their think time`,
        );
      out[spec.key] = 0;
      continue;
    }
    if (value === undefined) {
      if (spec.required) throw new SettingsError(`${naming === 'flag' ? spec.flag : spec.env} is required (${spec.help})`);
      if (spec.kind === 'flag') {
        out[spec.key] = false;
        continue;
      }
      value = spec.defaultValue;
    }
    out[spec.key] = value === undefined ? undefined : convert(spec, value, naming);
  }
  for (const spec of ENV_ONLY) {
    const value = raw[spec.env];
    if (spec.kind === 'flag') out[spec.key] = value === undefined ? spec.defaultValue === '1' : convert(spec, value, 'env');
    else out[spec.key] = value === undefined ? undefined : convert(spec, value, 'env');
  }
  const settings = out as unknown as RunSettings;
  const exam = examSettingsError(settings, naming);
  if (exam !== null) throw new SettingsError(exam);
  const users = usersSettingsError(settings, naming);
  if (users !== null) throw new SettingsError(users);
  return settings;
}

/** Why these settings cannot make an exam start (--exam-window), or null (also when it is off). */
export function examSettingsError(s: RunSettings, naming: Naming): string | null {
  if (s.examWindowSec === 0) return null;
  const name = (flag: string, env: string) => (naming === 'flag' ? flag : env);
  const exam = name('--exam-window', 'EXAM_WINDOW');
  if (s.examWindowSec >= s.durationSec)
    return `${exam} (${s.examWindowSec} s) must be shorter than ${name('--duration', 'DURATION')} (${s.durationSec} s), which bounds the exam's phase`;
  if (s.warmupSec > 0) return `${exam} cannot go with ${name('--warmup', 'WARMUP')}: an exam start has no warm-up`;
  return null;
}

/** Why --users, --think-time and --ramp do not go with the other settings, or null. */
export function usersSettingsError(s: RunSettings, naming: Naming): string | null {
  const name = (flag: string, env: string) => (naming === 'flag' ? flag : env);
  const users = name('--users', 'MOODLE_USERS');
  const think = name('--think-time', 'THINK_TIME');
  if (s.users !== undefined && s.users < s.concurrency)
    return `${users} (${s.users}) must be at least ${name('--concurrency', 'CONCURRENCY')} (${s.concurrency}): each VU serves users of its own`;
  if (s.rampSec !== undefined && s.thinkTimeSec === undefined)
    return `${name('--ramp', 'RAMP')} goes with ${think} (the closed model) only`;
  if (s.thinkTimeSec === undefined) return null;
  if (s.rampSec !== undefined && s.rampSec >= s.durationSec)
    return `${name('--ramp', 'RAMP')} (${s.rampSec} s) must be shorter than ${name('--duration', 'DURATION')} (${s.durationSec} s)`;
  if (s.warmupSec > 0) return `${think} cannot go with ${name('--warmup', 'WARMUP')}: the closed model's users arrive over --ramp instead`;
  if (s.examWindowSec > 0) return `${think} cannot go with ${name('--exam-window', 'EXAM_WINDOW')}`;
  return null;
}

/** Why the config or settings cannot serve several users per VU, or null. */
export function usersConfigError(s: RunSettings, journeys: number, naming: Naming): string | null {
  const many = usersOf(s) > s.concurrency || s.thinkTimeSec !== undefined;
  if (!many) return null;
  const what =
    s.thinkTimeSec !== undefined
      ? naming === 'flag'
        ? '--think-time'
        : 'THINK_TIME'
      : naming === 'flag'
        ? '--users above --concurrency'
        : 'MOODLE_USERS above CONCURRENCY';
  if (journeys > 0)
    return `${what} does not run journeys yet (a VU would hold its other users for a whole journey): the config has ${journeys}`;
  if (s.emulateBrowser)
    return `${what} cannot go with ${naming === 'flag' ? '--emulate-browser' : 'EMULATE_BROWSER'} (its asset cache is per VU)`;
  return null;
}

/** Why the config cannot make an exam start, or null: it needs a journey to run (the first). */
export function examConfigError(s: RunSettings, journeys: number, naming: Naming): string | null {
  if (s.examWindowSec === 0 || journeys > 0) return null;
  return `${naming === 'flag' ? '--exam-window' : 'EXAM_WINDOW'} needs a journey in the config (each user runs the first one): it has none`;
}

/** Environment variables for k6 that reproduce these settings (inverse of readRunSettings). */
export function settingsToEnv(settings: RunSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const spec of SETTINGS) {
    const value = settings[spec.key];
    if (value === undefined || value === false) continue;
    if (spec.key === 'rpm' && settings.thinkTimeSec !== undefined) continue;
    env[spec.env] = value === true ? '1' : String(value);
  }
  for (const spec of ENV_ONLY) {
    const value = settings[spec.key];
    if (spec.kind === 'flag') env[spec.env] = value ? '1' : '0';
    else if (value !== undefined) env[spec.env] = String(value);
  }
  return env;
}

/**
 * A variable that looks like a mistyped one of ours (`-e RPN=600`), with the one it is close
 * to. k6 hands the script every environment variable, the shell's too, so only names within a
 * typo of ours count: edit distance 1 for names of up to 4 letters (RPM, SEED), else 2 (or a
 * third of the name), case ignored; k6's own K6_* variables never count.
 */
export function mistypedVariable(env: Readonly<Record<string, string | undefined>>): { name: string; meant: string } | null {
  for (const name of Object.keys(env)) {
    if (KNOWN_VARIABLES.includes(name) || name.startsWith('K6_') || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) continue;
    const meant = nearest(name, KNOWN_VARIABLES);
    if (meant === undefined) continue;
    const close = name.length <= 4 || meant.length <= 4 ? editDistanceOf(name, meant) <= 1 : true;
    if (close) return { name, meant };
  }
  return null;
}

function editDistanceOf(a: string, b: string): number {
  return editDistance(a.toLowerCase(), b.toLowerCase());
}

/** results/moodle-load-20261124-054700.json for a UTC time. */
export function defaultSummaryPath(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `results/moodle-load-${stamp}.json`;
}
