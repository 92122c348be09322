// moodle-load ab: the side-by-side design for any two builds or settings. Each side has its own
// deploy command (two branches, a cache store on and off, a config setting, a PHP version); the load
// runs in pairs A B, B A, ... each run after its side's deploy, and the pairs are judged as
// bisect-check --good does. Exit 0 when B is shown no slower than A, 1 when it is slower, 125 when the
// pairs leave it open (or a run of B says nothing), 128 when it cannot judge; B is deployed at the end.
import { Command } from 'commander';
import { SettingsError } from '../../lib/run-settings';
import { runPairedCheck } from '../ab/paired-check';
import { addRunFlags, readRunFlags } from '../cli-options';
import { BISECT_EXIT } from '../exit-codes';
import { addFlags, CliContext, configureCommand, numberAtLeast, readFlags, setAction, valueFlag } from '../flags';
import { DEFAULT_SEED, LIMIT_FLAGS, limitsFrom, PAIR_FLAGS, pairedLimitsFrom, refuseOwnOutputs } from './judge-flags';

const DEFAULT_TIME_LIMIT_SEC = 1800;

const FLAGS = {
  a: valueFlag('--a', { placeholder: 'CMD', help: 'the shell command that deploys A, the reference (run before each run of A)' }),
  b: valueFlag('--b', { placeholder: 'CMD', help: 'the shell command that deploys B, the build or setting judged (before each run of B)' }),
  timeLimit: valueFlag('--time-limit', {
    placeholder: 'SECONDS',
    help: `no pair is started that would end after this many seconds (default ${DEFAULT_TIME_LIMIT_SEC})`,
    parse: numberAtLeast(1),
    defaultValue: DEFAULT_TIME_LIMIT_SEC,
  }),
};

export function abCommand(ctx: CliContext): Command {
  const cmd = configureCommand(new Command('ab'), { prefix: 'ab', badInput: BISECT_EXIT.abort }, ctx)
    .usage('--a CMD --b CMD [run options]')
    .description(
      'Judges two builds or settings side by side: runs the load in pairs (A B, B A, ...), each run after its own deploy, and judges the differences within pairs, per endpoint and for every endpoint together.',
    )
    .addHelpText(
      'after',
      `\nEach command runs with bash in the current folder; {side} in it is A or B. B is deployed again at the end.\nPrints progress and reasons on stderr, the verdict JSON on stdout.\nExit: ${BISECT_EXIT.good} B no slower, ${BISECT_EXIT.bad} B slower, ${BISECT_EXIT.skip} no clear answer (or a run of B failed), ${BISECT_EXIT.abort} cannot judge.`,
    );
  addFlags(addFlags(addFlags(addRunFlags(cmd), FLAGS), LIMIT_FLAGS), PAIR_FLAGS);
  return setAction(cmd, ctx, () => {
    const run = readRunFlags(cmd);
    refuseOwnOutputs(run, 'ab');
    const f = readFlags(cmd, FLAGS);
    const given = readFlags(cmd, LIMIT_FLAGS);
    const pairs = readFlags(cmd, PAIR_FLAGS);
    for (const [flag, value] of [
      ['--a', f.a],
      ['--b', f.b],
    ] as const)
      if (value === undefined || value.trim() === '')
        throw new SettingsError(`${flag} CMD is needed: the shell command that deploys that side`);
    return runPairedCheck(
      ctx.projectRoot,
      {
        command: 'ab',
        run,
        seed: run.settings.seed ?? DEFAULT_SEED,
        deploy: { A: f.a as string, B: f.b as string },
        revs: { A: 'A', B: 'B' },
        cwd: process.cwd(),
        deployTimeoutSec: pairs.deployTimeout,
        limits: pairedLimitsFrom(limitsFrom(given), pairs),
        timeLimitSec: f.timeLimit,
        keepRuns: given.keepRuns,
      },
      ctx.io,
    );
  });
}
