// moodle-load: run a Moodle load with k6. Thin shell: flags in, k6 out, JSON on stdout.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../lib/exit-codes';
import { SettingsError } from '../lib/run-settings';
import pkg from '../package.json';
import { parseCliArgs, usage } from './args';
import { runLoad } from './run';

/** dist/cli.js (or cli/main.ts under tsx) sits one folder below the project root. */
export const PROJECT_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export async function main(argv: readonly string[]): Promise<number> {
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
  return runLoad(PROJECT_ROOT, parsed.options, {
    stdout: (text) => process.stdout.write(text),
    stderr: (line) => process.stderr.write(line + '\n'),
  });
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
