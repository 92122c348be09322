// A k6 runner's log made into that runner's summary, for runs the CLI did not start (the
// k6-operator's pods: `kubectl logs`). With CHANNEL=1, STREAM_STATS=1 and --log-format json the
// script writes in its log the records the CLI reads from a k6 it starts (lib/channel.ts): its
// setup with the run's settings, and its VUs' figures. The summary is then the one
// `moodle-load run --stream-stats` writes, `mergeable` part included.
import { StreamCollector } from '../analysis/stream-stats';
import { ChannelError, SetupRecord, setupDataOf } from '../lib/channel';
import type { MoodleConfig } from '../lib/config';
import type { Summary } from '../lib/summary';
import { parseK6LogLine } from './k6/k6-log';
import { streamedSummary } from './streamed-summary';

/** A log that does not hold what a summary needs; the message names the file. */
export class RunnerLogError extends Error {
  override name = 'RunnerLogError';
}

/** Epoch ms of a k6 JSON log entry, or NaN. */
function entryTime(line: string): number {
  try {
    const time = (JSON.parse(line) as { time?: unknown }).time;
    return typeof time === 'string' ? Date.parse(time) : NaN;
  } catch {
    return NaN;
  }
}

export function summaryFromRunnerLog(path: string, text: string, config: MoodleConfig): Summary {
  const collector = new StreamCollector();
  let setup: SetupRecord | undefined;
  let lastMs = NaN;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = parseK6LogLine(line);
      const ms = entryTime(line);
      if (Number.isFinite(ms)) lastMs = ms;
      if (parsed.kind !== 'record') continue;
      if (parsed.record.type === 'stats') collector.acceptRecord(parsed.record.data);
      else if (parsed.record.type === 'setup') setup = parsed.record.data;
    } catch (e) {
      if (e instanceof ChannelError) throw new RunnerLogError(`${path}: ${e.message}`);
      throw e;
    }
  }
  if (setup?.settings === undefined)
    throw new RunnerLogError(
      `${path}: no moodle-load setup record with the run's settings: run the bundle with CHANNEL=1, STREAM_STATS=1 and --log-format json (deploy/k6-operator/testrun.yaml)`,
    );
  if (!setup.settings.streamStats)
    throw new RunnerLogError(`${path}: the runner ran without STREAM_STATS=1, so its log has no figures to sum up`);
  return streamedSummary({
    collector,
    setupData: setupDataOf(setup),
    settings: { ...setup.settings, summaryPath: `${path}.summary.json`, summaryToStdout: false },
    config,
    // k6's log times are whole seconds: the load phase's end is the scenario's own (LOAD_END) when it has one.
    nowMs: Number.isFinite(lastMs) ? lastMs : setup.loadStartMs + setup.settings.durationSec * 1000,
    warn: () => undefined,
  }).summary;
}
