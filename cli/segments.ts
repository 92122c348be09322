// `moodle-load segments` (make segments): one test split across N local k6 instances with
// execution segments (as the k6-operator splits it across pods). Each instance runs its share
// of the rate and of the VUs, with its own sessions; all use one seed, so together they request
// what a single instance would. k6 instances do not merge results: this adds their counts up and
// lists each instance's percentiles, which cannot be merged exactly from summaries (use
// Prometheus, or the request logs, for combined percentiles).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freshSeed } from '../lib/random';
import { evenSegments } from '../lib/segments';
import type { Summary } from '../lib/summary';
import type { CliOptions } from './cli-options';
import { EXIT, exitCodeForRun } from './exit-codes';
import { K6Run, K6RunResult } from './k6/k6-run';
import { findK6, K6MissingError, PINNED_K6_VERSION } from './k6/binary';
import { k6Invocation } from './k6/invocation';
import type { RunIo } from './run';

/** One instance's end: its segment, where it wrote its summary, and what K6Run saw. */
export interface InstanceEnd {
  readonly segment: string;
  readonly summaryPath: string;
  readonly result: K6RunResult;
}

/** What the instances share: the run, its seed, and a folder for their files. */
export interface InstancesPlan {
  readonly projectRoot: string;
  readonly k6: string;
  readonly options: CliOptions;
  readonly seed: number;
  readonly instances: number;
  readonly dir: string;
}

/** Starts one k6 per execution segment, their log lines on stderr by instance; resolves when all have ended. */
export function runInstances(plan: InstancesPlan, io: RunIo): Promise<InstanceEnd[]> {
  const { segments, sequence } = evenSegments(plan.instances);
  const given = plan.options.settings;
  return Promise.all(
    segments.map(async (segment, i) => {
      const summaryPath = join(plan.dir, `instance-${i + 1}.json`);
      const settings = {
        ...given,
        configPath: resolve(given.configPath),
        seed: plan.seed,
        summaryPath,
        channel: true,
        summaryToStdout: false,
        k6Version: PINNED_K6_VERSION,
      };
      const invocation = k6Invocation({
        projectRoot: plan.projectRoot,
        settings,
        outputs: plan.options.outputs,
        segment: { segment, sequence },
        baseEnv: process.env,
      });
      const run = new K6Run({ k6: plan.k6, invocation, onText: (line) => io.stderr(`instance ${i + 1}: ${line}`) });
      return { segment, summaryPath, result: await run.done };
    }),
  );
}

/** The run split across `instances` k6 processes; prints the combined counts as JSON on stdout. */
export async function runSegments(projectRoot: string, options: CliOptions, instances: number, io: RunIo): Promise<number> {
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
  const dir = mkdtempSync(join(tmpdir(), 'moodle-load-segments-'));
  const ends = await runInstances({ projectRoot, k6, options, seed, instances, dir }, io);
  const exits = ends.map((r) => exitCodeForRun(r.result.exitCode, r.result.interrupted, r.result.end));
  const summaries = ends.map((r) => r.result.end?.summary);
  io.stdout(JSON.stringify(combined(options, seed, ends, exits, summaries), null, 2) + '\n');
  const missing = summaries.filter((s) => s === undefined).length;
  if (missing > 0) say(`${missing} instance(s) wrote no summary: the counts cover the others only`);
  return exits.find((e) => e !== EXIT.ok) ?? EXIT.ok;
}

/** Counts and rates added up over the instances; each instance's own figures beside them. */
function combined(
  options: CliOptions,
  seed: number,
  ends: readonly InstanceEnd[],
  exits: readonly number[],
  summaries: readonly (Summary | undefined)[],
) {
  const present = summaries.filter((s): s is Summary => s !== undefined);
  const sum = (pick: (s: Summary) => number) => present.reduce((total, s) => total + pick(s), 0);
  const total = sum((s) => s.total);
  const elapsed = Math.max(0, ...present.map((s) => s.elapsed_sec));
  return {
    instances: ends.length,
    seed,
    target_rpm: options.settings.rpm,
    total,
    success: sum((s) => s.success),
    failures: sum((s) => s.failures),
    dropped_iterations: sum((s) => s.dropped_iterations),
    req_per_min_observed: elapsed > 0 ? Math.round((total / elapsed) * 600) / 10 : 0,
    elapsed_sec: elapsed,
    per_instance: ends.map((r, i) => ({
      execution_segment: r.segment,
      exit: exits[i],
      summary_file: summaries[i] ? r.summaryPath : null,
      total: summaries[i]?.total,
      req_per_min_observed: summaries[i]?.req_per_min_observed,
      instance_target_rpm: summaries[i]?.instance_target_rpm,
      latency_ms_p95: summaries[i]?.latency_ms_p95,
    })),
    note: 'counts and rates are sums over the instances (exact); percentiles are per instance and cannot be merged from summaries: combine in Prometheus or from request logs',
  };
}
