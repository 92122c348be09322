// `make sim PORT=8081 SIM_ARGS=...`: the simulator on its own, for pointing any tool at it.
import { parseArgs } from 'node:util';
import { PageType, parseRegression, Regression } from './figures';
import { DriftRange, parseDrift } from './noise';
import { DEFAULT_BASE_LATENCY, DEFAULT_SEED, startSimulator } from './server';

const HELP = `moodle-sim: a Moodle 4.5 simulator on 127.0.0.1 (see docs/simulator.md)
  --port N             port (default 8081; 0 picks a free one)
  --seed N             seed of every random draw: DB reads/writes, server time (default ${DEFAULT_SEED})
  --latency MS         median server time of a page, log-normal (default ${DEFAULT_BASE_LATENCY.medianMs})
  --latency-sigma S    spread of that log-normal (default ${DEFAULT_BASE_LATENCY.sigma}; 0 = always the median)
  --perf-footer        print Moodle's performance footer (MDL_PERF_TEST) in every page
  --exact              no noise: every request does its page's median DB reads/writes, in the median time
  --regress SPEC       plant a regression, e.g. course:reads=+2,ms=+25 (repeatable, one per page type)
  --shared-slowdown MS every response takes MS more server time (code all pages run; no DB change)
  --drift MIN-MAX      each run's factor on every server time, drawn from MIN..MAX, e.g. 0.8-1.4 (default: none)
  --max-children N     PHP-FPM's pool: at most N requests served at once, the rest queue (default: no limit)
  --help               this text`;

function fail(message: string): never {
  process.stderr.write(`moodle-sim: ${message}\n`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '8081' },
        seed: { type: 'string', default: String(DEFAULT_SEED) },
        latency: { type: 'string', default: String(DEFAULT_BASE_LATENCY.medianMs) },
        'latency-sigma': { type: 'string', default: String(DEFAULT_BASE_LATENCY.sigma) },
        'perf-footer': { type: 'boolean', default: false },
        exact: { type: 'boolean', default: false },
        regress: { type: 'string', multiple: true, default: [] },
        'shared-slowdown': { type: 'string', default: '0' },
        drift: { type: 'string' },
        'max-children': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (e) {
    // node's parseArgs explains on several lines: the first names the flag.
    return fail((e as Error).message.split('\n')[0] as string);
  }
})();

if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, not ${JSON.stringify(values.port)}`);
const seed = Number(values.seed);
if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
  fail(`--seed must be a whole number from 0 to 4294967295, not ${JSON.stringify(values.seed)}`);
const medianMs = Number(values.latency);
if (values.latency.trim() === '' || !Number.isFinite(medianMs) || medianMs < 0)
  fail(`--latency must be milliseconds >= 0, not ${JSON.stringify(values.latency)}`);
const sigma = Number(values['latency-sigma']);
if (values['latency-sigma'].trim() === '' || !Number.isFinite(sigma) || sigma < 0 || sigma > 3)
  fail(`--latency-sigma must be a number from 0 to 3, not ${JSON.stringify(values['latency-sigma'])}`);
const regressions: Partial<Record<PageType, Regression>> = {};
for (const spec of values.regress) {
  try {
    const [page, regression] = parseRegression(spec);
    if (regressions[page]) fail(`--regress: page type ${page} given twice`);
    regressions[page] = regression;
  } catch (e) {
    fail((e as Error).message);
  }
}

const sharedSlowdownMs = Number(values['shared-slowdown']);
if (values['shared-slowdown'].trim() === '' || !Number.isFinite(sharedSlowdownMs) || sharedSlowdownMs < 0)
  fail(`--shared-slowdown must be milliseconds >= 0, not ${JSON.stringify(values['shared-slowdown'])}`);
let drift: DriftRange | undefined;
try {
  drift = values.drift === undefined ? undefined : parseDrift(values.drift);
} catch (e) {
  fail((e as Error).message);
}

const maxChildrenRaw = values['max-children'];
const maxChildren = maxChildrenRaw === undefined ? undefined : Number(maxChildrenRaw);
if (maxChildren !== undefined && (!/^\s*\d+\s*$/.test(maxChildrenRaw as string) || maxChildren < 1))
  fail(`--max-children must be a whole number of at least 1, not ${JSON.stringify(maxChildrenRaw)}`);

startSimulator({
  port,
  seed,
  baseLatency: { medianMs, sigma },
  exact: values.exact,
  regressions,
  perfFooter: values['perf-footer'],
  sharedSlowdownMs,
  drift,
  maxChildren,
}).then(
  (sim) => {
    process.stdout.write(`Moodle simulator listening on ${sim.url}\n`);
    process.stdout.write(`users: ${sim.users.map((u) => `${u.username} / ${u.password}`).join(', ')}\n`);
    process.stdout.write(
      `pages: /login/index.php /my/ /course/view.php?id=2..500 /mod/forum/view.php?id=10..2000 /mod/page/view.php?id=10..2000 /user/profile.php?id=1..10000\n`,
    );
    const planted = Object.entries(regressions).map(([p, r]) => `${p} +${r.reads} reads +${r.ms} ms`);
    process.stdout.write(
      `noise: ${values.exact ? 'off (--exact)' : `seed ${seed}`}, server time median ${medianMs} ms (sigma ${sigma}), performance footer ${values['perf-footer'] ? 'on' : 'off'}${planted.length ? `, regression: ${planted.join('; ')}` : ''}\n`,
    );
    process.stdout.write(
      `machine: shared slowdown ${sharedSlowdownMs} ms, drift ${drift ? `${drift.min}-${drift.max}, this run's factor ${sim.stats().driftFactor.toFixed(3)}` : 'none'}, workers ${maxChildren ?? 'unlimited'}\n`,
    );
    process.stdout.write(`counters: GET ${sim.url}/__sim/stats   kill all sessions: POST ${sim.url}/__sim/kill-sessions\n`);
    process.stdout.write(`deploy: POST ${sim.url}/__sim/deploy?shared_ms=MS&regress=SPEC   new run's drift: POST ${sim.url}/__sim/drift\n`);
    const stop = () => void sim.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  },
  (e: Error) => fail(`cannot listen on 127.0.0.1:${port}: ${e.message}`),
);
