// moodle-load merge SUMMARY...: the summaries of one split test's instances (each with the
// `mergeable` part the CLI writes) as one summary on stdout; exit 2 when they are not parts of one test.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { MergeError, mergeSummaries } from '../../analysis/merge-summaries';
import { SettingsError } from '../../lib/run-settings';
import type { Summary } from '../../lib/summary';
import { EXIT } from '../exit-codes';
import { addFlags, CliContext, configureCommand, readFlags, setAction, valueFlag } from '../flags';
import { readSummary } from '../summary-file';

const FLAGS = {
  summary: valueFlag('--summary', {
    placeholder: 'FILE',
    help: 'also write the merged summary to FILE',
  }),
};

/** Merges the files, or says in one line why they do not merge. */
export function mergeFiles(paths: readonly string[]): Summary {
  try {
    return mergeSummaries(paths.map((path) => ({ path, summary: readSummary(path) })));
  } catch (e) {
    if (e instanceof MergeError) throw new SettingsError(e.message);
    throw e;
  }
}

export function mergeCommand(ctx: CliContext): Command {
  const cmd = configureCommand(new Command('merge'), { prefix: 'moodle-load merge', badInput: EXIT.badInput }, ctx)
    .description(
      'The summaries of the instances of one split test (make segments; each with a mergeable part) merged into one: counts added, percentiles from the added histograms.',
    )
    .argument('<SUMMARY...>', "the instances' summary files")
    .addHelpText('after', `\nExit: ${EXIT.ok} merged, ${EXIT.badInput} bad input or summaries that are not parts of one test.`);
  addFlags(cmd, FLAGS);
  return setAction(cmd, ctx, () => {
    const { summary: out } = readFlags(cmd, FLAGS);
    const merged = mergeFiles(cmd.processedArgs[0] as string[]);
    const json = JSON.stringify(merged, null, 2) + '\n';
    if (out !== undefined) writeFileSync(out, json);
    ctx.io.stdout(json);
    return EXIT.ok;
  });
}
