// `make demo`: start the bundled Moodle simulator on a free 127.0.0.1 port and run a short
// load against it with config.json, printing the summary JSON on stdout. Any run flag works
// (node dist/demo.js --rpm 1200 --seed 7); the run is the CLI's own (runLoad), in this process.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../sim/server';
import { SettingsError } from '../lib/run-settings';
import { parseCliArgs } from './commands/run';
import { EXIT } from './exit-codes';
import { runLoad, RunIo } from './run';

process.setSourceMapsEnabled(true);

const root = dirname(dirname(fileURLToPath(import.meta.url)));
/** What the demo runs unless told otherwise: 10 s at 600 rpm, a progress line every 5 s. */
const DEMO_FLAGS = ['--config', join(root, 'config.json'), '--rpm', '600', '--duration', '10', '--progress', '5'];
const io: RunIo = { stdout: (text) => process.stdout.write(text), stderr: (line) => process.stderr.write(line + '\n') };

async function demo(argv: readonly string[]): Promise<number> {
  if (argv.some((a) => a === '--base-url' || a.startsWith('--base-url='))) {
    io.stderr('demo: --base-url is not for the demo, which runs against its own simulator; use moodle-load for another site');
    return EXIT.badInput;
  }
  let parsed;
  try {
    // Later flags win: the user's over the demo's.
    parsed = parseCliArgs([...DEMO_FLAGS, ...argv, '--base-url', 'http://127.0.0.1:1']);
  } catch (e) {
    if (e instanceof SettingsError) {
      io.stderr(`demo: ${e.message}`);
      return EXIT.badInput;
    }
    throw e;
  }
  if (parsed.kind !== 'run') {
    io.stderr('demo: runs a short load against the bundled simulator; takes the run flags of moodle-load (see moodle-load --help)');
    return EXIT.ok;
  }
  const sim = await startSimulator();
  const { settings } = parsed.options;
  io.stderr(`demo: Moodle simulator on ${sim.url}; running ${settings.rpm} rpm for ${settings.durationSec} s with config.json`);
  try {
    return await runLoad(root, { ...parsed.options, settings: { ...settings, baseUrl: sim.url } }, io);
  } finally {
    io.stderr(`demo: the simulator served ${JSON.stringify(sim.stats().pages)}`);
    await sim.close();
  }
}

process.exit(await demo(process.argv.slice(2)));
