// What a run leaves at its end: the summary JSON (and, for the CLI, the end record), built from
// k6-shaped metrics. handleSummary calls this with k6's own; with --stream-stats the CLI calls it
// with the figures the VUs streamed (analysis/stream-stats.ts), so both give the same document.
import { abortOf } from './abort-reasons';
import { EndRecord, endRecord } from './channel';
import type { JourneyOutline } from './journeys/journey-types';
import type { Endpoint } from './config';
import { loginReport } from './login-report';
import type { MergeablePart } from './mergeable';
import { defaultSummaryPath, rampSecOf, RunSettings, usersOf } from './run-settings';
import { buildSummary, K6Metrics, Summary } from './summary';

/** What setup() hands every VU (k6 copies it into each one, and its REST API serves it): no secret, nothing per VU. */
export interface SetupData {
  readonly seed: number;
  /** This instance's execution segment ("1/2:1") when the test is split across instances. */
  readonly segment: string | null;
  /** Epoch ms at which the login phase starts, and at which the timed load phase starts (after login and warm-up). */
  readonly loginStartMs: number;
  readonly loadStartMs: number;
  /** Sessions the run logs in: one per user (--users, or one per VU). */
  readonly sessions: number;
  /** setup()'s probe: a user that logged in, and the users Moodle rejected (never tried again). */
  readonly goodUser: number | null;
  readonly rejected: number[];
}

export interface SummaryFilesInput {
  readonly metrics: K6Metrics;
  /** Undefined when setup() did not finish. */
  readonly setupData: SetupData | undefined;
  readonly settings: RunSettings;
  readonly endpoints: readonly (Pick<Endpoint, 'name' | 'weight'> & { readonly template: { readonly source: string } })[];
  readonly journeys?: readonly JourneyOutline[];
  readonly usernames: readonly string[];
  readonly nowMs: number;
  /** Where a line for the person running it goes (a failed user). */
  readonly warn: (line: string) => void;
  /** The run's figures as histograms (the CLI's streamed figures), for `moodle-load merge`. */
  readonly mergeable?: MergeablePart;
}

export interface SummaryFiles {
  readonly summary: Summary;
  /** File path -> content; "stdout" for k6's standard output. */
  readonly files: Record<string, string>;
  /** The channel's last record (lib/channel.ts). */
  readonly end: EndRecord;
}

export function summaryFiles(input: SummaryFilesInput): SummaryFiles {
  const { setupData, metrics, settings: s } = input;
  // Also when setup() aborted: its probe's failures are in the metrics too.
  const report = loginReport({
    metrics,
    usernames: input.usernames,
    attempted: setupData?.sessions ?? s.concurrency,
    startMs: setupData?.loginStartMs ?? input.nowMs,
  });
  for (const f of report.failedUsers) input.warn(`login failed for user "${f.username}" (${f.sessions} session(s)): ${f.reason}`);
  const summary = buildSummary({
    metrics,
    endpoints: input.endpoints.map((e) => ({ name: e.name, path: e.template.source, weight: e.weight })),
    targetRpm: s.rpm,
    durationSec: s.durationSec,
    warmupSec: s.warmupSec,
    concurrency: s.concurrency,
    retries: s.retries,
    seed: setupData?.seed ?? s.seed ?? null,
    segment: setupData?.segment ?? null,
    login: setupData === undefined ? undefined : report,
    loadStartMs: setupData?.loadStartMs,
    nowMs: input.nowMs,
    k6Version: s.k6Version ?? null,
    emulateBrowser: s.emulateBrowser,
    journeys: input.journeys,
    examWindowSec: s.examWindowSec,
    // setup() counts the instance's own VUs when the test is split; a merged test's setup sums them.
    examUsers: setupData !== undefined && setupData.segment !== null ? setupData.sessions : s.concurrency,
    streamStats: s.streamStats,
    users: {
      users: setupData?.sessions ?? usersOf(s),
      thinkTimeSec: s.thinkTimeSec,
      rampSec: s.thinkTimeSec === undefined ? undefined : rampSecOf(s),
    },
  });
  if (input.mergeable) summary.mergeable = input.mergeable;
  const json = JSON.stringify(summary, null, 2) + '\n';
  const summaryPath = s.summaryPath ?? defaultSummaryPath(new Date(input.nowMs));
  const files: Record<string, string> = { [summaryPath]: json };
  if (s.summaryToStdout) files.stdout = json;
  const end = endRecord({ abort: abortOf(metrics), summary, summaryPath, loadStartMs: setupData?.loadStartMs });
  return { summary, files, end };
}
