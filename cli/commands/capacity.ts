// moodle-load capacity (make capacity): the run flags plus its own. Raises the load in steps (users or
// rpm), one run of --duration seconds per step, until a limit breaks; prints the steps' JSON on
// stdout and, with --report, an HTML file with the plot. Every step's settings are checked before
// the first request, by the run's own validator.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { stepLoads, stepValues, type CapacityBy, type CapacityLimits, type StepLoad } from '../../analysis/capacity-verdict';
import { MAX_SEED } from '../../lib/random';
import { defaultSummaryPath, SettingsError } from '../../lib/run-settings';
import { capacityHtml } from '../capacity/capacity-report';
import { exitCodeOf, realStep, searchCapacity, type CapacityPlan } from '../capacity/capacity-search';
import { addRunFlags, readRunFlags, type CliOptions } from '../cli-options';
import { EXIT } from '../exit-codes';
import {
  addFlags,
  CliContext,
  configureCommand,
  FlagValues,
  givenFlag,
  numberAtLeast,
  oneOf,
  readFlags,
  setAction,
  valueFlag,
} from '../flags';
import { preflight } from '../run';

/** Dropped iterations up to this share (%) still hold: one stray late start must not end a search, more means the step did not send the load it names. */
export const DEFAULT_MAX_DROPPED_PCT = 1;

const percent = (raw: string, flag: string): number => {
  const n = numberAtLeast(0)(raw, flag);
  if (n > 100) throw new SettingsError(`${flag} must be a percentage from 0 to 100, not ${JSON.stringify(raw)}`);
  return n;
};

const FLAGS = {
  by: valueFlag('--by', {
    placeholder: 'users|rpm',
    help: 'what each step raises: Moodle users (with --think-time, the closed model) or requests per minute (default: users with --think-time, else rpm)',
    parse: oneOf<CapacityBy>('users', 'rpm'),
  }),
  start: valueFlag('--start', { placeholder: 'N', help: 'the first step: users or rpm (required)', parse: numberAtLeast(1, true) }),
  step: valueFlag('--step', { placeholder: 'N', help: 'added at each step (default: --start)', parse: numberAtLeast(1, true) }),
  max: valueFlag('--max', {
    placeholder: 'N',
    help: 'the last step tried, also when the steps do not land on it (required)',
    parse: numberAtLeast(1, true),
  }),
  maxP95Ms: valueFlag('--max-p95-ms', {
    placeholder: 'MS',
    help: "a step breaks when any endpoint's p95 is above this many ms",
    parse: (raw, flag) => {
      const n = numberAtLeast(0)(raw, flag);
      if (n <= 0) throw new SettingsError(`${flag} must be a positive number of ms, not ${JSON.stringify(raw)}`);
      return n;
    },
  }),
  maxFailurePct: valueFlag('--max-failure-pct', {
    placeholder: 'P',
    help: 'a step breaks when more than P % of its requests failed',
    parse: percent,
  }),
  maxDroppedPct: valueFlag('--max-dropped-pct', {
    placeholder: 'P',
    help: 'a step breaks when k6 dropped more than P % of its iterations (every VU busy: the load was not all sent)',
    parse: percent,
    defaultValue: DEFAULT_MAX_DROPPED_PCT,
  }),
  workDir: valueFlag('--work-dir', {
    placeholder: 'DIR',
    help: "each step's summary goes here as step-NN.json (default results/capacity-<time>/)",
  }),
};

/** Run flags that name one run's files: each step writes its own summary in the work folder. */
const PER_RUN_FLAGS = ['--summary', '--log', '--errors'];
/** Set by each step (--by rpm), so left out of --help; given, it is refused in one line. */
const STEP_FLAGS = ['--rpm'];

/** The plan, every step's settings checked; throws SettingsError naming the flag. */
export function capacityPlan(cmd: Command, now: Date, drawSeed: () => number = () => Math.floor(Math.random() * MAX_SEED)): CapacityPlan {
  const refused = givenFlag(cmd, PER_RUN_FLAGS);
  if (refused) throw new SettingsError(`${refused} is not for capacity: each step writes its own summary in --work-dir`);
  const f: FlagValues<typeof FLAGS> = readFlags(cmd, FLAGS);
  const thinkTime = givenFlag(cmd, ['--think-time']) !== undefined;
  const by: CapacityBy = f.by ?? (thinkTime ? 'users' : 'rpm');
  if (f.start === undefined) throw new SettingsError('--start is required: the first step, in users or rpm');
  if (f.max === undefined) throw new SettingsError('--max is required: the last step tried, in users or rpm');
  if (f.maxP95Ms === undefined && f.maxFailurePct === undefined)
    throw new SettingsError('give a limit: --max-p95-ms MS and/or --max-failure-pct P (a step breaks above it)');
  if (by === 'rpm') {
    if (givenFlag(cmd, ['--rpm'])) throw new SettingsError('--rpm is what --by rpm raises: give --start, --step and --max instead');
    if (thinkTime)
      throw new SettingsError('--by rpm cannot go with --think-time: in the closed model the users set the rate; use --by users');
  } else {
    if (givenFlag(cmd, ['--users'])) throw new SettingsError('--users is what --by users raises: give --start, --step and --max instead');
    if (!thinkTime)
      throw new SettingsError('--by users needs --think-time (the closed model): at a fixed --rpm more users do not make more load');
  }
  let values: number[];
  try {
    values = stepValues(f.start, f.step ?? f.start, f.max);
  } catch (e) {
    throw new SettingsError((e as Error).message);
  }
  // One seed for every step: the same stream of URLs, so the steps differ in load only.
  const seedOverride: Record<string, string> = givenFlag(cmd, ['--seed']) ? {} : { SEED: String(drawSeed()) };
  const firstRate: Record<string, string> = by === 'rpm' ? { RPM: String(values[0]) } : {};
  const base = readRunFlags(cmd, { ...seedOverride, ...firstRate });
  const loads = stepLoads(by, values, base.settings);
  const runs = loads.map((load) => readRunFlags(cmd, { ...seedOverride, ...overridesOf(by, load) }));
  const limits: CapacityLimits = { maxP95Ms: f.maxP95Ms, maxFailurePct: f.maxFailurePct, maxDroppedPct: f.maxDroppedPct };
  const workDir = resolve(f.workDir ?? defaultSummaryPath(now).replace(/moodle-load-(.*)\.json$/, 'capacity-$1'));
  return { by, start: f.start, step: f.step ?? f.start, max: f.max, loads, runs, limits, workDir, reportPath: base.reportPath };
}

/** A step's settings by variable name: the rate, or the users and the VUs that serve them. */
function overridesOf(by: CapacityBy, load: StepLoad): Record<string, string> {
  if (by === 'rpm') return { RPM: String(load.rpm) };
  return { MOODLE_USERS: String(load.users), CONCURRENCY: String(load.vus) };
}

async function runCapacity(ctx: CliContext, plan: CapacityPlan): Promise<number> {
  const say = (line: string) => ctx.io.stderr(`capacity: ${line}`);
  const first = plan.runs[0] as CliOptions;
  const ready = preflight(ctx.projectRoot, first.settings, ctx.io);
  if (typeof ready === 'number') return ready;
  mkdirSync(plan.workDir, { recursive: true });
  // Between steps no k6 runs to catch Ctrl-C: the search stops before its next step and still prints its JSON.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result;
  try {
    result = await searchCapacity(plan, realStep(ctx.projectRoot, ctx.io), { say, signal: stop.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const json = JSON.stringify(result, null, 2) + '\n';
  writeFileSync(join(plan.workDir, 'capacity.json'), json);
  if (plan.reportPath !== undefined) {
    const path = resolve(plan.reportPath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, capacityHtml(result));
    say(`HTML report saved to ${plan.reportPath}`);
  }
  say(
    `${result.outcome === 'broke' ? 'a limit broke' : result.outcome === 'held_to_max' ? 'no limit broke' : result.outcome}; steps in ${plan.workDir}`,
  );
  ctx.io.stdout(json);
  return exitCodeOf(result);
}

/** The capacity command; `run` does the search (runCapacity), or only takes the plan (tests). */
export function capacityCommand(
  ctx: CliContext,
  run: (plan: CapacityPlan) => number | Promise<number> = (plan) => runCapacity(ctx, plan),
): Command {
  const cmd = configureCommand(new Command('capacity'), { prefix: 'capacity', badInput: EXIT.badInput }, ctx)
    .usage('--config FILE --duration SECONDS --start N --step N --max N --max-p95-ms MS [--by users|rpm] [run options]')
    .description(
      'How much load the site takes: raises the load in steps (rpm, or users with --think-time), each step one run of --duration seconds, until a limit breaks; reports the last step that held and the first that did not.',
    )
    .addHelpText(
      'after',
      `\nPrints each step and its verdict on stderr, the steps' JSON on stdout (and in --work-dir).\nExit: 0 when the search finished (a limit broke or every step held), 2 bad input, 5 k6 missing, 130 interrupted (the JSON of the steps done is still printed).`,
    );
  addFlags(addRunFlags(cmd, [...PER_RUN_FLAGS, ...STEP_FLAGS]), FLAGS);
  // The run's --report is k6's dashboard report of one run; here it is the search's own. --duration is each step's.
  const describe = (flag: string, text: string) => {
    const option = cmd.options.find((o) => o.long === flag);
    if (option) option.description = text;
  };
  describe('--report', 'the capacity report: FILE.html with the plot of p95 and throughput per step, and the steps (no network needed)');
  describe('--duration', "each step's load phase, seconds (required); each step also logs its users in first");
  return setAction(cmd, ctx, () => run(capacityPlan(cmd, new Date())));
}
