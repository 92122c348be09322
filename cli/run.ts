// The CLI's run: validate everything before k6 starts (so bad input sends nothing), run k6 on the
// bundled scenario (cli/k6/k6-run.ts), show progress on stderr, and print the summary on stdout,
// also after Ctrl-C.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { StreamCollector } from '../analysis/stream-stats';
import { StreamTimeline } from '../analysis/stream-timeline';
import { ChannelRecord, EndRecord, setupDataOf } from '../lib/channel';
import { ConfigError, MoodleConfig, parseConfigText, validateBaseUrl } from '../lib/config';
import { ERROR_LOG, ErrorRecord } from '../lib/error-log';
import { resolveBeside } from '../lib/paths';
import { REQUEST_LOG, RequestLogRecord } from '../lib/request-log';
import { defaultSummaryPath, examConfigError, RunSettings, usersConfigError, usersOf } from '../lib/run-settings';
import type { Summary } from '../lib/summary';
import type { SetupData } from '../lib/summary-files';
import type { CliOptions } from './cli-options';
import { dashboardPeriodSec } from './dashboard-period';
import { endpointTable } from './endpoint-table';
import { EXIT, exitCodeForRun } from './exit-codes';
import { K6Run, K6RunResult } from './k6/k6-run';
import { findK6, K6MissingError, PINNED_K6_VERSION } from './k6/binary';
import { DashboardSettings, k6Invocation } from './k6/invocation';
import { pageViewTable } from './page-view-table';
import { followProgress } from './progress';
import { progressLine, ProgressTarget } from './progress-line';
import { RecordWriter } from './record-writer';
import { addServerResources, startServerStats } from './server-stats/run-hook';
import type { ResourceSampler } from './server-stats/sampler';
import { StreamReportSource, streamReportHtml } from './stream-report';
import { streamedProgress, writeStreamedSummary } from './streamed-summary';

export interface RunIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (line: string) => void;
}

export class BadInputError extends Error {}

/** Reads and validates the config now, with the same validator k6 runs. */
function checkConfig(settings: RunSettings): MoodleConfig {
  let text: string;
  try {
    text = readFileSync(settings.configPath, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT' ? 'does not exist' : err.code === 'EISDIR' ? 'is a folder' : `cannot be read (${err.code ?? err.message})`;
    throw new BadInputError(`config: file ${settings.configPath} ${why}`);
  }
  try {
    const config = parseConfigText(text, (usersFile) => readFileSync(resolveBeside(settings.configPath, usersFile), 'utf8'));
    if (settings.baseUrl !== undefined) validateBaseUrl(settings.baseUrl, '--base-url');
    const exam = examConfigError(settings, config.journeys.length, 'flag');
    if (exam !== null) throw new BadInputError(`config: ${settings.configPath}: ${exam}`);
    const many = usersConfigError(settings, config.journeys.length, 'flag');
    if (many !== null) throw new BadInputError(`config: ${settings.configPath}: ${many}`);
    return config;
  } catch (e) {
    if (e instanceof ConfigError) throw new BadInputError(e.inFile(settings.configPath).message);
    throw e;
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

/** The settings k6 gets from the CLI: paths made absolute, the record channel on. */
function cliSettings(given: RunSettings): RunSettings {
  return {
    ...given,
    configPath: resolve(given.configPath),
    summaryPath: resolve(given.summaryPath ?? defaultSummaryPath(new Date())),
    summaryToStdout: false,
    channel: true,
    k6Version: PINNED_K6_VERSION,
    // An output named in the shell (K6_OUT) wants our metrics too.
    metricsToK6: given.metricsToK6 || (given.streamStats && (process.env.K6_OUT ?? '') !== ''),
  };
}

/** What must be in place before k6 starts: a valid config and the pinned k6; else the exit code, said on stderr. */
export function preflight(projectRoot: string, settings: RunSettings, io: RunIo): { config: MoodleConfig; k6: string } | number {
  try {
    return { config: checkConfig(settings), k6: findK6(projectRoot, process.env) };
  } catch (e) {
    if (!(e instanceof BadInputError) && !(e instanceof K6MissingError)) throw e;
    io.stderr(`moodle-load: ${e.message}`);
    return e instanceof BadInputError ? EXIT.badInput : EXIT.k6Missing;
  }
}

/** The files a run writes besides its summary, and the server sampler: open while k6 runs. */
interface RunOutputs {
  readonly requestLog: RecordWriter<RequestLogRecord> | undefined;
  readonly errorLog: RecordWriter<ErrorRecord> | undefined;
  readonly sampler: ResourceSampler | undefined;
  /** --report with --stream-stats: the figures per window of the load phase, for the CLI's own HTML report. */
  readonly timeline: StreamTimeline | undefined;
}

async function openOutputs(options: CliOptions, settings: RunSettings, config: MoodleConfig, io: RunIo): Promise<RunOutputs> {
  const summaryPath = settings.summaryPath as string;
  // A file left by an earlier run must never pass for this run's result if k6 writes none.
  for (const path of [summaryPath, options.reportPath === undefined ? undefined : resolve(options.reportPath)]) {
    if (path === undefined) continue;
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
  }
  const baseUrl = settings.baseUrl ?? config.baseUrl;
  return {
    requestLog: options.logPath === undefined ? undefined : new RecordWriter(options.logPath, REQUEST_LOG),
    errorLog: options.errorsPath === undefined ? undefined : new RecordWriter(options.errorsPath, ERROR_LOG),
    sampler: options.serverStats ? await startServerStats(options.serverStats, baseUrl, summaryPath, io.stderr) : undefined,
    timeline: settings.streamStats && options.reportPath !== undefined ? new StreamTimeline(settings.durationSec) : undefined,
  };
}

/** Progress lines while k6 runs: from the VUs' own figures, or with --no-stream-stats from k6's web dashboard. */
interface Progress {
  dashboard: DashboardSettings | undefined;
  readonly collector: StreamCollector | undefined;
  /** The setup record, once it came: the timed phase's start, which every progress line counts from. */
  setup: SetupData | undefined;
  stop(): void;
}

async function startProgress(
  options: CliOptions,
  settings: RunSettings,
  config: MoodleConfig,
  sampler: ResourceSampler | undefined,
  io: RunIo,
): Promise<Progress> {
  const print = sampler ? (line: string) => io.stderr(`${line} | ${sampler.progressPart()}`) : io.stderr;
  const collector = settings.streamStats ? new StreamCollector() : undefined;
  const progress: Progress = { dashboard: undefined, collector, setup: undefined, stop: () => undefined };
  const target: ProgressTarget = {
    rpm: settings.rpm,
    ...(settings.thinkTimeSec === undefined ? {} : { closedUsers: usersOf(settings) }),
    durationSec: settings.durationSec,
    warmupSec: settings.warmupSec,
    droppedLoadOnly: settings.streamStats,
    loadStartMs: () => progress.setup?.loadStartMs,
  };
  if (collector) {
    const line = () => progressLine(streamedProgress(collector, progress.setup, settings, config.journeys, Date.now()), target);
    const timer = setInterval(() => print(line()), options.progressSec * 1000);
    progress.stop = () => {
      clearInterval(timer);
      print(line());
    };
    return progress;
  }
  const periodSec = dashboardPeriodSec({
    progressSec: options.progressSec,
    report: options.reportPath !== undefined,
    runSec: settings.durationSec + settings.warmupSec,
  });
  progress.dashboard = {
    port: await freePort(),
    periodSec,
    exportPath: options.reportPath === undefined ? undefined : resolve(options.reportPath),
  };
  // Connects once k6 has started its dashboard (it retries until then).
  progress.stop = followProgress(progress.dashboard.port, target, { periodSec, progressSec: options.progressSec }, print);
  return progress;
}

function recordHandler(outputs: RunOutputs, progress: Progress): (record: ChannelRecord) => void {
  return (record) => {
    if (record.type === 'request') outputs.requestLog?.write(record.data);
    else if (record.type === 'failure') outputs.errorLog?.write(record.data);
    else if (record.type === 'stats') {
      const report = progress.collector?.acceptRecord(record.data);
      if (report !== undefined) outputs.timeline?.accept(report, Date.now());
    } else if (record.type === 'setup') {
      progress.setup = setupDataOf(record.data);
      outputs.timeline?.startAt(progress.setup.loadStartMs);
    }
  };
}

export async function runLoad(projectRoot: string, options: CliOptions, io: RunIo): Promise<number> {
  const settings = cliSettings(options.settings);
  const ready = preflight(projectRoot, settings, io);
  if (typeof ready === 'number') return ready;
  const outputs = await openOutputs(options, settings, ready.config, io);
  const progress = await startProgress(options, settings, ready.config, outputs.sampler, io);
  const invocation = k6Invocation({ projectRoot, settings, outputs: options.outputs, dashboard: progress.dashboard, baseEnv: process.env });
  const run = new K6Run({ k6: ready.k6, invocation, onRecord: recordHandler(outputs, progress), onText: io.stderr });
  const result = await run.done;
  progress.stop();
  const end = result.end ?? streamedEnd(progress, settings, ready.config, io);
  if (outputs.timeline && end !== null)
    writeStreamReport(
      options,
      { summary: end.summary, timeline: outputs.timeline, settings, config: ready.config, setupData: progress.setup },
      io,
    );
  await closeOutputs(options, outputs, io);
  return finish(result, end, settings, outputs.sampler, io);
}

/** With --stream-stats k6 writes no summary: the CLI builds it from the VUs' figures, also when k6 stopped during setup. */
function streamedEnd(progress: Progress, settings: RunSettings, config: MoodleConfig, io: RunIo): EndRecord | null {
  const collector = progress.collector;
  if (collector === undefined) return null;
  if (collector.reports === 0 && progress.setup === undefined) io.stderr('moodle-load: --stream-stats: no figures came from k6');
  return writeStreamedSummary({ collector, setupData: progress.setup, settings, config, nowMs: Date.now(), warn: io.stderr });
}

/** --report with --stream-stats: the CLI's HTML report from its own figures (a failure to write it is said; closeOutputs says it is missing). */
function writeStreamReport(options: CliOptions, source: StreamReportSource, io: RunIo): void {
  if (options.reportPath === undefined) return;
  try {
    writeFileSync(resolve(options.reportPath), streamReportHtml(source));
  } catch (e) {
    io.stderr(`moodle-load: --report: ${(e as Error).message}`);
  }
}

async function closeOutputs(options: CliOptions, outputs: RunOutputs, io: RunIo): Promise<void> {
  await outputs.sampler?.stop();
  if (options.reportPath) {
    io.stderr(
      `moodle-load: HTML report ${existsSync(resolve(options.reportPath)) ? 'saved to' : 'was not written:'} ${options.reportPath}`,
    );
  }
  if (outputs.requestLog) {
    await outputs.requestLog.close();
    io.stderr(`moodle-load: request log saved to ${options.logPath}`);
  }
  if (outputs.errorLog) {
    await outputs.errorLog.close();
    io.stderr(`moodle-load: failed attempts saved to ${options.errorsPath}`);
  }
}

/** What a person reads at the end, on stderr: the per-endpoint table and the run's warnings. */
function report(summary: Summary, warnings: readonly string[], io: RunIo): void {
  if (summary.attempts > 0 || summary.total > 0) io.stderr(endpointTable(summary));
  if (summary.page_views) io.stderr(pageViewTable(summary.page_views));
  for (const w of warnings) io.stderr(`moodle-load: warning: ${w}`);
}

/** Prints the summary (with the server's figures when sampled) and picks the exit code. */
function finish(
  result: K6RunResult,
  end: EndRecord | null,
  settings: RunSettings,
  sampler: ResourceSampler | undefined,
  io: RunIo,
): number {
  const summaryPath = settings.summaryPath as string;
  let summary = end === null ? undefined : JSON.stringify(end.summary, null, 2) + '\n';
  if (end === null) io.stderr(`moodle-load: k6 ended (exit ${result.exitCode}) without writing the summary ${summaryPath}`);
  if (sampler) {
    if (summary !== undefined && end !== null) summary = addServerResources(summary, summaryPath, sampler, loadWindow(end));
    io.stderr(`moodle-load: server stats saved to ${sampler.file}${sampler.warnings.map((w) => `\nmoodle-load: warning: ${w}`).join('')}`);
  }
  if (summary !== undefined && end !== null) {
    report(JSON.parse(summary) as Summary, end.warnings, io);
    io.stdout(summary);
    io.stderr(`moodle-load: summary saved to ${summaryPath}`);
  }
  const exit = exitCodeForRun(result.exitCode, result.interrupted, end);
  if (exit === EXIT.k6Failed) io.stderr(`moodle-load: k6 failed (exit code ${result.exitCode})`);
  return summary === undefined && exit === EXIT.ok ? EXIT.k6Failed : exit;
}

/** The timed load phase the server's samples are averaged over; empty when setup() did not finish. */
function loadWindow(end: EndRecord): { fromMs: number; toMs: number } {
  if (end.load_from_ms === null || end.load_to_ms === null) return { fromMs: 0, toMs: -1 };
  return { fromMs: end.load_from_ms, toMs: end.load_to_ms };
}
