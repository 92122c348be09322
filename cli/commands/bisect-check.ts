// moodle-load bisect-check: the run flags plus its own, checked into one BisectOptions; the runs
// and the verdict are cli/bisect-check.ts. Bad input exits 128 (BISECT_EXIT.abort), which stops
// `git bisect run`.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Baseline, DEFAULT_LIMITS, Limits } from '../../analysis/bisect-verdict';
import { SettingsError } from '../../lib/run-settings';
import { BisectOptions, runBisectCheck } from '../bisect-check';
import { addRunFlags, readRunFlags } from '../cli-options';
import { BISECT_EXIT } from '../exit-codes';
import {
  addFlags,
  CliContext,
  configureCommand,
  FlagValues,
  numberAtLeast,
  oneOf,
  readFlags,
  setAction,
  switchFlag,
  valueFlag,
} from '../flags';

/** Runs a baseline needs: its between-run spread is the floor every judgement uses. */
const MIN_BASELINE_RUNS = 2;
const DEFAULTS = { baselineRuns: 3, judgeRuns: 1, maxRepeats: 5, timeLimitSec: 900 } as const;

const wholeNumber = numberAtLeast(1, true);
const limit = (flag: string, key: Exclude<keyof Limits, 'timeSource'>, help: string) =>
  valueFlag(flag, { placeholder: 'N', help, parse: numberAtLeast(0), defaultValue: DEFAULT_LIMITS[key] });

const FLAGS = {
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
  maxFailurePct: limit('--max-failure-pct', 'maxFailurePct', 'skip when a run has more failures than this %'),
  alpha: limit('--alpha', 'alpha', 'significance of the DB rank test, shared by the figures'),
  minEffectPct: limit('--min-effect-pct', 'minEffectPct', 'a slowdown counts from this % of the median'),
  minEffectMs: limit('--min-effect-ms', 'minEffectMs', '...and from this many ms'),
  minDbEffect: limit('--min-db-effect', 'minDbEffect', 'DB reads or writes per request count from this shift'),
  time: valueFlag('--time', {
    placeholder: 'server|client',
    help: "judge time on the footer's 'server' time (when present) or the 'client' latency",
    parse: oneOf('server', 'client'),
    defaultValue: DEFAULT_LIMITS.timeSource,
  }),
  keepRuns: switchFlag(
    '--keep-runs',
    "keep each run's summary and request log in the temporary folder (printed); by default it is removed",
  ),
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

/** The flags checked, together: which mode, how many runs, the limits of a judgement. */
export function bisectOptions(cmd: Command): BisectOptions {
  const run = readRunFlags(cmd);
  const f: FlagValues<typeof FLAGS> = readFlags(cmd, FLAGS);
  const own = run.logPath !== undefined ? '--log' : run.settings.summaryPath !== undefined ? '--summary' : undefined;
  if (own)
    throw new SettingsError(
      `${own} is not for bisect-check: it writes each run's summary and request log itself, in a temporary folder (--keep-runs keeps it)`,
    );
  if ((f.baseline === undefined) === (f.saveBaseline === undefined))
    throw new SettingsError('give either --baseline FILE (judge) or --save-baseline FILE (record on a good commit)');
  const saving = f.saveBaseline !== undefined;
  const firstRuns = runCount('--repeat', f.repeat, saving ? DEFAULTS.baselineRuns : DEFAULTS.judgeRuns, saving ? MIN_BASELINE_RUNS : 1);
  // A baseline is --repeat runs; a judgement repeats while inconclusive.
  const maxRuns = saving ? firstRuns : runCount('--max-repeats', f.maxRepeats, Math.max(DEFAULTS.maxRepeats, firstRuns), firstRuns);
  if (f.alpha <= 0 || f.alpha >= 1) throw new SettingsError(`--alpha must be between 0 and 1, not ${f.alpha}`);
  const limits: Limits = {
    maxFailurePct: f.maxFailurePct,
    alpha: f.alpha,
    minEffectPct: f.minEffectPct,
    minEffectMs: f.minEffectMs,
    minDbEffect: f.minDbEffect,
    timeSource: f.time,
  };
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
    keepRuns: f.keepRuns,
  };
}

export function bisectCheckCommand(ctx: CliContext): Command {
  const cmd = configureCommand(new Command('bisect-check'), { prefix: 'bisect-check', badInput: BISECT_EXIT.abort }, ctx)
    .usage('--baseline FILE | --save-baseline FILE [run options]')
    .description(
      'Made for `git bisect run`: runs the load with a fixed seed and judges it against a baseline, figure by figure and endpoint by endpoint.',
    )
    .addHelpText(
      'after',
      `\nPrints the runs' progress and its reasons on stderr, the verdict JSON on stdout.\nExit: ${BISECT_EXIT.good} good, ${BISECT_EXIT.bad} bad, ${BISECT_EXIT.skip} skip, ${BISECT_EXIT.abort} cannot judge (stops git bisect run).`,
    );
  addFlags(addRunFlags(cmd), FLAGS);
  return setAction(cmd, ctx, () => runBisectCheck(ctx.projectRoot, bisectOptions(cmd), ctx.io));
}
