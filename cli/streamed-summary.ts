// --stream-stats: the summary, end record and progress figures built from what the VUs streamed
// (analysis/stream-stats.ts), with lib/summary-files.ts, as handleSummary builds them from k6's.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BUCKET_GROWTH, EXACT_LIMIT, StreamCollector } from '../analysis/stream-stats';
import { dueIterations, started } from '../analysis/streamed-schedule';
import type { HistogramSeries, MergeablePart, MergeSettings } from '../lib/mergeable';
import { MERGEABLE_VERSION } from '../lib/mergeable';
import type { MoodleConfig } from '../lib/config';
import { journeyProgressSubmetrics } from '../lib/journeys/journey-summary';
import { journeyOutline, type JourneyOutline } from '../lib/journeys/journey-types';
import { buildK6Options } from '../lib/k6-options';
import { DROPPED, LOAD_METRICS, submetric, USER_LOGINS, USER_SESSIONS_LOST, WARMUP_METRICS } from '../lib/metric-names';
import type { RunSettings } from '../lib/run-settings';
import { reportEverySec } from '../lib/stats-stream';
import { LOAD_SCENARIO } from '../lib/summary';
import type { EndRecord } from '../lib/channel';
import { SetupData, SummaryFiles, summaryFiles } from '../lib/summary-files';
import type { MetricValues } from './dashboard-events';

/** k6 does not report dropped iterations without its summary: the schedule says how many were due. */
const LOAD_DROPPED = submetric(DROPPED, 'scenario', LOAD_SCENARIO);

export interface StreamedSummaryInput {
  readonly collector: StreamCollector;
  /** setup()'s record; undefined when setup() did not finish. */
  readonly setupData: SetupData | undefined;
  readonly settings: RunSettings;
  readonly config: MoodleConfig;
  /** When k6 ended. */
  readonly nowMs: number;
  readonly warn: (line: string) => void;
}

/** Writes the summary (the path in settings), as handleSummary would have, and returns its end record. */
export function writeStreamedSummary(input: StreamedSummaryInput): EndRecord {
  const { files, end } = streamedSummary(input);
  for (const [path, text] of Object.entries(files)) {
    if (path === 'stdout') continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return end;
}

/** The summary, its files and its end record from the VUs' figures, as handleSummary builds them from k6's. */
export function streamedSummary(input: StreamedSummaryInput): SummaryFiles {
  const { collector, settings, config, setupData } = input;
  const names = config.endpoints.map((e) => e.name);
  const submetrics = Object.keys(
    buildK6Options(settings, names, config.users.length, config.journeys).thresholds as Record<string, unknown>,
  );
  const metrics = collector.k6Metrics(submetrics);
  if (setupData !== undefined) {
    // The load phase ran until its schedule ended, or until k6 stopped (Ctrl-C, a crash, a kill).
    const ranSec = Math.min(settings.durationSec, Math.max(0, (input.nowMs - setupData.loadStartMs) / 1000));
    const dropped = Math.max(0, dueIterations(settings, ranSec, setupData.segment) - started(collector));
    metrics[LOAD_DROPPED] = { values: { count: dropped } };
  }
  const mergeable = mergeablePart(input);
  const out = summaryFiles({
    metrics,
    setupData,
    settings,
    endpoints: config.endpoints,
    journeys: config.journeys,
    usernames: config.users.map((u) => u.username),
    nowMs: input.nowMs,
    warn: input.warn,
    mergeable,
  });
  if (out.summary.stopped_early) {
    input.warn(
      `streamed figures: the run stopped early, so what each VU had not yet reported (up to ${reportEverySec(settings.concurrency)} s of its figures, and the iteration it was in) is missing, and dropped iterations are estimated from the schedule`,
    );
  }
  return out;
}

/** A digest of what shapes the load (no password, no username): instances of one test have the same. */
export function configFingerprint(config: MoodleConfig): string {
  const shape = {
    baseUrl: config.baseUrl,
    loginPath: config.loginPath,
    users: config.users.length,
    parameters: config.parameters,
    endpoints: config.endpoints.map((e) => [e.name, e.template.source, e.weight]),
    journeys: config.journeys.map((j) => j.name),
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

/** The summary's `mergeable` part: every series the VUs streamed (dropped iterations are the schedule's, worked out again when merged). */
function mergeablePart(input: StreamedSummaryInput): MergeablePart {
  const { configPath: _c, summaryPath: _s, summaryToStdout: _o, requestLog: _r, errorLog: _e, channel: _ch, ...settings } = input.settings;
  const series: HistogramSeries[] = input.collector.toSeries();
  return {
    version: MERGEABLE_VERSION,
    bucket_growth: BUCKET_GROWTH,
    exact_limit: EXACT_LIMIT,
    config_fingerprint: configFingerprint(input.config),
    config_users: input.config.users.length,
    journeys: input.config.journeys.map(journeyOutline),
    settings: settings satisfies MergeSettings,
    setup: input.setupData ?? null,
    ended_ms: input.nowMs,
    series,
  };
}

/**
 * The figures a progress line reads (progress-line.ts), from the reports so far. Dropped
 * iterations are estimated from the schedule: VUs report every reportEverySec seconds, and each may be in
 * one long iteration whose start it has not reported yet, so up to one iteration per VU (and that
 * interval and a second of the schedule) can be missing without any being dropped. The summary's figure is exact.
 */
export function streamedProgress(
  collector: StreamCollector,
  setupData: SetupData | undefined,
  settings: RunSettings,
  journeys: readonly JourneyOutline[],
  nowMs: number,
): Record<string, MetricValues> {
  const selectors: string[] = [];
  for (const names of [LOAD_METRICS, WARMUP_METRICS]) {
    selectors.push(
      submetric(names.requests, 'outcome', 'success'),
      submetric(names.requests, 'outcome', 'failure'),
      submetric(names.duration, 'outcome', 'success'),
    );
  }
  if (settings.thinkTimeSec !== undefined) selectors.push(USER_LOGINS, USER_SESSIONS_LOST);
  selectors.push(...journeyProgressSubmetrics(journeys));
  const metrics = collector.metrics(selectors);
  const out: Record<string, MetricValues> = { time: { value: nowMs } };
  for (const [name, m] of Object.entries(metrics)) out[name] = m.values;
  if (setupData !== undefined) {
    const dueSec = Math.min(settings.durationSec, (nowMs - setupData.loadStartMs) / 1000 - reportEverySec(settings.concurrency) - 1);
    const missing = dueIterations(settings, dueSec, null) - started(collector);
    out[DROPPED] = { count: missing > settings.concurrency ? missing : 0 };
  }
  return out;
}
