// The one channel from the k6 script to the CLI: typed records, each one console line that k6
// hands to its JSON log, `moodle-load/<version> <type> <json>`. The script writes them
// (scenarios/k6/channel.ts), the CLI reads them (cli/k6/k6-run.ts); nothing else crosses, and the
// CLI never reads k6's own wording. Bump CHANNEL_VERSION when a record changes meaning or loses
// a field, so a CLI and a bundle from different builds refuse each other in one clear line.
import type { AbortKind } from './abort-reasons';
import type { ErrorRecord } from './error-log';
import type { RequestLogRecord } from './request-log';
import type { StatsRecord } from './stats-stream';
import type { RunSettings } from './run-settings';
import type { SetupData } from './summary-files';
import type { Summary } from './summary';

export const CHANNEL_NAME = 'moodle-load';
export const CHANNEL_VERSION = 2;

/** Why the run ended: it ran its schedule, it stopped before (Ctrl-C, SIGTERM), or setup() aborted it. */
export type StopReason = 'completed' | 'stopped_early' | AbortKind;
const STOPS: readonly StopReason[] = ['completed', 'stopped_early', 'no_session', 'site_unreachable', 'journey_check'];

/** The last record of a run: how it ended, its summary, and when its timed load phase ran. */
export interface EndRecord {
  readonly stop: StopReason;
  /** Load iterations k6 could not start because every VU was busy. */
  readonly dropped_iterations: number;
  /** The summary's warnings, for the CLI to print. */
  readonly warnings: readonly string[];
  /** Where the summary JSON was written. */
  readonly summary_path: string;
  /** The timed load phase, epoch ms (null when setup() did not finish): what --server-stats averages over. */
  readonly load_from_ms: number | null;
  readonly load_to_ms: number | null;
  readonly summary: Summary;
}

export interface SetupRecord extends SetupData {
  readonly settings?: RunSettings;
}

/** setup()'s data alone, as the summary's `mergeable.setup` keeps it. */
export function setupDataOf(record: SetupRecord): SetupData {
  const { seed, segment, loginStartMs, loadStartMs, sessions, goodUser, rejected } = record;
  return { seed, segment, loginStartMs, loadStartMs, sessions, goodUser, rejected };
}

/** Each record type and what it carries. */
export interface RecordTypes {
  /** setup()'s data, once, when the login phase starts, with the run's settings (what a k6 log needs to be summed up without the CLI). */
  readonly setup: SetupRecord;
  /** One load request attempt (--log). */
  readonly request: RequestLogRecord;
  /** One failed page, asset or AJAX call (--errors). */
  readonly failure: ErrorRecord;
  /** A VU's figures since its last report (--stream-stats). */
  readonly stats: StatsRecord;
  readonly end: EndRecord;
}

export type RecordType = keyof RecordTypes;
export type ChannelRecord = { [T in RecordType]: { readonly type: T; readonly data: RecordTypes[T] } }[RecordType];

const TYPES: readonly RecordType[] = ['setup', 'request', 'failure', 'stats', 'end'];
const HEAD = `${CHANNEL_NAME}/`;

/** What a line starts with for a record of this type: built once per type, so writing one is one concatenation. */
export function recordPrefix(type: RecordType): string {
  return `${HEAD}${CHANNEL_VERSION} ${type} `;
}

export class ChannelError extends Error {}

/**
 * The record a console message carries, or null when the message is not a record (the script's
 * or k6's other lines). Throws ChannelError for a record this CLI cannot read: another version,
 * an unknown type, or a body that is not what the type promises.
 */
export function decodeRecord(message: string): ChannelRecord | null {
  if (!message.startsWith(HEAD)) return null;
  const versionEnd = message.indexOf(' ', HEAD.length);
  const typeEnd = versionEnd < 0 ? -1 : message.indexOf(' ', versionEnd + 1);
  if (typeEnd < 0) return null;
  const version = message.slice(HEAD.length, versionEnd);
  if (version !== String(CHANNEL_VERSION)) {
    throw new ChannelError(
      `the k6 script writes ${CHANNEL_NAME} records of version ${version}, this CLI reads version ${CHANNEL_VERSION}: rebuild with \`make build\``,
    );
  }
  const type = message.slice(versionEnd + 1, typeEnd) as RecordType;
  if (!TYPES.includes(type)) throw new ChannelError(`unknown ${CHANNEL_NAME} record type ${JSON.stringify(type)}`);
  let data: unknown;
  try {
    data = JSON.parse(message.slice(typeEnd + 1));
  } catch (e) {
    throw new ChannelError(`a ${type} record is not JSON (${(e as Error).message})`);
  }
  if (type === 'end') checkEnd(data);
  return { type, data } as ChannelRecord;
}

function checkEnd(data: unknown): asserts data is EndRecord {
  const end = data as Partial<EndRecord> | null;
  if (end === null || typeof end !== 'object') throw new ChannelError('the end record is not an object');
  if (!STOPS.includes(end.stop as StopReason)) throw new ChannelError(`the end record has an unknown stop ${JSON.stringify(end.stop)}`);
  if (
    typeof end.dropped_iterations !== 'number' ||
    !Array.isArray(end.warnings) ||
    typeof end.summary_path !== 'string' ||
    typeof end.summary !== 'object' ||
    end.summary === null
  ) {
    throw new ChannelError('the end record lacks a field');
  }
}

/** The end record for a summary: why the run stopped comes from the metrics (an abort counted in setup), never from k6's log. */
export function endRecord(input: {
  readonly abort: AbortKind | null;
  readonly summary: Summary;
  readonly summaryPath: string;
  readonly loadStartMs: number | undefined;
}): EndRecord {
  const { summary } = input;
  return {
    stop: input.abort ?? (summary.stopped_early ? 'stopped_early' : 'completed'),
    dropped_iterations: summary.dropped_iterations,
    warnings: [...summary.warnings],
    summary_path: input.summaryPath,
    load_from_ms: input.loadStartMs ?? null,
    load_to_ms: input.loadStartMs === undefined ? null : input.loadStartMs + Math.round(summary.elapsed_sec * 1000),
    summary,
  };
}
