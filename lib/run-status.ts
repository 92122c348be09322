// The one structured channel from the k6 script to the CLI at the end of a run. handleSummary
// writes this small JSON file (path in STATUS_FILE); the CLI reads it to choose its exit code
// and what to say. Documented in the README (*The run status file*); bump RUN_STATUS_VERSION
// when a field changes meaning or goes away.
import type { AbortKind } from './abort-reasons';

export const RUN_STATUS_FORMAT = 'moodle-load-status';
export const RUN_STATUS_VERSION = 1;

/** Why the run ended: it ran its schedule, it stopped before (Ctrl-C, SIGTERM), or setup() aborted it. */
export type StopReason = 'completed' | 'stopped_early' | AbortKind;

export interface RunStatus {
  readonly format: typeof RUN_STATUS_FORMAT;
  readonly version: typeof RUN_STATUS_VERSION;
  readonly stop: StopReason;
  /** Load iterations k6 could not start because every VU was busy. */
  readonly dropped_iterations: number;
  /** The summary's warnings, for the CLI to print. */
  readonly warnings: readonly string[];
  /** Where the summary JSON was written. */
  readonly summary_path: string;
}

export function buildRunStatus(input: { abort: AbortKind | null; stoppedEarly: boolean; dropped: number; warnings: readonly string[]; summaryPath: string }): RunStatus {
  return {
    format: RUN_STATUS_FORMAT,
    version: RUN_STATUS_VERSION,
    stop: input.abort ?? (input.stoppedEarly ? 'stopped_early' : 'completed'),
    dropped_iterations: input.dropped,
    warnings: [...input.warnings],
    summary_path: input.summaryPath,
  };
}

export class RunStatusError extends Error {}

const STOPS: readonly StopReason[] = ['completed', 'stopped_early', 'no_session', 'site_unreachable'];

/** Parses and checks a status file's text; throws RunStatusError when it is not one this CLI understands. */
export function parseRunStatus(text: string): RunStatus {
  let raw: Partial<RunStatus>;
  try {
    raw = JSON.parse(text) as Partial<RunStatus>;
  } catch (e) {
    throw new RunStatusError(`not JSON (${(e as Error).message})`);
  }
  if (raw.format !== RUN_STATUS_FORMAT) throw new RunStatusError(`format is ${JSON.stringify(raw.format)}, not ${RUN_STATUS_FORMAT}`);
  if (raw.version !== RUN_STATUS_VERSION) throw new RunStatusError(`version ${JSON.stringify(raw.version)}, this CLI reads version ${RUN_STATUS_VERSION}: rebuild with \`make build\``);
  if (!STOPS.includes(raw.stop as StopReason)) throw new RunStatusError(`unknown stop ${JSON.stringify(raw.stop)}`);
  if (typeof raw.dropped_iterations !== 'number' || !Array.isArray(raw.warnings) || typeof raw.summary_path !== 'string') throw new RunStatusError('a field is missing');
  return raw as RunStatus;
}
