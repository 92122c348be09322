// moodle-load bisect-check: made for `git bisect run`. Runs the load --repeat times with a
// fixed seed and judges it against a baseline: exit 0 good, 1 bad, 125 skip (not the code
// under test: site down, no session, too many failures or dropped iterations), 128 when it
// cannot judge at all (bad flags, no k6, Ctrl-C), which stops `git bisect run`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baseline, DEFAULT_LIMITS, evidenceFromLog, judge, Limits, mergeEvidence, RunEvidence, skipReason, VERDICT_EXIT } from '../analysis/bisect-verdict';
import { incomparable } from '../analysis/compare';
import { EXIT } from './exit-codes';
import type { RequestLogRecord } from '../lib/request-log';
import { SettingsError } from '../lib/run-settings';
import type { Summary } from '../lib/summary';
import { CliOptions, ExtraFlags, numberFlag, parseCliArgs, usage } from './args';
import { runLoad, RunIo } from './run';

const FLAGS: ExtraFlags = {
  baseline: { help: 'judge against this baseline file (made with --save-baseline on a good commit)' },
  'save-baseline': { help: 'run on a good commit and save the baseline to this file' },
  repeat: { help: 'runs of the load (default 3)' },
  'max-failure-pct': { help: `skip (125) when a run has more failures than this % (default ${DEFAULT_LIMITS.maxFailurePct})` },
  'max-dropped-pct': { help: `skip (125) when k6 dropped more iterations than this % (default ${DEFAULT_LIMITS.maxDroppedPct})` },
  alpha: { help: `significance of the timing test, shared by the endpoints (default ${DEFAULT_LIMITS.alpha})` },
  'min-effect-pct': { help: `a slowdown counts from this % of the median (default ${DEFAULT_LIMITS.minEffectPct})` },
  'min-effect-ms': { help: `...and from this many ms (default ${DEFAULT_LIMITS.minEffectMs})` },
  'db-increase': { help: `DB reads or writes of a request may grow by this much (default ${DEFAULT_LIMITS.dbIncrease})` },
  'keep-runs': { help: "keep each run's summary and request log in the temporary folder (printed); by default it is removed", boolean: true },
};

/** Seed of a baseline recorded without --seed: any fixed number will do, this one is documented. */
const DEFAULT_SEED = 1;

function readBaseline(path: string): Baseline {
  let b: Baseline;
  try {
    b = JSON.parse(readFileSync(path, 'utf8')) as Baseline;
  } catch (e) {
    throw new SettingsError(`--baseline ${path} cannot be read (${(e as Error).message.split('\n')[0]})`);
  }
  if (b.format !== 'moodle-load-baseline/1') throw new SettingsError(`--baseline ${path} is not a baseline made by bisect-check --save-baseline`);
  return b;
}

function readEvidence(logPath: string): RunEvidence {
  let text = '';
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return { latencies: {}, db: {} };
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

export async function bisectCheckCommand(projectRoot: string, argv: readonly string[], io: RunIo): Promise<number> {
  const say = (line: string) => io.stderr(`bisect-check: ${line}`);
  let parsed;
  let limits: Limits;
  let repeat: number;
  let baseline: Baseline | undefined;
  let savePath: string | undefined;
  try {
    parsed = parseCliArgs(argv, FLAGS);
    if (parsed.kind === 'help' || parsed.kind === 'version') {
      io.stdout(usage(FLAGS, 'moodle-load bisect-check', 'Prints the runs\' progress and its reasons on stderr, the verdict JSON on stdout.\nExit: 0 good, 1 bad, 125 skip, 128 cannot judge (stops git bisect run).') + '\n');
      return EXIT.ok;
    }
    const x = parsed.extra;
    const own = parsed.options.logPath !== undefined ? '--log' : parsed.options.settings.summaryPath !== undefined ? '--summary' : undefined;
    if (own) throw new SettingsError(`${own} is not for bisect-check: it writes each run's summary and request log itself, in a temporary folder (--keep-runs keeps it)`);
    if ((x.baseline === undefined) === (x['save-baseline'] === undefined)) throw new SettingsError('give either --baseline FILE (judge) or --save-baseline FILE (record on a good commit)');
    repeat = numberFlag('--repeat', x.repeat, 3, 1);
    if (!Number.isInteger(repeat)) throw new SettingsError(`--repeat must be a whole number, not ${JSON.stringify(x.repeat)}`);
    limits = {
      maxFailurePct: numberFlag('--max-failure-pct', x['max-failure-pct'], DEFAULT_LIMITS.maxFailurePct),
      maxDroppedPct: numberFlag('--max-dropped-pct', x['max-dropped-pct'], DEFAULT_LIMITS.maxDroppedPct),
      alpha: numberFlag('--alpha', x.alpha, DEFAULT_LIMITS.alpha),
      minEffectPct: numberFlag('--min-effect-pct', x['min-effect-pct'], DEFAULT_LIMITS.minEffectPct),
      minEffectMs: numberFlag('--min-effect-ms', x['min-effect-ms'], DEFAULT_LIMITS.minEffectMs),
      dbIncrease: numberFlag('--db-increase', x['db-increase'], DEFAULT_LIMITS.dbIncrease),
    };
    savePath = x['save-baseline'] as string | undefined;
    if (typeof x.baseline === 'string') baseline = readBaseline(x.baseline);
    const given = parsed.options.settings.seed;
    if (baseline && given !== undefined && given !== baseline.seed) throw new SettingsError(`--seed ${given} differs from the baseline's seed ${baseline.seed}: the same URLs must be requested`);
  } catch (e) {
    if (e instanceof SettingsError) {
      say(e.message);
      return VERDICT_EXIT.abort;
    }
    throw e;
  }

  const seed = parsed.options.settings.seed ?? baseline?.seed ?? DEFAULT_SEED;
  const dir = mkdtempSync(join(tmpdir(), 'moodle-load-bisect-'));
  // Request logs grow by a line per request: a bisect of many steps must not fill the disk.
  try {
    return await judgeRuns(projectRoot, parsed.options, { seed, repeat, limits, baseline, savePath, dir }, io);
  } finally {
    if (parsed.extra['keep-runs'] === true) say(`runs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

interface Plan {
  readonly seed: number;
  readonly repeat: number;
  readonly limits: Limits;
  readonly baseline: Baseline | undefined;
  readonly savePath: string | undefined;
  /** Temporary folder for the runs' summaries and request logs. */
  readonly dir: string;
}

async function judgeRuns(projectRoot: string, options: CliOptions, plan: Plan, io: RunIo): Promise<number> {
  const say = (line: string) => io.stderr(`bisect-check: ${line}`);
  const { seed, repeat, limits, baseline, savePath, dir } = plan;
  const runs: { exitCode: number; summary: Summary | undefined; evidence: RunEvidence }[] = [];
  for (let i = 1; i <= repeat; i++) {
    say(`run ${i} of ${repeat} (seed ${seed})`);
    const logPath = join(dir, `run-${i}.jsonl`);
    const summaryPath = join(dir, `run-${i}.json`);
    const settings = { ...options.settings, seed, summaryPath, requestLog: true };
    const exitCode = await runLoad(projectRoot, { ...options, settings, logPath }, { stdout: () => undefined, stderr: io.stderr });
    if (exitCode === EXIT.badInput || exitCode === EXIT.k6Missing || exitCode === EXIT.interrupted) {
      say(`cannot judge: the run ended with exit ${exitCode} (see above)`);
      return VERDICT_EXIT.abort;
    }
    const summary = readSummaryFile(summaryPath);
    runs.push({ exitCode, summary, evidence: readEvidence(logPath) });
    if (skipReason(exitCode, summary, limits) !== null) break;
    if (baseline && summary) {
      const why = incomparable(baseline.summaries[0] as Summary, summary);
      if (why) {
        say(`cannot judge against this baseline: ${why}`);
        return VERDICT_EXIT.abort;
      }
    }
  }

  if (savePath !== undefined) {
    const skipped = runs.map((r) => skipReason(r.exitCode, r.summary, limits)).find((w) => w !== null);
    if (skipped) {
      say(`no baseline saved: ${skipped}`);
      return VERDICT_EXIT.abort;
    }
    const saved: Baseline = { format: 'moodle-load-baseline/1', seed, summaries: runs.map((r) => r.summary as Summary), ...mergeEvidence(runs.map((r) => r.evidence)) };
    writeFileSync(savePath, JSON.stringify(saved));
    say(`baseline of ${runs.length} run(s) saved to ${savePath} (seed ${seed})`);
    return EXIT.ok;
  }

  const verdict = judge(baseline as Baseline, runs, limits);
  for (const reason of verdict.reasons) say(`${verdict.kind}: ${reason}`);
  io.stdout(JSON.stringify({ verdict: verdict.kind, exit: VERDICT_EXIT[verdict.kind], reasons: verdict.reasons }) + '\n');
  return VERDICT_EXIT[verdict.kind];
}
