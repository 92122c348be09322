// `moodle-load segments` (make segments): one test split across N local k6 instances with
// execution segments (as the k6-operator splits it across pods). Each instance runs its share
// of the rate and of the VUs, with its own sessions; all use one seed, so together they request
// what a single instance would. Each instance's VUs stream their figures (--stream-stats), the
// CLI writes each instance's summary with its `mergeable` part, and merges them into one
// (analysis/merge-summaries.ts): what `moodle-load merge` does with the k6-operator's runners.
import { dirname, resolve } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { StreamCollector } from '../analysis/stream-stats';
import { ChannelRecord, EndRecord, setupDataOf } from '../lib/channel';
import type { MoodleConfig } from '../lib/config';
import { freshSeed } from '../lib/random';
import { defaultSummaryPath } from '../lib/run-settings';
import { evenSegments } from '../lib/segments';
import type { SetupData } from '../lib/summary-files';
import type { CliOptions } from './cli-options';
import { mergeFiles } from './commands/merge';
import { EXIT, exitCodeForRun } from './exit-codes';
import { K6Run } from './k6/k6-run';
import { findK6, K6MissingError, PINNED_K6_VERSION } from './k6/binary';
import { k6Invocation } from './k6/invocation';
import type { RunIo } from './run';
import { writeStreamedSummary } from './streamed-summary';

/** One instance's end: its segment, its summary file (none when it wrote none), and its exit code. */
export interface InstanceEnd {
  readonly segment: string;
  readonly summaryPath: string | undefined;
  readonly exit: number;
}

/** What the instances share: the run, its config, its seed, and where the summaries go. */
export interface InstancesPlan {
  readonly projectRoot: string;
  readonly k6: string;
  readonly options: CliOptions;
  readonly config: MoodleConfig;
  readonly seed: number;
  readonly instances: number;
  /** The merged summary's path: each instance's goes beside it, with -instance-I before .json. */
  readonly summaryPath: string;
}

export function instanceSummaryPath(merged: string, i: number): string {
  return merged.replace(/(\.json)?$/, `-instance-${i + 1}.json`);
}

/** Runs one instance: its VUs' figures collected here, its summary written when k6 ends. */
async function runInstance(plan: InstancesPlan, segment: string, sequence: string, i: number, io: RunIo): Promise<InstanceEnd> {
  const given = plan.options.settings;
  const summaryPath = instanceSummaryPath(plan.summaryPath, i);
  const settings = {
    ...given,
    configPath: resolve(given.configPath),
    seed: plan.seed,
    summaryPath,
    channel: true,
    summaryToStdout: false,
    streamStats: true,
    metricsToK6: given.metricsToK6 || plan.options.outputs.length > 0 || (process.env.K6_OUT ?? '') !== '',
    k6Version: PINNED_K6_VERSION,
  };
  const invocation = k6Invocation({
    projectRoot: plan.projectRoot,
    settings,
    outputs: plan.options.outputs,
    segment: { segment, sequence, instanceId: i + 1 },
    baseEnv: process.env,
  });
  const collector = new StreamCollector();
  let setupData: SetupData | undefined;
  const onRecord = (record: ChannelRecord) => {
    if (record.type === 'stats') collector.acceptRecord(record.data);
    else if (record.type === 'setup') setupData = setupDataOf(record.data);
  };
  const say = (line: string) => io.stderr(`instance ${i + 1}: ${line}`);
  const result = await new K6Run({ k6: plan.k6, invocation, onRecord, onText: say }).done;
  const nowMs = Date.now();
  let end: EndRecord | null = null;
  if (collector.reports > 0 || setupData !== undefined)
    end = writeStreamedSummary({ collector, setupData, settings, config: plan.config, nowMs, warn: say });
  const exit = exitCodeForRun(result.exitCode, result.interrupted, end);
  return { segment, summaryPath: setupData === undefined ? undefined : summaryPath, exit };
}

/** Starts one k6 per execution segment, their log lines on stderr by instance; resolves when all have ended. */
export function runInstances(plan: InstancesPlan, io: RunIo): Promise<InstanceEnd[]> {
  const { segments, sequence } = evenSegments(plan.instances);
  return Promise.all(segments.map((segment, i) => runInstance(plan, segment, sequence, i, io)));
}

/** The run split across `instances` k6 processes; prints the merged summary on stdout. */
export async function runSegments(
  projectRoot: string,
  options: CliOptions,
  config: MoodleConfig,
  instances: number,
  io: RunIo,
): Promise<number> {
  const say = (line: string) => io.stderr(`segments: ${line}`);
  let k6: string;
  try {
    k6 = findK6(projectRoot, process.env);
  } catch (e) {
    if (!(e instanceof K6MissingError)) throw e;
    say(e.message);
    return EXIT.k6Missing;
  }
  const seed = options.settings.seed ?? freshSeed();
  const summaryPath = resolve(options.settings.summaryPath ?? defaultSummaryPath(new Date()));
  mkdirSync(dirname(summaryPath), { recursive: true });
  const ends = await runInstances({ projectRoot, k6, options, config, seed, instances, summaryPath }, io);
  const exits = ends.map((e) => e.exit);
  const written = ends.filter((e) => e.summaryPath !== undefined).map((e) => e.summaryPath as string);
  for (const e of ends) say(`instance ${e.segment}: ${e.summaryPath ?? 'no summary (setup() did not finish)'}, exit ${e.exit}`);
  if (written.length < ends.length) {
    say(
      `${ends.length - written.length} instance(s) wrote no summary: nothing merged (merge the others with moodle-load merge, which names the missing segment)`,
    );
    return exits.find((e) => e !== EXIT.ok) ?? EXIT.k6Failed;
  }
  const merged = mergeFiles(written);
  const json = JSON.stringify(merged, null, 2) + '\n';
  writeFileSync(summaryPath, json);
  say(`merged summary saved to ${summaryPath}`);
  io.stdout(json);
  return exits.find((e) => e !== EXIT.ok) ?? EXIT.ok;
}
