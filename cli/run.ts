// The CLI's run: validate everything before k6 starts (so bad input sends nothing), start
// k6 on the bundled scenario, show progress on stderr, and print the summary k6 wrote on
// stdout, also after Ctrl-C.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError, parseConfigText, validateBaseUrl } from '../lib/config';
import { abortKindOf, AbortKind } from '../lib/abort-reasons';
import { EXIT, exitCodeForK6 } from './exit-codes';
import { endpointTable } from './endpoint-table';
import { pageViewTable } from './page-view-table';
import { errorCsvHeader, ErrorLogFormat, errorLogFormatOf, formatErrorRecord } from '../lib/error-log';
import { parseK6LogLine } from './k6-log';
import { resolveBeside } from '../lib/paths';
import { csvHeader, formatRecord, LogFormat, logFormatOf } from '../lib/request-log';
import { defaultSummaryPath, RunSettings, settingsToEnv } from '../lib/run-settings';
import type { Summary } from '../lib/summary';
import type { CliOptions } from './args';
import { findK6, K6MissingError } from './k6-binary';
import { followProgress } from './progress';

export interface RunIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (line: string) => void;
}

export class BadInputError extends Error {}

/** k6 warns once per failed request; the CLI shows this many and counts the rest. */
const MAX_FAILED_REQUEST_LINES = 5;

/** Reads and validates the config now, with the same validator k6 runs. */
function checkConfig(settings: RunSettings): void {
  let text: string;
  try {
    text = readFileSync(settings.configPath, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'does not exist' : err.code === 'EISDIR' ? 'is a folder' : `cannot be read (${err.code ?? err.message})`;
    throw new BadInputError(`config: file ${settings.configPath} ${why}`);
  }
  try {
    parseConfigText(text, (usersFile) => readFileSync(resolveBeside(settings.configPath, usersFile), 'utf8'));
    if (settings.baseUrl !== undefined) validateBaseUrl(settings.baseUrl, '--base-url');
  } catch (e) {
    if (e instanceof ConfigError) throw new BadInputError(e.inFile(settings.configPath).message);
    throw e;
  }
}

function openRequestLog(path: string | undefined): { stream: WriteStream; format: LogFormat } | undefined {
  if (path === undefined) return undefined;
  const format = logFormatOf(path) as LogFormat;
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const stream = createWriteStream(path);
  if (format === 'csv') stream.write(csvHeader());
  return { stream, format };
}

function openErrorLog(path: string | undefined): { stream: WriteStream; format: ErrorLogFormat } | undefined {
  if (path === undefined) return undefined;
  const format = errorLogFormatOf(path) as ErrorLogFormat;
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const stream = createWriteStream(path);
  if (format === 'csv') stream.write(errorCsvHeader());
  return { stream, format };
}

/** What a person reads at the end, on stderr: the per-endpoint table and any warning. */
function report(summary: Summary, io: RunIo): void {
  if (summary.attempts > 0 || summary.total > 0) io.stderr(endpointTable(summary));
  if (summary.page_views) io.stderr(pageViewTable(summary.page_views));
  for (const w of summary.warnings ?? []) io.stderr(`moodle-load: warning: ${w}`);
}

/** Snapshots a report should have at least (k6 skips the report below 2). */
const REPORT_SNAPSHOTS = 60;

/**
 * Seconds between the dashboard's snapshots: the progress interval, or, with --report, fine
 * enough for the report's charts (the progress lines are then thinned to --progress).
 */
function dashboardPeriod(options: CliOptions, settings: RunSettings): number {
  if (!options.reportPath) return options.progressSec;
  const perSnapshot = Math.floor((settings.durationSec + settings.warmupSec) / REPORT_SNAPSHOTS);
  const fine = Math.max(1, perSnapshot);
  // A whole divisor of --progress, so progress lines keep their rhythm.
  let period = Math.min(options.progressSec, fine);
  while (options.progressSec % period !== 0) period--;
  return period;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function runLoad(projectRoot: string, options: CliOptions, io: RunIo): Promise<number> {
  const given = options.settings;
  const settings: RunSettings = {
    ...given,
    configPath: resolve(given.configPath),
    summaryPath: resolve(given.summaryPath ?? defaultSummaryPath(new Date())),
    summaryToStdout: false,
  };
  try {
    checkConfig(settings);
  } catch (e) {
    if (e instanceof BadInputError) {
      io.stderr(`moodle-load: ${e.message}`);
      return EXIT.badInput;
    }
    throw e;
  }
  let k6: string;
  try {
    k6 = findK6(projectRoot, process.env);
  } catch (e) {
    if (e instanceof K6MissingError) {
      io.stderr(`moodle-load: ${e.message}`);
      return EXIT.k6Missing;
    }
    throw e;
  }
  const summaryPath = settings.summaryPath as string;
  const reportPath = options.reportPath === undefined ? undefined : resolve(options.reportPath);
  // A file left by an earlier run must never pass for this run's result if k6 writes none.
  for (const path of [summaryPath, reportPath]) {
    if (path === undefined) continue;
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
  }

  const requestLog = openRequestLog(options.logPath);
  const errorLog = openErrorLog(options.errorsPath);

  const dashboardPort = await freePort();
  const periodSec = dashboardPeriod(options, settings);
  // JSON log lines: request-log records are picked out of them, the rest shown on stderr.
  const args = ['run', '--quiet', '--no-usage-report', '--address', '', '--log-format', 'json'];
  for (const [key, value] of Object.entries(settingsToEnv(settings))) args.push('-e', `${key}=${value}`);
  for (const out of options.outputs) args.push('--out', out);
  args.push(join(projectRoot, 'dist', 'scenario.js'));

  const child = spawn(k6, args, {
    // Own process group: a terminal's Ctrl-C reaches only this process, which forwards it
    // once (a second SIGINT would make k6 skip the summary).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      K6_NO_USAGE_REPORT: 'true',
      K6_AUTO_EXTENSION_RESOLUTION: 'false',
      K6_WEB_DASHBOARD: 'true',
      K6_WEB_DASHBOARD_HOST: '127.0.0.1',
      K6_WEB_DASHBOARD_PORT: String(dashboardPort),
      K6_WEB_DASHBOARD_PERIOD: `${periodSec}s`,
      K6_WEB_DASHBOARD_OPEN: 'false',
      // Submetrics the progress line reads (moodle_reqs{outcome:success}, ...).
      K6_WEB_DASHBOARD_TAGS: 'outcome',
      ...(reportPath ? { K6_WEB_DASHBOARD_EXPORT: reportPath } : {}),
      // Prometheus remote write sends only p(99) of trends unless told; the Grafana dashboard needs these.
      K6_PROMETHEUS_RW_TREND_STATS: process.env.K6_PROMETHEUS_RW_TREND_STATS ?? 'p(50),p(95),p(99),avg,max,count',
    },
  });
  const killChild = () => child.kill('SIGKILL');
  process.on('exit', killChild);

  // k6 prints nothing useful on stdout here (the summary goes to a file); keep stdout for JSON.
  let abort: AbortKind | null = null;
  let requestFailures = 0;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      const parsed = parseK6LogLine(line);
      if (parsed.kind === 'text') {
        abort = abortKindOf(parsed.text) ?? abort;
        io.stderr(parsed.text);
      } else if (parsed.kind === 'request-failed') {
        // A dead site fails thousands of requests a second: show a few, count the rest.
        if (++requestFailures <= MAX_FAILED_REQUEST_LINES) io.stderr(`k6: request failed: ${parsed.text}`);
      } else if (parsed.kind === 'error') errorLog?.stream.write(formatErrorRecord(parsed.record, errorLog.format));
      else requestLog?.stream.write(formatRecord(parsed.record, requestLog.format));
    });
  }
  const stopProgress = followProgress(dashboardPort, { rpm: settings.rpm, durationSec: settings.durationSec, warmupSec: settings.warmupSec }, Math.round(options.progressSec / periodSec), io.stderr);

  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr(`moodle-load: ${signal}: stopping the run; the summary covers what ran (press Ctrl-C again to quit at once)`);
      child.kill('SIGINT');
    } else {
      child.kill('SIGKILL');
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const code: number | null = await new Promise((done) => child.on('close', (c) => done(c)));
  stopProgress();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', killChild);

  let summary: string | undefined;
  try {
    summary = readFileSync(summaryPath, 'utf8');
  } catch {
    io.stderr(`moodle-load: k6 ended (exit ${code}) without writing the summary ${summaryPath}`);
  }
  if (requestFailures > MAX_FAILED_REQUEST_LINES) io.stderr(`k6: ${requestFailures - MAX_FAILED_REQUEST_LINES} more requests failed without a response (the summary counts them by reason)`);
  if (reportPath) io.stderr(`moodle-load: HTML report ${existsSync(reportPath) ? 'saved to' : 'was not written:'} ${options.reportPath}`);
  if (requestLog) {
    await new Promise<void>((done) => requestLog.stream.end(done));
    io.stderr(`moodle-load: request log saved to ${options.logPath}`);
  }
  if (errorLog) {
    await new Promise<void>((done) => errorLog.stream.end(done));
    io.stderr(`moodle-load: failed attempts saved to ${options.errorsPath}`);
  }
  if (summary !== undefined) {
    report(JSON.parse(summary) as Summary, io);
    io.stdout(summary);
    io.stderr(`moodle-load: summary saved to ${summaryPath}`);
  }
  const exit = exitCodeForK6(code, interrupts > 0, abort);
  if (exit === EXIT.k6Failed) io.stderr(`moodle-load: k6 failed (exit code ${code})`);
  return summary === undefined && exit === EXIT.ok ? EXIT.k6Failed : exit;
}
