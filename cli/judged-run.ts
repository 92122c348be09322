// One run made to be judged (bisect-check, ab): fresh users, a fixed seed and VUs, the request log and
// summary written to a work folder, and read back as the evidence the verdicts compare.
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { evidenceFromLog, type RunEvidence } from '../analysis/bisect-verdict';
import type { RequestLogRecord } from '../lib/request-log';
import type { Summary } from '../lib/summary';
import type { CliOptions } from './cli-options';
import { EXIT } from './exit-codes';
import { runLoad, type RunIo } from './run';
import { rotateUsers, type Rotation } from './user-rotation';

export interface JudgedRun {
  readonly exitCode: number;
  readonly summary: Summary | undefined;
  readonly evidence: RunEvidence;
  readonly vus: number;
  readonly seconds: number;
  /** Which block of users it logged in as. */
  readonly users: string;
}

export interface JudgedRunSpec {
  /** The run flags as given; config, seed, VUs, summary and log are set here. */
  readonly run: CliOptions;
  /** Where the run's request log and summary go, as `<name>.jsonl` and `<name>.json`. */
  readonly dir: string;
  readonly name: string;
  readonly seed: number;
  readonly vus: number;
  /** Said before the run starts: which run this is. */
  readonly label: string;
  readonly say: (line: string) => void;
  /** Whether a warning that runs share users is said (once per session is enough). */
  readonly warnUsers: boolean;
}

/** Exits after which nothing can be judged: the flags, k6 or the user stopped it. */
const FATAL_EXITS: readonly number[] = [EXIT.badInput, EXIT.k6Missing, EXIT.interrupted];

/** Runs the load once; null when the run ended in a way that stops the judgement (said on stderr by the run). */
export async function judgedRun(projectRoot: string, spec: JudgedRunSpec, io: RunIo): Promise<JudgedRun | null> {
  const logPath = join(spec.dir, `${spec.name}.jsonl`);
  const summaryPath = join(spec.dir, `${spec.name}.json`);
  const given = spec.run.settings;
  let rotation: Rotation = { configPath: given.configPath, block: 0, blocks: 1 };
  try {
    // Moodle re-reads a user's course access for a minute after it: each run logs in as users idle for longer.
    rotation = rotateUsers(resolve(given.configPath), spec.vus, given.durationSec + given.warmupSec, Date.now() / 1000, spec.dir);
  } catch {
    // An unreadable or invalid config: the run below says what is wrong with it.
  }
  if (rotation.warning && spec.warnUsers) spec.say(`warning: ${rotation.warning}`);
  spec.say(`${spec.label} (seed ${spec.seed}, ${spec.vus} VUs, users block ${rotation.block} of ${rotation.blocks})`);
  const settings = { ...given, configPath: rotation.configPath, seed: spec.seed, summaryPath, concurrency: spec.vus, requestLog: true };
  const t0 = Date.now();
  const exitCode = await runLoad(projectRoot, { ...spec.run, settings, logPath }, { stdout: () => undefined, stderr: judgedRunLines(io) });
  if (rotation.configPath !== given.configPath) rmSync(rotation.configPath, { force: true });
  if (FATAL_EXITS.includes(exitCode)) {
    spec.say(`cannot judge: the run ended with exit ${exitCode} (see above)`);
    return null;
  }
  return {
    exitCode,
    summary: readSummaryFile(summaryPath),
    evidence: readEvidence(logPath),
    vus: spec.vus,
    seconds: (Date.now() - t0) / 1000,
    users: `block ${rotation.block} of ${rotation.blocks}`,
  };
}

/** What a judged run prints of a plain run's end: not its table and files (the verdict reports them), the rest as is. */
const LEFT_OUT = [/^endpoint\s+total\s/, /^moodle-load: (request log|summary) saved to /];

function judgedRunLines(io: RunIo): (line: string) => void {
  return (line) => {
    if (!LEFT_OUT.some((re) => re.test(line))) io.stderr(line);
  };
}

/** What a run report shows of a judged run. */
export function runReport(r: JudgedRun) {
  const s = r.summary;
  return {
    vus: r.vus,
    users: r.users,
    seconds: Math.round(r.seconds),
    requests: s?.total ?? 0,
    failures: s?.failures ?? 0,
    dropped_iterations: s?.dropped_iterations ?? 0,
    latency_ms_p95: s?.latency_ms_p95 ?? null,
  };
}

function readEvidence(logPath: string): RunEvidence {
  let text: string;
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return { endpoints: {} };
  }
  const records = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RequestLogRecord);
  return evidenceFromLog(records);
}

function readSummaryFile(path: string): Summary | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}
