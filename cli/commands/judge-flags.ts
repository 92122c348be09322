// The flags of a judgement, shared by bisect-check and ab: the limits every figure is held to, and
// for the side-by-side design the pairs, the deploy timeout and the time limit.
import { execFileSync } from 'node:child_process';
import { DEFAULT_LIMITS, type Limits } from '../../analysis/bisect-verdict';
import { DEFAULT_PAIRED_LIMITS, type PairedLimits } from '../../analysis/paired-verdict';
import { SettingsError } from '../../lib/run-settings';
import type { CliOptions } from '../cli-options';
import { FlagValues, numberAtLeast, oneOf, switchFlag, valueFlag } from '../flags';

const limit = (flag: string, key: Exclude<keyof Limits, 'timeSource'>, help: string) =>
  valueFlag(flag, { placeholder: 'N', help, parse: numberAtLeast(0), defaultValue: DEFAULT_LIMITS[key] });
const wholeNumber = numberAtLeast(1, true);

/** Seconds a deploy may take (checkout, upgrade, purge) before it is killed and counted as failed. */
export const DEFAULT_DEPLOY_TIMEOUT_SEC = 600;
export { DEFAULT_SEED } from '../bisect-check';

export const LIMIT_FLAGS = {
  maxFailurePct: limit('--max-failure-pct', 'maxFailurePct', 'skip when a run has more failures than this %'),
  alpha: limit('--alpha', 'alpha', 'false-alarm rate of a judgement, shared by its figures (and looks)'),
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
};

export const PAIR_FLAGS = {
  minPairs: valueFlag('--min-pairs', {
    placeholder: 'N',
    help: 'side by side: judge from this many pairs on',
    parse: wholeNumber,
    defaultValue: DEFAULT_PAIRED_LIMITS.minPairs,
  }),
  maxPairs: valueFlag('--max-pairs', {
    placeholder: 'N',
    help: 'side by side: while inconclusive, add pairs up to this many, then answer 125',
    parse: wholeNumber,
    defaultValue: DEFAULT_PAIRED_LIMITS.maxPairs,
  }),
  deployTimeout: valueFlag('--deploy-timeout', {
    placeholder: 'SECONDS',
    help: 'side by side: seconds a deploy may take before it is killed and failed',
    parse: numberAtLeast(1),
    defaultValue: DEFAULT_DEPLOY_TIMEOUT_SEC,
  }),
};

export function limitsFrom(f: FlagValues<typeof LIMIT_FLAGS>): Limits {
  if (f.alpha <= 0 || f.alpha >= 1) throw new SettingsError(`--alpha must be between 0 and 1, not ${f.alpha}`);
  return {
    maxFailurePct: f.maxFailurePct,
    alpha: f.alpha,
    minEffectPct: f.minEffectPct,
    minEffectMs: f.minEffectMs,
    minDbEffect: f.minDbEffect,
    timeSource: f.time,
  };
}

export function pairedLimitsFrom(limits: Limits, f: FlagValues<typeof PAIR_FLAGS>): PairedLimits {
  if (f.minPairs < 2)
    throw new SettingsError(`--min-pairs must be at least 2 (one pair shows no noise to weigh the effect against), not ${f.minPairs}`);
  if (f.maxPairs < f.minPairs) throw new SettingsError(`--max-pairs ${f.maxPairs} is below --min-pairs ${f.minPairs}`);
  return { ...limits, minPairs: f.minPairs, maxPairs: f.maxPairs, beta: DEFAULT_PAIRED_LIMITS.beta };
}

/** A judgement writes each run's summary and request log itself: --log and --summary would be overwritten. */
export function refuseOwnOutputs(run: CliOptions, command: string): void {
  const own = run.logPath !== undefined ? '--log' : run.settings.summaryPath !== undefined ? '--summary' : undefined;
  if (own)
    throw new SettingsError(
      `${own} is not for ${command}: it writes each run's summary and request log itself, in a temporary folder (--keep-runs keeps it)`,
    );
}

/** The commit checked out in `cwd`: the candidate `git bisect run` asks about. */
export function checkedOutCommit(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    throw new SettingsError(
      `--deploy: ${cwd} is not a git checkout (git rev-parse HEAD failed): run bisect-check in the checkout git bisect moves`,
    );
  }
}

/** A revision git knows in `cwd`, as a full commit id. */
export function commitOf(rev: string, flag: string, cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    throw new SettingsError(`${flag} ${rev} is not a commit of the checkout in ${cwd}`);
  }
}
