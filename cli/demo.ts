// `make demo`: start the bundled Moodle simulator on a free 127.0.0.1 port and run a short
// load against it with config.json, printing the summary JSON on stdout.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../sim/server';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [rpm = '600', duration = '10'] = process.argv.slice(2);

const sim = await startSimulator();
process.stderr.write(`demo: Moodle simulator on ${sim.url}; running ${rpm} rpm for ${duration} s with config.json\n`);
const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), '--config', join(root, 'config.json'), '--base-url', sim.url, '--rpm', rpm, '--duration', duration, '--progress', '5'], {
  stdio: 'inherit',
});
process.on('SIGINT', () => undefined); // the CLI handles Ctrl-C and prints the summary
const code: number = await new Promise((done) => child.on('close', (c) => done(c ?? 1)));
const served = sim.stats().pages;
process.stderr.write(`demo: the simulator served ${JSON.stringify(served)}\n`);
await sim.close();
process.exit(code);
