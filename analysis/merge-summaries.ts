// `moodle-load merge`: the summaries of one split test's instances (execution segments, the
// k6-operator's runners) made into the summary one instance would have written. Every series
// of their `mergeable` parts is added up (counts and sums exactly, trend histograms bucket by
// bucket), and the summary is built again from the sum by the code that builds every summary
// (lib/summary-files.ts). Summaries that are not parts of one test are refused.
import { buildK6Options } from '../lib/k6-options';
import { MERGEABLE_VERSION, MergeablePart } from '../lib/mergeable';
import { DROPPED, submetric } from '../lib/metric-names';
import type { RunSettings } from '../lib/run-settings';
import { segmentBounds } from '../lib/segments';
import { FailedUser, LOAD_SCENARIO, Summary, SUMMARY_SCHEMA_VERSION } from '../lib/summary';
import { SetupData, summaryFiles } from '../lib/summary-files';
import { dueIterations, started } from './streamed-schedule';
import { BUCKET_GROWTH, EXACT_LIMIT, StreamCollector } from './stream-stats';

/** A summary that cannot be merged with the others; the message names the file and the field. */
export class MergeError extends Error {
  override name = 'MergeError';
}

export interface SummaryFile {
  readonly path: string;
  readonly summary: Summary;
}

const LOAD_DROPPED = submetric(DROPPED, 'scenario', LOAD_SCENARIO);

/** The `mergeable` part of each file, checked to be one this code can add up. */
function partOf(file: SummaryFile): MergeablePart & { setup: SetupData } {
  const { summary, path } = file;
  if (summary.schema_version !== SUMMARY_SCHEMA_VERSION)
    throw new MergeError(`${path}: schema_version ${summary.schema_version}, this moodle-load reads ${SUMMARY_SCHEMA_VERSION}`);
  const part = summary.mergeable;
  if (part === undefined)
    throw new MergeError(
      `${path}: no mergeable part: only summaries the CLI counted (moodle-load run --stream-stats, make segments) merge`,
    );
  if (part.version !== MERGEABLE_VERSION)
    throw new MergeError(`${path}: mergeable.version ${part.version}, this moodle-load reads ${MERGEABLE_VERSION}`);
  if (part.bucket_growth !== BUCKET_GROWTH || part.exact_limit !== EXACT_LIMIT)
    throw new MergeError(`${path}: mergeable histograms of another precision (bucket_growth ${part.bucket_growth})`);
  if (part.setup === null) throw new MergeError(`${path}: the instance stopped before setup() finished, so it has no part of the test`);
  return part as MergeablePart & { setup: SetupData };
}

/** Stable JSON: the same settings give the same text whatever their keys' order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Refuses parts that are not of one test: another config, seed or settings. */
function checkSameTest(files: readonly SummaryFile[], parts: readonly (MergeablePart & { setup: SetupData })[]): void {
  const first = parts[0] as MergeablePart & { setup: SetupData };
  parts.forEach((p, i) => {
    const path = (files[i] as SummaryFile).path;
    if (p.config_fingerprint !== first.config_fingerprint) throw new MergeError(`${path}: another config than ${files[0]?.path}`);
    if (p.setup.seed !== first.setup.seed)
      throw new MergeError(`${path}: seed ${p.setup.seed}, not ${first.setup.seed} as in ${files[0]?.path}`);
    const a = p.settings as unknown as Record<string, unknown>;
    const b = first.settings as unknown as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (key === 'seed') continue;
      if (canonical(a[key]) !== canonical(b[key]))
        throw new MergeError(`${path}: setting ${key} is ${canonical(a[key])}, not ${canonical(b[key])} as in ${files[0]?.path}`);
    }
  });
}

/** Refuses a segment set with an overlap, a gap, or a missing segment: the parts must make the whole test. */
function checkSegments(files: readonly SummaryFile[], parts: readonly { setup: SetupData }[]): string[] {
  if (parts.length === 1 && parts[0]?.setup.segment === null) return [];
  const spans = parts.map((p, i) => {
    const segment = p.setup.segment;
    const path = (files[i] as SummaryFile).path;
    if (segment === null) throw new MergeError(`${path}: not one execution segment of a split test, so it does not merge with others`);
    return { segment, path, bounds: segmentBounds(segment) };
  });
  spans.sort((x, y) => x.bounds[0] - y.bounds[0]);
  let covered = 0;
  for (const s of spans) {
    if (s.bounds[0] < covered - 1e-9) throw new MergeError(`${s.path}: execution segment ${s.segment} overlaps another file's`);
    if (s.bounds[0] > covered + 1e-9) throw new MergeError(`no summary covers the execution segment from ${covered} to ${s.bounds[0]}`);
    covered = s.bounds[1];
  }
  if (covered < 1 - 1e-9) throw new MergeError(`no summary covers the execution segment from ${covered} to 1`);
  return spans.map((s) => s.segment);
}

/** setup()'s record of the whole test: the earliest start, every instance's sessions (with --users, the users: an instance's are its share, rounded). */
function mergedSetup(parts: readonly { setup: SetupData }[], users: number | undefined): SetupData {
  const setups = parts.map((p) => p.setup);
  return {
    seed: (setups[0] as SetupData).seed,
    segment: null,
    loginStartMs: Math.min(...setups.map((s) => s.loginStartMs)),
    loadStartMs: Math.min(...setups.map((s) => s.loadStartMs)),
    sessions: users ?? setups.reduce((sum, s) => sum + s.sessions, 0),
    goodUser: setups.find((s) => s.goodUser !== null)?.goodUser ?? null,
    rejected: [...new Set(setups.flatMap((s) => s.rejected))].sort((a, b) => a - b),
  };
}

/** Failed users by name over all instances (names are only in the summaries, never in `mergeable`). */
function mergedFailedUsers(files: readonly SummaryFile[]): FailedUser[] {
  const byName = new Map<string, FailedUser>();
  for (const f of files) {
    for (const u of f.summary.sessions.failed_users) {
      const seen = byName.get(u.username);
      byName.set(u.username, seen === undefined ? { ...u } : { ...seen, sessions: seen.sessions + u.sessions });
    }
  }
  return [...byName.values()];
}

/** The one summary of the instances' summaries. */
export function mergeSummaries(files: readonly SummaryFile[]): Summary {
  if (files.length === 0) throw new MergeError('no summary to merge');
  const parts = files.map(partOf);
  checkSameTest(files, parts);
  const segments = checkSegments(files, parts);
  const first = parts[0] as MergeablePart;
  const collector = new StreamCollector();
  for (const p of parts) collector.acceptSeries(p.series);
  const settings: RunSettings = {
    ...first.settings,
    configPath: '',
    summaryPath: undefined,
    summaryToStdout: false,
    requestLog: false,
    errorLog: false,
    channel: false,
  };
  const endpoints = Object.entries((files[0] as SummaryFile).summary.endpoints).map(([name, e]) => ({
    name,
    template: { source: e.path },
    weight: e.weight,
  }));
  const names = endpoints.map((e) => e.name);
  const submetrics = Object.keys(buildK6Options(settings, names, first.config_users, first.journeys).thresholds as Record<string, unknown>);
  const metrics = collector.k6Metrics(submetrics);
  const setupData = mergedSetup(parts, settings.users);
  const nowMs = Math.max(...parts.map((p) => p.ended_ms));
  // The whole schedule, as one instance would have run it: due iterations less those started.
  const ranSec = Math.min(settings.durationSec, Math.max(0, (nowMs - setupData.loadStartMs) / 1000));
  metrics[LOAD_DROPPED] = { values: { count: Math.max(0, dueIterations(settings, ranSec, null) - started(collector)) } };
  const { summary } = summaryFiles({
    metrics,
    setupData,
    settings,
    endpoints,
    journeys: first.journeys,
    usernames: [],
    nowMs,
    warn: () => undefined,
  });
  summary.sessions.failed_users = mergedFailedUsers(files);
  if (segments.length > 0) summary.merged = { instances: files.length, execution_segments: segments };
  return summary;
}
