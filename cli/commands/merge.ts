// moodle-load merge SUMMARY...: the summaries of one split test's instances (each with the
// `mergeable` part the CLI writes), or runners' k6 logs with --config (cli/runner-log.ts), as one
// summary on stdout; exit 2 when they are not parts of one test.
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { MergeError, mergeSummaries, SummaryFile } from '../../analysis/merge-summaries';
import { ConfigError, MoodleConfig, parseConfigText } from '../../lib/config';
import { resolveBeside } from '../../lib/paths';
import { SettingsError } from '../../lib/run-settings';
import type { Summary } from '../../lib/summary';
import { EXIT } from '../exit-codes';
import { addFlags, CliContext, configureCommand, readFlags, setAction, valueFlag } from '../flags';
import { RunnerLogError, summaryFromRunnerLog } from '../runner-log';
import { parseSummary } from '../summary-file';

const FLAGS = {
  summary: valueFlag('--summary', {
    placeholder: 'FILE',
    help: 'also write the merged summary to FILE',
  }),
  config: valueFlag('--config', {
    placeholder: 'FILE',
    help: "the config the runners ran: needed for runners' k6 logs (the k6-operator's pods), not for summaries",
  }),
};

/** A summary file, or a runner's k6 log summed up with the config. */
function readInput(path: string, config: MoodleConfig | undefined): SummaryFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SettingsError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!isK6Log(text)) return { path, summary: parseSummary(path, text) };
  if (config === undefined) throw new SettingsError(`${path} is a k6 log, not a summary: give --config, the config the runners ran`);
  try {
    return { path, summary: summaryFromRunnerLog(path, text, config) };
  } catch (e) {
    if (e instanceof RunnerLogError) throw new SettingsError(e.message);
    throw e;
  }
}

/** k6's --log-format json: one JSON object a line, each with a level. A summary is one object over many lines. */
function isK6Log(text: string): boolean {
  const first = text.slice(0, text.indexOf('\n') < 0 ? undefined : text.indexOf('\n'));
  try {
    const entry = JSON.parse(first) as Record<string, unknown>;
    return typeof entry === 'object' && entry !== null && 'level' in entry && 'msg' in entry;
  } catch {
    return false;
  }
}

function readConfig(path: string): MoodleConfig {
  try {
    return parseConfigText(readFileSync(path, 'utf8'), (f) => readFileSync(resolveBeside(path, f), 'utf8'));
  } catch (e) {
    if (e instanceof ConfigError) throw new SettingsError(e.inFile(path).message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new SettingsError(`--config: ${path} cannot be read (${code})`);
    throw e;
  }
}

/** Merges the files, or says in one line why they do not merge. */
export function mergeFiles(paths: readonly string[], configPath?: string): Summary {
  const config = configPath === undefined ? undefined : readConfig(configPath);
  const files = paths.map((path) => readInput(path, config));
  try {
    return mergeSummaries(files);
  } catch (e) {
    if (e instanceof MergeError) throw new SettingsError(e.message);
    throw e;
  }
}

export function mergeCommand(ctx: CliContext): Command {
  const cmd = configureCommand(new Command('merge'), { prefix: 'moodle-load merge', badInput: EXIT.badInput }, ctx)
    .description(
      "The summaries of the instances of one split test (make segments; each with a mergeable part), or the k6-operator runners' logs, merged into one summary: counts added, percentiles from the added histograms.",
    )
    .argument('<SUMMARY...>', "the instances' summary files, or the k6 logs of runners (with --config)")
    .addHelpText('after', `\nExit: ${EXIT.ok} merged, ${EXIT.badInput} bad input or summaries that are not parts of one test.`);
  addFlags(cmd, FLAGS);
  return setAction(cmd, ctx, () => {
    const { summary: out, config } = readFlags(cmd, FLAGS);
    const merged = mergeFiles(cmd.processedArgs[0] as string[], config);
    const json = JSON.stringify(merged, null, 2) + '\n';
    if (out !== undefined) writeFileSync(out, json);
    ctx.io.stdout(json);
    return EXIT.ok;
  });
}
