// moodle-load: run a Moodle load with k6. Thin shell: flags in, k6 out, JSON on stdout. The
// program is the run command (cli/commands/run.ts) with the other commands added to it.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import pkg from '../package.json';
import { abCommand } from './commands/ab';
import { bisectCheckCommand } from './commands/bisect-check';
import { capacityCommand } from './commands/capacity';
import { compareCommand } from './commands/compare';
import { mergeCommand } from './commands/merge';
import { runCommand } from './commands/run';
import { segmentsCommand } from './commands/segments';
import { siteCommand } from './commands/site';
import { EXIT } from './exit-codes';
import { CliContext, CommandExit } from './flags';
import type { RunIo } from './run';

// The bundle carries an inline source map: stack traces name the .ts line.
process.setSourceMapsEnabled(true);

/** dist/cli.js (or cli/main.ts under tsx) sits one folder below the project root. */
export const PROJECT_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

const io: RunIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (line) => process.stderr.write(line + '\n'),
};

export function buildProgram(ctx: CliContext): Command {
  return (
    runCommand(ctx)
      .version(`moodle-load ${pkg.version} (k6 ${pkg.config.k6Version})`, '--version', 'print the version (and the k6 version it runs)')
      // Options before a command name are the run's; after it, that command's (they share the run flags).
      .enablePositionalOptions()
      .addCommand(compareCommand(ctx))
      .addCommand(bisectCheckCommand(ctx))
      .addCommand(abCommand(ctx))
      .addCommand(siteCommand(ctx))
      .addCommand(segmentsCommand(ctx))
      .addCommand(mergeCommand(ctx))
      .addCommand(capacityCommand(ctx))
      .helpCommand('help [command]', 'print the help of a command')
  );
}

export async function main(argv: readonly string[]): Promise<number> {
  const ctx: CliContext = { projectRoot: PROJECT_ROOT, io, argv, exitCode: EXIT.ok };
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (!(e instanceof CommandExit)) throw e;
    if (e.line !== undefined) io.stderr(e.line);
    return e.exitCode;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`moodle-load: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = EXIT.k6Failed;
  },
);
