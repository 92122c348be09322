// moodle-load: run a Moodle load with k6. Thin shell: flags in, k6 out, JSON on stdout.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from './exit-codes';
import { SettingsError } from '../lib/run-settings';
import pkg from '../package.json';
import { parseCliArgs, usage } from './args';
import { bisectCheckCommand } from './bisect-check';
import { compareCommand } from './compare';
import { runLoad, RunIo } from './run';
import { siteCommand } from './site/command';

// The bundle carries an inline source map: stack traces name the .ts line.
process.setSourceMapsEnabled(true);

/** dist/cli.js (or cli/main.ts under tsx) sits one folder below the project root. */
export const PROJECT_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

const io: RunIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (line) => process.stderr.write(line + '\n'),
};

export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'compare') return compareCommand(argv.slice(1), io.stdout, io.stderr);
  if (argv[0] === 'site') return siteCommand(argv.slice(1), io);
  if (argv[0] === 'bisect-check') return bisectCheckCommand(PROJECT_ROOT, argv.slice(1), io);
  let parsed;
  try {
    parsed = parseCliArgs(argv);
  } catch (e) {
    if (e instanceof SettingsError) {
      process.stderr.write(`moodle-load: ${e.message}\n`);
      return EXIT.badInput;
    }
    throw e;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(usage() + '\n');
    return EXIT.ok;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`moodle-load ${pkg.version} (k6 ${pkg.config.k6Version})\n`);
    return EXIT.ok;
  }
  return runLoad(PROJECT_ROOT, parsed.options, io);
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
