// The run flags: one per run setting, generated from SETTINGS (lib/run-settings.ts, the table
// shared with k6, whose validator checks them), and the CLI-only flags, each declared once
// below. The run itself, bisect-check and segments take them; parsing, --help and "did you
// mean" all come from these declarations.
import type { Command } from 'commander';
import { errorLogFormatOf } from '../lib/error-log';
import { logFormatOf } from '../lib/request-log';
import { readRunSettings, RunSettings, SETTINGS, SettingsError } from '../lib/run-settings';
import { addFlags, CliFlag, Given, listFlag, readFlags, switchFlag, valueFlag } from './flags';
import type { ServerStatsOptions } from './server-stats/run-hook';

export interface CliOptions {
  readonly settings: RunSettings;
  /** Seconds between progress lines on stderr. */
  readonly progressSec: number;
  /** Passed to k6 as --out, in order. */
  readonly outputs: readonly string[];
  /** --log FILE.jsonl or FILE.csv: one line per load request attempt. */
  readonly logPath: string | undefined;
  /** --report FILE.html, written at the end: the CLI's own (cli/stream-report.ts), or with --no-stream-stats k6's web-dashboard report. */
  readonly reportPath: string | undefined;
  /** --server-stats (with --server-pids, --docker-socket): sample the site's processes. */
  readonly serverStats?: ServerStatsOptions;
  /** --errors FILE.csv or FILE.jsonl: one line per failed attempt. */
  readonly errorsPath?: string | undefined;
}

type Setting = (typeof SETTINGS)[number];

const PLACEHOLDERS: Readonly<Record<Setting['kind'], string>> = {
  positiveInt: 'N',
  nonNegativeInt: 'N',
  seed: 'N',
  positiveNumber: 'SECONDS',
  range: 'MIN[,MAX]',
  regex: 'REGEX',
  text: 'VALUE',
  flag: '',
};

/** A setting's flag: its raw text for readRunSettings ("1" for a switch), undefined when absent. */
function settingFlag(s: Setting): CliFlag<string | undefined> {
  const help = s.help + (s.required ? ' (required)' : s.defaultValue ? ` (default ${s.defaultValue})` : '');
  if (s.kind === 'flag') return { flag: s.flag, help, read: (given) => (given === true ? '1' : undefined) };
  const placeholder = s.placeholder ?? PLACEHOLDERS[s.kind];
  if (s.repeatable)
    return {
      flag: s.flag,
      placeholder,
      repeatable: true,
      help,
      read: (given) => (given === undefined ? undefined : joinPatterns(s.flag, given as string[])),
    };
  return { flag: s.flag, placeholder, help, read: (given) => given as string | undefined };
}

/** Keyed by the setting's variable (CONFIG, RPM...), as readRunSettings takes them. */
const SETTING_FLAGS: Readonly<Record<string, CliFlag<string | undefined>>> = Object.fromEntries(
  SETTINGS.map((s) => [s.env, settingFlag(s)]),
);

function positiveSeconds(raw: string, flag: string): number {
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new SettingsError(`${flag} must be a positive whole number of seconds, not ${JSON.stringify(raw)}`);
  return n;
}

function fileOf(kinds: string, known: (path: string) => boolean) {
  return (raw: string, flag: string): string => {
    if (!known(raw)) throw new SettingsError(`${flag} must name ${kinds} file, not ${JSON.stringify(raw)}`);
    return raw;
  };
}

function processIds(raw: string, flag: string): number[] {
  if (!/^\s*\d+(\s*,\s*\d+)*\s*$/.test(raw))
    throw new SettingsError(`${flag} must be process ids separated by commas, not ${JSON.stringify(raw)}`);
  return raw.split(',').map(Number);
}

/** The flags of the CLI alone (k6 never sees them), in --help order. */
export const CLI_FLAGS = {
  progress: valueFlag('--progress', {
    placeholder: 'SECONDS',
    help: 'seconds between progress lines on stderr',
    parse: positiveSeconds,
    defaultValue: 30,
  }),
  out: listFlag('--out', { placeholder: 'OUTPUT', help: 'k6 output, repeatable (e.g. json=results/k6.json, experimental-prometheus-rw)' }),
  log: valueFlag('--log', {
    placeholder: 'FILE',
    help: 'request log: FILE.jsonl or FILE.csv, one line per attempt (no cookies, no passwords)',
    parse: fileOf('a .jsonl or .csv', (p) => logFormatOf(p) !== null),
  }),
  errors: valueFlag('--errors', {
    placeholder: 'FILE',
    help: 'failed-attempt file: FILE.csv or FILE.jsonl, one line per failed page, asset or AJAX call (no passwords, cookies or sesskeys)',
    parse: fileOf('a .jsonl or .csv', (p) => errorLogFormatOf(p) !== null),
  }),
  report: valueFlag('--report', {
    placeholder: 'FILE',
    help: "HTML report written at the end: FILE.html (built from the streamed figures; with --no-stream-stats, k6's web-dashboard report)",
    parse: fileOf('an .html', (p) => /\.html?$/i.test(p)),
  }),
  streamStats: switchFlag(
    '--stream-stats',
    'the default, kept for scripts that give it: each VU counts its figures and streams them to the CLI, so k6 keeps no sample and its memory stays flat (percentiles within 0.5%)',
  ),
  // commander gives --no-stream-stats the same value as --stream-stats (false when given): the last one given wins.
  noStreamStats: {
    flag: '--no-stream-stats',
    help: "k6's own summary instead (exact percentiles, k6's web dashboard for the progress lines and --report), at the cost of k6's memory growing with every sample",
    read: (given: Given) => given === false,
  },
  serverStats: switchFlag(
    '--server-stats',
    'sample the processes serving base_url (web server, its PHP pool, their database: CPU, RSS, I/O) every second, to SUMMARY.server.jsonl',
  ),
  serverPids: valueFlag('--server-pids', {
    placeholder: 'PIDS',
    help: 'with --server-stats: only these pids (comma-separated) and their children',
    parse: processIds,
  }),
  dockerSocket: valueFlag('--docker-socket', {
    placeholder: 'PATH',
    help: "with --server-stats: Docker's socket (default $DOCKER_HOST or /var/run/docker.sock when it exists)",
  }),
};

/** Adds the run flags to a command (the run's, bisect-check's, segments'); `hidden` ones are
 *  parsed (so that a command can refuse them by name) but left out of its --help. */
export function addRunFlags(cmd: Command, hidden: readonly string[] = []): Command {
  addFlags(addFlags(cmd, SETTING_FLAGS), CLI_FLAGS);
  for (const option of cmd.options) if (option.long !== undefined && hidden.includes(option.long)) option.hideHelp();
  return cmd;
}

/** The run flags a command was given, checked: throws SettingsError naming the flag. `overrides`
 *  replace settings by variable name (RPM, CONCURRENCY...) before the check: a command that sets
 *  them itself, as capacity does for each step. */
export function readRunFlags(cmd: Command, overrides: Readonly<Record<string, string>> = {}): CliOptions {
  const raw: Record<string, string | undefined> = { ...readFlags(cmd, SETTING_FLAGS), ...overrides };
  const f = readFlags(cmd, CLI_FLAGS);
  if (f.log !== undefined) raw.REQUEST_LOG = '1';
  if (f.errors !== undefined) raw.ERROR_LOG = '1';
  if (!f.noStreamStats) {
    raw.STREAM_STATS = '1';
    if (f.out.length > 0) raw.METRICS_TO_K6 = '1';
  }
  const settings = readRunSettings(raw, 'flag');
  return {
    settings,
    progressSec: f.progress,
    outputs: f.out,
    logPath: f.log,
    reportPath: f.report,
    serverStats: serverStatsOptions(f.serverStats, f.serverPids, f.dockerSocket),
    errorsPath: f.errors,
  };
}

function serverStatsOptions(on: boolean, pids: number[] | undefined, dockerSocket: string | undefined): ServerStatsOptions | undefined {
  if (!on) {
    if (pids !== undefined || dockerSocket !== undefined)
      throw new SettingsError(`${pids !== undefined ? '--server-pids' : '--docker-socket'} needs --server-stats`);
    return undefined;
  }
  return { pids, dockerSocket };
}

/** Several --exclude-url-pattern values as one regex; each must be valid on its own. */
function joinPatterns(flag: string, values: readonly string[]): string {
  for (const v of values) {
    try {
      new RegExp(v);
    } catch (e) {
      throw new SettingsError(`${flag} is not a valid regular expression: ${JSON.stringify(v)} (${(e as Error).message})`);
    }
  }
  return values.length === 1 ? (values[0] as string) : values.map((v) => `(?:${v})`).join('|');
}
