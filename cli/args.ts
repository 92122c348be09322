// Command-line flags: the predecessor's (--config --rpm --duration --concurrency --insecure
// --login-timeout --progress) plus ours. Validation is lib/run-settings.ts, shared with k6.
import { parseArgs } from 'node:util';
import { errorLogFormatOf } from '../lib/error-log';
import { logFormatOf } from '../lib/request-log';
import { readRunSettings, RunSettings, SETTINGS, SettingsError } from '../lib/run-settings';
import { nearest } from '../lib/suggest';
import type { ServerStatsOptions } from './server-stats/run-hook';

export interface CliOptions {
  readonly settings: RunSettings;
  /** Seconds between progress lines on stderr. */
  readonly progressSec: number;
  /** Passed to k6 as --out, in order. */
  readonly outputs: readonly string[];
  /** --log FILE.jsonl or FILE.csv: one line per load request attempt. */
  readonly logPath: string | undefined;
  /** --report FILE.html: k6's web-dashboard report, written at the end. */
  readonly reportPath: string | undefined;
  /** --server-stats (with --server-pids, --docker-socket): sample the site's processes. */
  readonly serverStats?: ServerStatsOptions;
  /** --errors FILE.csv or FILE.jsonl: one line per failed attempt. */
  readonly errorsPath?: string | undefined;
}

/** Flags a subcommand adds to the run flags (bisect-check): name without dashes -> help. */
export type ExtraFlags = Readonly<Record<string, { readonly help: string; readonly boolean?: boolean }>>;

export type ParsedArgs =
  | { readonly kind: 'run'; readonly options: CliOptions; readonly extra: Readonly<Record<string, string | boolean | undefined>> }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

const CLI_ONLY = [
  { flag: '--progress', help: 'seconds between progress lines on stderr (default 30)' },
  { flag: '--out', help: "k6 output, repeatable (e.g. json=results/k6.json, experimental-prometheus-rw)" },
  { flag: '--log', help: 'request log: FILE.jsonl or FILE.csv, one line per attempt (no cookies, no passwords)' },
  { flag: '--errors', help: 'failed-attempt file: FILE.csv or FILE.jsonl, one line per failed page, asset or AJAX call (no passwords, cookies or sesskeys)' },
  { flag: '--report', help: "HTML report (k6's web-dashboard report) written at the end: FILE.html" },
  { flag: '--stream-stats', help: 'for long runs: each VU counts its figures and streams them to the CLI, so k6 keeps no sample and its memory stays flat (percentiles within 0.5%; see README)' },
  { flag: '--server-stats', help: "sample the processes serving base_url (web server, its PHP pool, their database: CPU, RSS, I/O) every second, to SUMMARY.server.jsonl" },
  { flag: '--server-pids', help: 'with --server-stats: only these pids (comma-separated) and their children' },
  { flag: '--docker-socket', help: "with --server-stats: Docker's socket (default $DOCKER_HOST or /var/run/docker.sock when it exists)" },
];

export function usage(extra: ExtraFlags = {}, command = 'moodle-load', outputs = 'Prints progress on stderr and the summary JSON on stdout.'): string {
  const rows = [
    ...SETTINGS.map((s) => ({ flag: s.flag, help: s.help + (s.required ? ' (required)' : s.defaultValue ? ` (default ${s.defaultValue})` : '') })),
    ...CLI_ONLY,
    ...Object.entries(extra).map(([name, e]) => ({ flag: `--${name}`, help: e.help })),
  ];
  const width = Math.max(...rows.map((r) => r.flag.length)) + 2;
  return [
    `usage: ${command} --config FILE --rpm N --duration SECONDS [options]`,
    '       moodle-load compare BASE.json NEW.json [--format json] (see moodle-load compare --help)',
    '       moodle-load bisect-check --baseline FILE [run options] (see moodle-load bisect-check --help)',
    '       moodle-load site snapshot --out FILE | site restore FILE (see moodle-load site --help)',
    '',
    ...rows.map((r) => `  ${r.flag.padEnd(width)}${r.help}`),
    '  --help, --version',
    '',
    outputs,
  ].join('\n');
}

/** The known flag closest to a mistyped one, if it is close enough to be a typo. */
export function suggestFlag(unknown: string, extra: readonly string[] = []): string | undefined {
  return nearest(unknown, [...SETTINGS.map((s) => s.flag), ...CLI_ONLY.map((c) => c.flag), ...extra, '--help', '--version']);
}

export function parseCliArgs(argv: readonly string[], extra: ExtraFlags = {}): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' }, version: { type: 'boolean' }, progress: { type: 'string' }, out: { type: 'string', multiple: true }, log: { type: 'string' }, report: { type: 'string' }, 'server-stats': { type: 'boolean' }, 'stream-stats': { type: 'boolean' }, 'server-pids': { type: 'string' }, 'docker-socket': { type: 'string' } };
  for (const [name, e] of Object.entries(extra)) options[name] = { type: e.boolean ? 'boolean' : 'string' };
  for (const s of SETTINGS) options[s.flag.slice(2)] = { type: s.kind === 'flag' ? 'boolean' : 'string', ...(s.repeatable ? { multiple: true } : {}) };
  options.errors = { type: 'string' };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (e) {
    const message = (e as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
    if (unknown) {
      const hint = suggestFlag(unknown, Object.keys(extra).map((n) => `--${n}`));
      throw new SettingsError(`unknown flag ${unknown}${hint ? ` (did you mean ${hint}?)` : ''}; see --help`);
    }
    const missingValue = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message)?.[1];
    if (missingValue) throw new SettingsError(`${missingValue} needs a value`);
    throw new SettingsError(message.split('\n')[0] as string);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const raw: Record<string, string | undefined> = {};
  for (const s of SETTINGS) {
    const v = values[s.flag.slice(2)];
    if (v === undefined || v === false) continue;
    raw[s.env] = v === true ? '1' : Array.isArray(v) ? joinPatterns(s.flag, v as string[]) : String(v);
  }
  const logPath = values.log as string | undefined;
  const reportPath = values.report as string | undefined;
  if (reportPath !== undefined && !/\.html?$/i.test(reportPath)) throw new SettingsError(`--report must name an .html file, not ${JSON.stringify(reportPath)}`);
  if (logPath !== undefined && logFormatOf(logPath) === null) throw new SettingsError(`--log must name a .jsonl or .csv file, not ${JSON.stringify(logPath)}`);
  if (logPath !== undefined) raw.REQUEST_LOG = '1';
  const errorsPath = values.errors as string | undefined;
  if (errorsPath !== undefined && errorLogFormatOf(errorsPath) === null) throw new SettingsError(`--errors must name a .jsonl or .csv file, not ${JSON.stringify(errorsPath)}`);
  if (errorsPath !== undefined) raw.ERROR_LOG = '1';
  const outputs = (values.out as string[] | undefined) ?? [];
  if (values['stream-stats'] === true) {
    // The HTML report is k6's web dashboard, which keeps every sample of the run.
    if (reportPath !== undefined) throw new SettingsError('--report cannot go with --stream-stats: the report comes from k6\'s web dashboard, which keeps every sample');
    raw.STREAM_STATS = '1';
    if (outputs.length > 0) raw.METRICS_TO_K6 = '1';
  }
  const settings = readRunSettings(raw, 'flag');
  const progressRaw = (values.progress as string | undefined) ?? '30';
  const progressSec = /^\s*\d+\s*$/.test(progressRaw) ? Number(progressRaw) : NaN;
  if (!Number.isSafeInteger(progressSec) || progressSec <= 0) throw new SettingsError(`--progress must be a positive whole number of seconds, not ${JSON.stringify(progressRaw)}`);
  const extraValues: Record<string, string | boolean | undefined> = {};
  for (const name of Object.keys(extra)) extraValues[name] = values[name] as string | boolean | undefined;
  const serverStats = serverStatsOptions(values['server-stats'] === true, values['server-pids'] as string | undefined, values['docker-socket'] as string | undefined);
  return { kind: 'run', options: { settings, progressSec, outputs, logPath, reportPath, serverStats, errorsPath }, extra: extraValues };
}

function serverStatsOptions(on: boolean, pids: string | undefined, dockerSocket: string | undefined): ServerStatsOptions | undefined {
  if (!on) {
    if (pids !== undefined || dockerSocket !== undefined) throw new SettingsError(`${pids !== undefined ? '--server-pids' : '--docker-socket'} needs --server-stats`);
    return undefined;
  }
  if (pids !== undefined && !/^\s*\d+(\s*,\s*\d+)*\s*$/.test(pids)) throw new SettingsError(`--server-pids must be process ids separated by commas, not ${JSON.stringify(pids)}`);
  return { pids: pids?.split(',').map(Number), dockerSocket };
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

/** A number flag of a subcommand: its default when absent, else a finite number >= min. */
export function numberFlag(flag: string, raw: string | boolean | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n < min) throw new SettingsError(`${flag} must be a number of at least ${min}, not ${JSON.stringify(raw)}`);
  return n;
}
