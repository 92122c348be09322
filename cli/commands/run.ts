// `moodle-load --config FILE --rpm N --duration SECONDS [options]`: the default command, a load
// run. It is the program itself, so it needs no name; the other commands are added to it.
import { Command } from 'commander';
import { EXIT } from '../exit-codes';
import { addRunFlags, CliOptions, readRunFlags } from '../cli-options';
import { CliContext, CommandExit, CommandStyle, configureCommand, setAction, suggestFlag as nearestFlag } from '../flags';
import { runLoad } from '../run';
import { SettingsError } from '../../lib/run-settings';

const STYLE: CommandStyle = { prefix: 'moodle-load', badInput: EXIT.badInput };

/** The run command; `run` does the run (runLoad), or only takes the options (parseCliArgs). */
export function runCommand(
  ctx: CliContext,
  run: (options: CliOptions) => number | Promise<number> = (options) => runLoad(ctx.projectRoot, options, ctx.io),
): Command {
  const cmd = configureCommand(new Command('moodle-load'), STYLE, ctx)
    .usage('--config FILE --rpm N --duration SECONDS [options]\n       moodle-load <command> [options] (see moodle-load <command> --help)')
    .description('Runs a Moodle load with k6.')
    .addHelpText('after', '\nPrints progress on stderr and the summary JSON on stdout.');
  addRunFlags(cmd);
  return setAction(cmd, ctx, () => run(readRunFlags(cmd)));
}

const QUIET: CliContext['io'] = { stdout: () => undefined, stderr: () => undefined };

/** The run flag nearest to a mistyped one, if it is within a typo. */
export function suggestFlag(unknown: string): string | undefined {
  return nearestFlag(runCommand({ projectRoot: '', io: QUIET, argv: [], exitCode: EXIT.ok }), unknown);
}

export type ParsedArgs = { readonly kind: 'run'; readonly options: CliOptions } | { readonly kind: 'help' };

/** The run flags of `argv`, checked, without running (the demo, tests); throws SettingsError. */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let options: CliOptions | undefined;
  const ctx: CliContext = { projectRoot: '', io: QUIET, argv, exitCode: EXIT.ok };
  const cmd = runCommand(ctx, (o) => {
    options = o;
    return EXIT.ok;
  });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommandExit)) throw e;
    if (e.reason === undefined) return { kind: 'help' };
    throw new SettingsError(e.reason);
  }
  return { kind: 'run', options: options as CliOptions };
}
