// The CLI's run: validate everything before k6 starts (so bad input sends nothing), start
// k6 on the bundled scenario, show progress on stderr, and print the summary k6 wrote on
// stdout, also after Ctrl-C.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { StreamCollector } from '../analysis/stream-stats';
import { ConfigError, MoodleConfig, parseConfigText, validateBaseUrl } from '../lib/config';
import { EXIT, exitCodeForRun } from './exit-codes';
import { dashboardPeriodSec } from './dashboard-period';
import { endpointTable } from './endpoint-table';
import { pageViewTable } from './page-view-table';
import { errorCsvHeader, ErrorLogFormat, errorLogFormatOf, formatErrorRecord } from '../lib/error-log';
import { parseK6LogLine } from './k6-log';
import { resolveBeside } from '../lib/paths';
import { csvHeader, formatRecord, LogFormat, logFormatOf } from '../lib/request-log';
import { defaultSummaryPath, RunSettings } from '../lib/run-settings';
import { parseRunStatus, RunStatus, RunStatusError } from '../lib/run-status';
import type { Summary } from '../lib/summary';
import type { CliOptions } from './args';
import { findK6, K6MissingError, PINNED_K6_VERSION } from './k6-binary';
import { k6Invocation } from './k6-invocation';
import { followProgress } from './progress';
import { progressLine } from './progress-line';
import { streamedProgress, writeStreamedSummary } from './streamed-summary';
import { addServerResources, startServerStats } from './server-stats/run-hook';

export interface RunIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (line: string) => void;
}

export class BadInputError extends Error {}

/** What k6 logs (once) when constant-arrival-rate finds no free VU for an iteration. */
const K6_DROPPED_WARNING = 'Insufficient VUs';

/** k6 warns once per failed request; the CLI shows this many and counts the rest. */
const MAX_FAILED_REQUEST_LINES = 5;

/** Reads and validates the config now, with the same validator k6 runs. */
function checkConfig(settings: RunSettings): MoodleConfig {
  let text: string;
  try {
    text = readFileSync(settings.configPath, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'does not exist' : err.code === 'EISDIR' ? 'is a folder' : `cannot be read (${err.code ?? err.message})`;
    throw new BadInputError(`config: file ${settings.configPath} ${why}`);
  }
  try {
    const config = parseConfigText(text, (usersFile) => readFileSync(resolveBeside(settings.configPath, usersFile), 'utf8'));
    if (settings.baseUrl !== undefined) validateBaseUrl(settings.baseUrl, '--base-url');
    return config;
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

/** What a person reads at the end, on stderr: the per-endpoint table and the run's warnings. */
function report(summary: Summary, status: RunStatus | null, io: RunIo): void {
  if (summary.attempts > 0 || summary.total > 0) io.stderr(endpointTable(summary));
  if (summary.page_views) io.stderr(pageViewTable(summary.page_views));
  for (const w of status?.warnings ?? summary.warnings) io.stderr(`moodle-load: warning: ${w}`);
}

/** The status handleSummary wrote (null when k6 wrote none: it crashed or was killed). */
function readStatus(path: string, io: RunIo): RunStatus | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    return parseRunStatus(text);
  } catch (e) {
    if (!(e instanceof RunStatusError)) throw e;
    io.stderr(`moodle-load: the run status k6 wrote cannot be read: ${e.message}`);
    return null;
  }
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
  const statusDir = mkdtempSync(join(tmpdir(), 'moodle-load-status-'));
  try {
    return await runChecked(projectRoot, options, io, {
      ...given,
      configPath: resolve(given.configPath),
      summaryPath: resolve(given.summaryPath ?? defaultSummaryPath(new Date())),
      summaryToStdout: false,
      statusPath: join(statusDir, 'status.json'),
      k6Version: PINNED_K6_VERSION,
      // An output named in the shell (K6_OUT) wants our metrics too.
      metricsToK6: given.metricsToK6 || (given.streamStats && (process.env.K6_OUT ?? '') !== ''),
    });
  } finally {
    rmSync(statusDir, { recursive: true, force: true });
  }
}

async function runChecked(projectRoot: string, options: CliOptions, io: RunIo, settings: RunSettings): Promise<number> {
  let config: MoodleConfig;
  try {
    config = checkConfig(settings);
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

  const sampler = options.serverStats && (await startServerStats(options.serverStats, settings.baseUrl ?? config.baseUrl, summaryPath, io.stderr));
  // Progress follows k6's web dashboard, or with --stream-stats the VUs' own reports (the
  // dashboard keeps samples too).
  const streamed = settings.streamStats ? new StreamCollector() : undefined;
  const dashboardPort = streamed ? 0 : await freePort();
  const periodSec = dashboardPeriodSec({ progressSec: options.progressSec, report: options.reportPath !== undefined, runSec: settings.durationSec + settings.warmupSec });
  const invocation = k6Invocation({
    projectRoot,
    settings,
    outputs: options.outputs,
    ...(streamed ? {} : { dashboard: { port: dashboardPort, periodSec, exportPath: reportPath } }),
    baseEnv: process.env,
  });
  const child = spawn(k6, invocation.args, {
    // Own process group: a terminal's Ctrl-C reaches only this process, which forwards it
    // once (a second SIGINT would make k6 skip the summary).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: invocation.env,
  });
  const killChild = () => child.kill('SIGKILL');
  process.on('exit', killChild);

  // k6 prints nothing useful on stdout here (the summary goes to a file); keep stdout for JSON.
  let requestFailures = 0;
  let k6Dropped = false;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      const parsed = parseK6LogLine(line);
      if (parsed.kind === 'text') {
        io.stderr(parsed.text);
        if (parsed.text.includes(K6_DROPPED_WARNING)) k6Dropped = true;
      } else if (parsed.kind === 'request-failed') {
        // A dead site fails thousands of requests a second: show a few, count the rest.
        if (++requestFailures <= MAX_FAILED_REQUEST_LINES) io.stderr(`k6: request failed: ${parsed.text}`);
      } else if (parsed.kind === 'stats') streamed?.accept(parsed.message);
      else if (parsed.kind === 'error') errorLog?.stream.write(formatErrorRecord(parsed.record, errorLog.format));
      else requestLog?.stream.write(formatRecord(parsed.record, requestLog.format));
    });
  }
  const printProgress = sampler ? (line: string) => io.stderr(`${line} | ${sampler.progressPart()}`) : io.stderr;
  const target = { rpm: settings.rpm, durationSec: settings.durationSec, warmupSec: settings.warmupSec, droppedLoadOnly: streamed !== undefined };
  let stopProgress: () => void;
  if (streamed) {
    const line = () => progressLine(streamedProgress(streamed, settings, Date.now(), k6Dropped), target);
    const timer = setInterval(() => printProgress(line()), options.progressSec * 1000);
    stopProgress = () => {
      clearInterval(timer);
      printProgress(line());
    };
  } else stopProgress = followProgress(dashboardPort, target, { periodSec, progressSec: options.progressSec }, printProgress);

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
  if (streamed) {
    // What handleSummary writes in a run without --stream-stats (k6 ran without its summary);
    // also when no figure came (k6 stopped during setup): the summary then says nothing ran.
    if (streamed.reports === 0 && streamed.setup === undefined) io.stderr('moodle-load: --stream-stats: no figures came from k6');
    writeStreamedSummary({ collector: streamed, settings, config, nowMs: Date.now(), warn: (line) => io.stderr(line) });
  }
  await sampler?.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', killChild);

  const status = readStatus(settings.statusPath as string, io);
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
  if (summary !== undefined && sampler) {
    // The load phase ended when k6 wrote the summary and lasted elapsed_sec.
    const toMs = statSync(summaryPath).mtimeMs;
    summary = addServerResources(summary, summaryPath, sampler, { fromMs: toMs - ((JSON.parse(summary) as { elapsed_sec?: number }).elapsed_sec ?? 0) * 1000, toMs });
  }
  if (sampler) io.stderr(`moodle-load: server stats saved to ${sampler.file}${sampler.warnings.map((w) => `\nmoodle-load: warning: ${w}`).join('')}`);
  if (errorLog) {
    await new Promise<void>((done) => errorLog.stream.end(done));
    io.stderr(`moodle-load: failed attempts saved to ${options.errorsPath}`);
  }
  if (summary !== undefined) {
    report(JSON.parse(summary) as Summary, status, io);
    io.stdout(summary);
    io.stderr(`moodle-load: summary saved to ${summaryPath}`);
  }
  const exit = exitCodeForRun(code, interrupts > 0, status);
  if (exit === EXIT.k6Failed) io.stderr(`moodle-load: k6 failed (exit code ${code})`);
  return summary === undefined && exit === EXIT.ok ? EXIT.k6Failed : exit;
}
