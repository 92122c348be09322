// moodle-load capacity's flags: one line naming the flag and exit 2 on bad input (before any run),
// and the plan a good command line makes: each step's settings through the run's own validator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CapacityPlan } from '../../cli/capacity/capacity-search';
import { capacityCommand } from '../../cli/commands/capacity';
import { CliContext, CommandExit } from '../../cli/flags';

const BASE = ['--config', 'c.json', '--duration', '10'];

async function parse(argv: string[]): Promise<{ code: number; line?: string; plan?: CapacityPlan }> {
  let plan: CapacityPlan | undefined;
  const ctx: CliContext = { projectRoot: '', io: { stdout: () => undefined, stderr: () => undefined }, argv, exitCode: 0 };
  try {
    await capacityCommand(ctx, (p) => {
      plan = p;
      return 0;
    }).parseAsync(argv, { from: 'user' });
    return { code: ctx.exitCode, plan };
  } catch (e) {
    if (!(e instanceof CommandExit)) throw e;
    return { code: e.exitCode, line: e.line };
  }
}

test('bad input: one line naming the flag, exit 2, and nothing run', async () => {
  const cases: [string[], string][] = [
    [['--start', '100', '--max', '500'], 'capacity: give a limit: --max-p95-ms MS and/or --max-failure-pct P (a step breaks above it)'],
    [['--max', '500', '--max-p95-ms', '300'], 'capacity: --start is required: the first step, in users or rpm'],
    [['--start', '100', '--max-p95-ms', '300'], 'capacity: --max is required: the last step tried, in users or rpm'],
    [['--start', '0', '--max', '5', '--max-p95-ms', '300'], 'capacity: --start must be a number of at least 1, not "0"'],
    [['--start', '10', '--step', '2.5', '--max', '50', '--max-p95-ms', '300'], 'capacity: --step must be a whole number, not "2.5"'],
    [['--start', '500', '--max', '100', '--max-p95-ms', '300'], 'capacity: --max (100) must be at least --start (500)'],
    [
      ['--start', '1', '--step', '1', '--max', '1000', '--max-p95-ms', '300'],
      'capacity: --step 1 makes 1000 steps from 1 to 1000; at most 100',
    ],
    [['--start', '1', '--max', '5', '--max-p95-ms', '0'], 'capacity: --max-p95-ms must be a positive number of ms, not "0"'],
    [['--start', '1', '--max', '5', '--max-p95-ms', 'fast'], 'capacity: --max-p95-ms must be a number of at least 0, not "fast"'],
    [
      ['--start', '1', '--max', '5', '--max-failure-pct', '101'],
      'capacity: --max-failure-pct must be a percentage from 0 to 100, not "101"',
    ],
    [['--start', '1', '--max', '5', '--max-failure-pct', '-1'], 'capacity: --max-failure-pct must be a number of at least 0, not "-1"'],
    [
      ['--start', '1', '--max', '5', '--max-p95-ms', '300', '--max-dropped-pct', '200'],
      'capacity: --max-dropped-pct must be a percentage from 0 to 100, not "200"',
    ],
    [['--start', '1', '--max', '5', '--max-p95-ms', '300', '--by', 'vus'], 'capacity: --by must be users or rpm, not "vus"'],
    [
      ['--start', '1', '--max', '5', '--max-p95-ms', '300', '--rpm', '600'],
      'capacity: --rpm is what --by rpm raises: give --start, --step and --max instead',
    ],
    [
      ['--start', '1', '--max', '5', '--max-p95-ms', '300', '--by', 'users'],
      'capacity: --by users needs --think-time (the closed model): at a fixed --rpm more users do not make more load',
    ],
    [
      ['--start', '1', '--max', '5', '--max-p95-ms', '300', '--think-time', '5', '--users', '20'],
      'capacity: --users is what --by users raises: give --start, --step and --max instead',
    ],
    [
      ['--start', '1', '--max', '5', '--max-p95-ms', '300', '--think-time', '5', '--by', 'rpm'],
      'capacity: --by rpm cannot go with --think-time: in the closed model the users set the rate; use --by users',
    ],
    [
      ['--start', '1', '--max', '5', '--max-p95-ms', '300', '--summary', 's.json'],
      'capacity: --summary is not for capacity: each step writes its own summary in --work-dir',
    ],
    [['--start', '1', '--max', '5', '--max-p95-ms', '300', '--report', 'r.png'], 'capacity: --report must name an .html file, not "r.png"'],
    [
      ['--start', '1', '--max', '5', '--max-p95-ms', '300', '--mx-p95-ms', '3'],
      'capacity: unknown flag --mx-p95-ms (did you mean --max-p95-ms?); see --help',
    ],
  ];
  for (const [args, line] of cases) assert.deepEqual(await parse([...BASE, ...args]), { code: 2, line }, args.join(' '));
  assert.deepEqual(await parse(['--config', 'c.json', '--start', '1', '--max', '5', '--max-p95-ms', '300']), {
    code: 2,
    line: 'capacity: --duration is required (load phase length in seconds)',
  });
});

test('--by rpm (the default without --think-time): each step its rpm, the VUs and one seed throughout', async () => {
  const { code, plan } = await parse([
    ...BASE,
    '--start',
    '300',
    '--step',
    '300',
    '--max',
    '1000',
    '--max-p95-ms',
    '800',
    '--concurrency',
    '40',
    '--report',
    'out/c.html',
    '--work-dir',
    '/tmp/w',
  ]);
  assert.equal(code, 0);
  assert.ok(plan);
  assert.equal(plan.by, 'rpm');
  assert.deepEqual(
    plan.runs.map((r) => [r.settings.rpm, r.settings.concurrency, r.settings.users]),
    [
      [300, 40, undefined],
      [600, 40, undefined],
      [900, 40, undefined],
      [1000, 40, undefined],
    ],
  );
  const seeds = new Set(plan.runs.map((r) => r.settings.seed));
  assert.equal(seeds.size, 1, 'one seed for every step');
  assert.notEqual([...seeds][0], undefined);
  assert.deepEqual(plan.limits, { maxP95Ms: 800, maxFailurePct: undefined, maxDroppedPct: 1 });
  assert.equal(plan.reportPath, 'out/c.html');
  assert.equal(plan.workDir, '/tmp/w');
  assert.ok(plan.runs.every((r) => r.settings.durationSec === 10 && r.reportPath === 'out/c.html'));
});

test('--by users (the default with --think-time): users per step, VUs = min(users, --concurrency); --step defaults to --start', async () => {
  const { plan } = await parse([
    ...BASE,
    '--think-time',
    '5,15',
    '--start',
    '10',
    '--max',
    '40',
    '--max-failure-pct',
    '0.5',
    '--concurrency',
    '25',
    '--seed',
    '9',
  ]);
  assert.ok(plan);
  assert.equal(plan.by, 'users');
  assert.equal(plan.step, 10);
  assert.deepEqual(
    plan.runs.map((r) => [r.settings.users, r.settings.concurrency]),
    [
      [10, 10],
      [20, 20],
      [30, 25],
      [40, 25],
    ],
  );
  assert.ok(plan.runs.every((r) => r.settings.seed === 9 && r.settings.rpm === 0));
  assert.deepEqual(plan.limits, { maxP95Ms: undefined, maxFailurePct: 0.5, maxDroppedPct: 1 });
  assert.match(plan.workDir, /results\/capacity-\d{8}-\d{6}$/);
});
