// moodle-load bisect-check: the run flags plus its own, checked into one mode: side by side with the
// good revision (cli/ab/paired-check.ts) or against a saved baseline (cli/bisect-check.ts). Bad input
// exits 128 (BISECT_EXIT.abort), which stops `git bisect run`.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { Baseline, Limits } from '../../analysis/bisect-verdict';
import { SettingsError } from '../../lib/run-settings';
import { templateProblem } from '../ab/deploy';
import { runPairedCheck, type PairedOptions } from '../ab/paired-check';
import { BisectOptions, runBisectCheck } from '../bisect-check';
import { addRunFlags, readRunFlags, type CliOptions } from '../cli-options';
import { BISECT_EXIT } from '../exit-codes';
import { addFlags, CliContext, configureCommand, FlagValues, numberAtLeast, readFlags, setAction, valueFlag } from '../flags';
import {
  checkedOutCommit,
  commitOf,
  DEFAULT_SEED,
  LIMIT_FLAGS,
  limitsFrom,
  PAIR_FLAGS,
  pairedLimitsFrom,
  refuseOwnOutputs,
} from './judge-flags';

/** Runs a baseline needs: its between-run spread is the floor every judgement uses. */
const MIN_BASELINE_RUNS = 2;
const DEFAULTS = { baselineRuns: 3, judgeRuns: 1, maxRepeats: 5, timeLimitSec: 900 } as const;

const wholeNumber = numberAtLeast(1, true);

const FLAGS = {
  good: valueFlag('--good', {
    placeholder: 'REV',
    help: 'side by side: the known-good revision, measured in pairs with the checked-out candidate (needs --deploy)',
  }),
  deploy: valueFlag('--deploy', {
    placeholder: 'CMD',
    help: 'side by side: the shell command that deploys {rev} in this checkout (e.g. checkout, upgrade, purge)',
  }),
  baseline: valueFlag('--baseline', {
    placeholder: 'FILE',
    help: 'judge against this baseline file (made with --save-baseline on a good commit)',
  }),
  saveBaseline: valueFlag('--save-baseline', { placeholder: 'FILE', help: 'run on a good commit and save the baseline to this file' }),
  repeat: valueFlag('--repeat', {
    placeholder: 'N',
    help: `runs before the first judgement (default ${DEFAULTS.judgeRuns}; ${DEFAULTS.baselineRuns} with --save-baseline, at least ${MIN_BASELINE_RUNS})`,
    parse: wholeNumber,
  }),
  maxRepeats: valueFlag('--max-repeats', {
    placeholder: 'N',
    help: `while inconclusive, run again up to this many runs in all (default ${DEFAULTS.maxRepeats}), then skip`,
    parse: wholeNumber,
  }),
  timeLimit: valueFlag('--time-limit', {
    placeholder: 'SECONDS',
    help: '...and stop repeating when another run would end after this many seconds',
    parse: numberAtLeast(1),
    defaultValue: DEFAULTS.timeLimitSec,
  }),
  restore: valueFlag('--restore', { placeholder: 'FILE', help: 'restore this site snapshot (moodle-load site snapshot) before each run' }),
};

function readBaseline(path: string): Baseline {
  let b: Baseline;
  try {
    b = JSON.parse(readFileSync(path, 'utf8')) as Baseline;
  } catch (e) {
    throw new SettingsError(`--baseline ${path} cannot be read (${(e as Error).message.split('\n')[0]})`);
  }
  if (b.format !== 'moodle-load-baseline/2')
    throw new SettingsError(`--baseline ${path} is not a baseline made by this version's bisect-check --save-baseline`);
  return b;
}

/** A count of runs given or defaulted, at least `min`. */
function runCount(flag: string, given: number | undefined, fallback: number, min: number): number {
  const n = given ?? fallback;
  if (n < min) throw new SettingsError(`${flag} must be a number of at least ${min}, not ${JSON.stringify(String(given))}`);
  return n;
}

/** Side by side (--good and --deploy) or against a saved baseline, with its options checked. */
export type BisectMode =
  { readonly kind: 'paired'; readonly options: PairedOptions } | { readonly kind: 'baseline'; readonly options: BisectOptions };

/** The flags checked, together: which mode, how many runs, the limits of a judgement. */
export function bisectMode(cmd: Command, cwd: string): BisectMode {
  const run = readRunFlags(cmd);
  const f: FlagValues<typeof FLAGS> = readFlags(cmd, FLAGS);
  refuseOwnOutputs(run, 'bisect-check');
  const limits = limitsFrom(readFlags(cmd, LIMIT_FLAGS));
  if (f.good !== undefined || f.deploy !== undefined) return { kind: 'paired', options: pairedOptions(cmd, run, f, limits, cwd) };
  return { kind: 'baseline', options: baselineOptions(cmd, run, f, limits) };
}

/** The candidate is what is checked out here; the good build is --good, both deployed by --deploy. */
function pairedOptions(cmd: Command, run: CliOptions, f: FlagValues<typeof FLAGS>, limits: Limits, cwd: string): PairedOptions {
  if (f.good === undefined) throw new SettingsError('--deploy needs --good REV: the known-good revision to measure beside the candidate');
  if (f.deploy === undefined) throw new SettingsError('--good needs --deploy CMD: how to deploy a revision in this checkout');
  const mixed = [
    ['--baseline', f.baseline],
    ['--save-baseline', f.saveBaseline],
    ['--repeat', f.repeat],
    ['--max-repeats', f.maxRepeats],
    ['--restore', f.restore],
  ].find(([, v]) => v !== undefined);
  if (mixed) throw new SettingsError(`${mixed[0]} is for judging against a saved baseline, not side by side (--good, --deploy)`);
  const problem = templateProblem(f.deploy);
  if (problem !== null) throw new SettingsError(`--deploy: ${problem}`);
  const candidate = checkedOutCommit(cwd);
  const good = commitOf(f.good, '--good', cwd);
  return {
    command: 'bisect-check',
    run,
    seed: run.settings.seed ?? DEFAULT_SEED,
    deploy: { A: f.deploy, B: f.deploy },
    revs: { A: good, B: candidate },
    cwd,
    deployTimeoutSec: readFlags(cmd, PAIR_FLAGS).deployTimeout,
    limits: pairedLimitsFrom(limits, readFlags(cmd, PAIR_FLAGS)),
    timeLimitSec: f.timeLimit,
    keepRuns: readFlags(cmd, LIMIT_FLAGS).keepRuns,
  };
}

function baselineOptions(cmd: Command, run: CliOptions, f: FlagValues<typeof FLAGS>, limits: Limits): BisectOptions {
  if ((f.baseline === undefined) === (f.saveBaseline === undefined))
    throw new SettingsError('give either --baseline FILE (judge) or --save-baseline FILE (record on a good commit)');
  const saving = f.saveBaseline !== undefined;
  const firstRuns = runCount('--repeat', f.repeat, saving ? DEFAULTS.baselineRuns : DEFAULTS.judgeRuns, saving ? MIN_BASELINE_RUNS : 1);
  // A baseline is --repeat runs; a judgement repeats while inconclusive.
  const maxRuns = saving ? firstRuns : runCount('--max-repeats', f.maxRepeats, Math.max(DEFAULTS.maxRepeats, firstRuns), firstRuns);
  const baseline = f.baseline === undefined ? undefined : readBaseline(f.baseline);
  const given = run.settings.seed;
  if (baseline && given !== undefined && given !== baseline.seed)
    throw new SettingsError(`--seed ${given} differs from the baseline's seed ${baseline.seed}: the same URLs must be requested`);
  return {
    run,
    baseline,
    savePath: f.saveBaseline,
    firstRuns,
    maxRuns,
    timeLimitSec: f.timeLimit,
    limits,
    restore: f.restore,
    keepRuns: readFlags(cmd, LIMIT_FLAGS).keepRuns,
  };
}

export function bisectCheckCommand(ctx: CliContext): Command {
  const cmd = configureCommand(new Command('bisect-check'), { prefix: 'bisect-check', badInput: BISECT_EXIT.abort }, ctx)
    .usage('--good REV --deploy CMD | --baseline FILE | --save-baseline FILE [run options]')
    .description(
      'Made for `git bisect run`: judges the checked-out candidate, figure by figure and endpoint by endpoint, side by side with the good revision (--good, --deploy: pairs of runs, each after its own deploy) or against a saved baseline.',
    )
    .addHelpText(
      'after',
      `\nPrints the runs' progress and its reasons on stderr, the verdict JSON on stdout.\nExit: ${BISECT_EXIT.good} good, ${BISECT_EXIT.bad} bad, ${BISECT_EXIT.skip} skip, ${BISECT_EXIT.abort} cannot judge (stops git bisect run).`,
    );
  addFlags(addFlags(addFlags(addRunFlags(cmd), FLAGS), LIMIT_FLAGS), PAIR_FLAGS);
  return setAction(cmd, ctx, () => {
    const mode = bisectMode(cmd, process.cwd());
    if (mode.kind === 'paired') return runPairedCheck(ctx.projectRoot, mode.options, ctx.io);
    return runBisectCheck(ctx.projectRoot, mode.options, ctx.io);
  });
}
