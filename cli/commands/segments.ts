// moodle-load segments (make segments): the run flags plus --instances. --summary names the
// merged summary; the flags that make one file or one progress stream per k6 process are
// refused in one line.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError, MoodleConfig, parseConfigText } from '../../lib/config';
import { resolveBeside } from '../../lib/paths';
import { SettingsError } from '../../lib/run-settings';
import { addRunFlags, CliOptions, readRunFlags } from '../cli-options';
import { EXIT } from '../exit-codes';
import { addFlags, CliContext, configureCommand, givenFlag, numberAtLeast, readFlags, setAction, valueFlag } from '../flags';
import { runSegments } from '../segments';

const FLAGS = {
  instances: valueFlag('--instances', {
    placeholder: 'N',
    help: 'k6 instances, each one execution segment',
    parse: numberAtLeast(1, true),
    defaultValue: 2,
  }),
};

/** Run flags that mean one file or stream per run: each instance has its own, so they are refused. */
const PER_RUN_FLAGS = ['--log', '--report', '--progress'];

/** The run's options, its config and the instances, the config checked here (the instances would each fail on it). */
function segmentsOptions(cmd: Command): { options: CliOptions; config: MoodleConfig; instances: number } {
  const refused = givenFlag(cmd, PER_RUN_FLAGS);
  if (refused) throw new SettingsError(`${refused} is not for segments: each instance logs to stderr, and the summaries are merged`);
  const options = readRunFlags(cmd);
  if (!options.settings.streamStats)
    throw new SettingsError('--no-stream-stats cannot go with segments: the instances stream their figures, which is what merges');
  const { instances } = readFlags(cmd, FLAGS);
  const configPath = resolve(options.settings.configPath);
  let config: MoodleConfig;
  try {
    config = parseConfigText(readFileSync(configPath, 'utf8'), (f) => readFileSync(resolveBeside(configPath, f), 'utf8'));
  } catch (e) {
    if (e instanceof ConfigError) throw new SettingsError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new SettingsError(`config: file cannot be read (${code})`);
    throw e;
  }
  return { options, config, instances };
}

export function segmentsCommand(ctx: CliContext): Command {
  const cmd = configureCommand(new Command('segments'), { prefix: 'segments', badInput: EXIT.badInput }, ctx)
    .usage('--instances N --config FILE --rpm N --duration SECONDS [run options]')
    .description(
      'One test split across N local k6 instances with execution segments, one seed for all; prints their merged summary on stdout.',
    );
  addFlags(addRunFlags(cmd, [...PER_RUN_FLAGS, '--no-stream-stats']), FLAGS);
  return setAction(cmd, ctx, () => {
    const { options, config, instances } = segmentsOptions(cmd);
    return runSegments(ctx.projectRoot, options, config, instances, ctx.io);
  });
}
