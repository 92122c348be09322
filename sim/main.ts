// `make sim PORT=8081`: the simulator on its own, for pointing any tool at it.
import { parseArgs } from 'node:util';
import { startSimulator } from './server';

function fail(message: string): never {
  process.stderr.write(`moodle-sim: ${message}\n`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({ options: { port: { type: 'string', default: '8081' }, latency: { type: 'string', default: '0' }, 'perf-footer': { type: 'boolean', default: false } }, strict: true });
  } catch (e) {
    return fail((e as Error).message);
  }
})();

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, not ${JSON.stringify(values.port)}`);
const latency = Number(values.latency);
if (!Number.isFinite(latency) || latency < 0) fail(`--latency must be milliseconds >= 0, not ${JSON.stringify(values.latency)}`);

startSimulator({ port, latencyMs: { '*': latency }, perfFooter: values['perf-footer'] }).then(
  (sim) => {
    process.stdout.write(`Moodle simulator listening on ${sim.url}\n`);
    process.stdout.write(`users: ${sim.users.map((u) => `${u.username} / ${u.password}`).join(', ')}\n`);
    process.stdout.write(`pages: /login/index.php /my/ /course/view.php?id=2..500 /mod/forum/view.php?id=10..2000 /user/profile.php?id=1..10000\n`);
    process.stdout.write(`counters: GET ${sim.url}/__sim/stats   kill all sessions: POST ${sim.url}/__sim/kill-sessions\n`);
    const stop = () => void sim.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  },
  (e: Error) => fail(`cannot listen on 127.0.0.1:${port}: ${e.message}`),
);
