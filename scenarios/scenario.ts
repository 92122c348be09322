// The load scenario: log in one session per VU (setup), optionally ramp up (warmup), request
// URL templates at the target rate (load), print the summary JSON (handleSummary).
//
//   k6 run -e CONFIG=config.json -e RPM=600 -e DURATION=600 dist/scenario.js
import exec from 'k6/execution';
import { ABORT_JOURNEY_CHECK, ABORT_NO_SESSION, ABORT_SITE_UNREACHABLE, transportHint } from '../lib/abort-reasons';
import { LOAD_SCENARIO, loginWindowSec, probeCandidates } from '../lib/run-phases';
import { freshSeed } from '../lib/random';
import type { K6Metrics } from '../lib/summary';
import type { SetupData } from '../lib/summary-files';
import { probeLogin } from './k6/login';
import { writeRecord } from './k6/channel';
import { runExam } from './k6/exam';
import * as metrics from './k6/metrics';
import { RequestRunner } from './k6/request-runner';
import { loadRunContext } from './k6/run-context';
import { createViewMetrics } from './k6/view-metrics';
import { ClosedModel } from './k6/closed-model';
import { UserPool } from './k6/user-pool';
import { rampSecOf, usersOf } from '../lib/user-schedule';
import * as vuStats from './k6/vu-stats';

// k6 evaluates this script in every VU. What only __VU 0 runs (the first init context, which
// checks the config and gives k6 its options, and the contexts of setup and handleSummary) is a
// file of its own beside this one, dist/scenario-control.js (scenarios/k6/control.ts), loaded
// there alone: a load VU holds none of its functions (BENCHMARKS.md, "Where the memory per VU goes").
// k6's require() works in init contexts only, so it is loaded here.
const control = __VU === 0 ? (require('./scenario-control.js') as typeof import('./k6/control')) : undefined;

const ctx = loadRunContext(__ENV, control?.checkRunContext);
vuStats.paceReports(ctx.settings.concurrency);

// Browser emulation is a file of its own too, dist/scenario-browser.js (scenarios/k6/page-view.ts),
// loaded only when emulating; its metric objects are made here, with the others, in the init
// context (the only place k6 makes metrics).
const browser = ctx.settings.emulateBrowser
  ? { emulator: (require('./scenario-browser.js') as typeof import('./k6/page-view')).PageViewEmulator, metrics: createViewMetrics() }
  : undefined;

// Journeys (forms, k6/html) are a file of their own too, dist/scenario-journeys.js, loaded only
// when the config has journeys.
const journeys =
  ctx.config.journeys.length > 0 ? (require('./scenario-journeys.js') as typeof import('./k6/journey-runner')).JourneyRunner : undefined;

// The thresholds list grows with users and endpoints: built where k6 reads it only.
export const options =
  control !== undefined
    ? control.buildK6Options(
        ctx.settings,
        ctx.endpoints.map((e) => e.name),
        ctx.config.users.length,
        ctx.config.journeys,
      )
    : {};

const ZERO_SESSION_HINTS = [
  'check the usernames and passwords in the config (users)',
  `check that ${ctx.loginUrl} is reachable from this machine and shows Moodle's login form`,
  'some themes, auth plugins or SSO change the login flow; login_path must point at the form that takes username and password',
];

/** Each journey's first page and form, in setup()'s session: one that cannot run stops the run before any load. */
function checkJourneys(runner: InstanceType<NonNullable<typeof journeys>>): void {
  for (let i = 0; i < ctx.config.journeys.length; i++) {
    const { stop, warning } = runner.check(i);
    const which = `config journeys[${i}] (${(ctx.config.journeys[i] as { name: string }).name})`;
    if (warning !== null) console.warn(`moodle-load: ${which}: ${warning}; its VUs will fail there if theirs lack it too`);
    if (stop === null) continue;
    metrics.aborts.add(1, { reason: 'journey_check' });
    vuStats.report();
    exec.test.abort(`${ABORT_JOURNEY_CHECK}: ${which}: ${stop}`);
  }
}

export function setup(): SetupData {
  if (ctx.defaultsUsed.length > 0) console.log(`moodle-load: not given with -e, so using the defaults ${ctx.defaultsUsed.join(', ')}`);
  const seed = ctx.settings.seed ?? freshSeed();
  const sessions = instanceSessions(exec.instance.vusInitialized, Boolean(exec.test.options.executionSegment));
  const probe = probeLogin(ctx, probeCandidates(ctx.settings, ctx.config.users.length));
  if (probe.unreachable !== null) {
    // Counted first: handleSummary reads why the run stopped from the metrics, not from k6's log.
    metrics.aborts.add(1, { reason: 'site_unreachable' });
    vuStats.report();
    exec.test.abort(`${ABORT_SITE_UNREACHABLE}: base_url ${ctx.baseUrl}: ${probe.unreachable}; ${transportHint(probe.unreachable)}`);
  }
  if (probe.goodUser === null) {
    metrics.aborts.add(1, { reason: 'no_session' });
    vuStats.report();
    exec.test.abort(`${ABORT_NO_SESSION} (0 of ${sessions}). ${ZERO_SESSION_HINTS.join('; ')}`);
  }
  if (journeys !== undefined) checkJourneys(new journeys(ctx, metrics.journey));
  const loginSec = loginWindowSec(ctx.settings);
  const warmup = ctx.settings.warmupSec > 0 ? `warm-up ${ctx.settings.warmupSec} s, then ` : '';
  const load =
    ctx.settings.thinkTimeSec !== undefined
      ? `closed model: each user thinks ${ctx.settings.thinkTimeSec.join('-')} s between requests, for ${ctx.settings.durationSec} s`
      : ctx.settings.examWindowSec > 0
        ? `an exam start: ${ctx.config.journeys[0]?.name} once per VU, started within ${ctx.settings.examWindowSec} s, at most ${ctx.settings.durationSec} s`
        : `load phase of ${ctx.settings.durationSec} s`;
  console.log(`${loginLine(sessions, loginSec)}; ${warmup}${load} (seed ${seed})`);
  const segment = exec.test.options.executionSegment ? String(exec.test.options.executionSegment) : null;
  const now = Date.now();
  const data: SetupData = {
    seed,
    segment,
    loginStartMs: now,
    loadStartMs: now + (loginSec + ctx.settings.warmupSec) * 1000,
    sessions,
    goodUser: probe.goodUser,
    rejected: probe.rejected,
  };
  vuStats.report();
  if (ctx.settings.channel) writeRecord('setup', { ...data, settings: ctx.settings });
  return data;
}

/**
 * Sessions this instance logs in: one per user. One execution segment of a split test has its
 * share of the VUs (all it initialised), so of their users.
 */
function instanceSessions(vus: number, segmented: boolean): number {
  const users = usersOf(ctx.settings);
  if (!segmented) return Math.max(users, vus);
  return ctx.settings.users === undefined ? vus : Math.round((users * vus) / ctx.settings.concurrency);
}

/** What setup() says of the logins to come. */
function loginLine(sessions: number, loginSec: number): string {
  const vus = ctx.settings.concurrency;
  const per = sessions === vus ? 'one per VU' : `served by ${vus} VUs`;
  if (ctx.settings.thinkTimeSec !== undefined)
    return `${sessions} users, ${per}, arriving (logging in) over the first ${rampSecOf(ctx.settings)} s`;
  return `logging in ${sessions} sessions, ${per} (login phase ${loginSec} s)`;
}

// Per-VU state: each VU has its own JS runtime, so these belong to one VU.
let pool: UserPool | undefined;
let closed: ClosedModel | undefined;
let runner: RequestRunner | undefined;
/** --stream-stats: epoch ms from which every load iteration reports (vu-stats.ts). */
let finalFromMs = 0;
/**
 * k6 builds a new exec.scenario object, six Go getters, on every access: 6% of k6's CPU at
 * 90,000 rpm when read once an iteration. Its getters read the VU's current scenario and
 * iteration at each call (k6 v1.8.1: execution.go's newScenarioInfo reads the VU's context and
 * state, which runner.go's Activate updates for each scenario), so one object per VU serves
 * warm-up and load alike.
 */
let scenario: typeof exec.scenario | undefined;

function userPool(data: SetupData): UserPool {
  if (pool === undefined) pool = new UserPool(ctx, { fallback: data.goodUser, rejected: data.rejected }, exec.vu.idInTest);
  return pool;
}

/** The login scenario: one iteration per VU, which logs in its users, --login-concurrency users a second. */
export function login(data: SetupData): void {
  userPool(data).loginPhase(data.loginStartMs);
  vuStats.report();
}

export default function (data: SetupData): void {
  const users = userPool(data);
  // A VU with one user (the default) is the VU of the journeys, browser emulation and exams.
  const s = users.sessions[0] as NonNullable<(typeof users.sessions)[0]>;
  if (runner === undefined) {
    runner = new RequestRunner(ctx);
    if (journeys !== undefined) runner.journeys = new journeys(ctx, metrics.journey);
    if (browser !== undefined) {
      const view = new browser.emulator(ctx, s.username, browser.metrics);
      runner.afterPage = view.afterPage.bind(view);
    }
    metrics.loadStart.add(data.loadStartMs);
    metrics.targetRpm.add(ctx.settings.rpm);
    finalFromMs = data.loadStartMs + ctx.settings.durationSec * 1000 - vuStats.finalWindowMs(ctx.settings.concurrency, ctx.settings.rpm);
  }
  if (ctx.settings.thinkTimeSec !== undefined) {
    closed ??= new ClosedModel(ctx, users, data.seed, data.loadStartMs);
    closed.iteration(runner);
    return;
  }
  if (scenario === undefined) scenario = exec.scenario;
  if (ctx.settings.examWindowSec > 0) {
    // An exam start: one iteration per VU (k6-options.ts), the first journey from its moment.
    const t = { phaseStartMs: scenario.startTime, seed: data.seed, vu: exec.vu.idInTest, iteration: scenario.iterationInTest };
    if (vuStats.streaming) {
      // Its start goes at once: an exam cut at the phase's end still counts as started, not dropped.
      metrics.loadIterations.add(1);
      vuStats.report();
    }
    runExam(ctx, runner.journeys as NonNullable<typeof runner.journeys>, s, t);
    metrics.loadEnd.add(Date.now());
    // The VU's one iteration: its figures go now.
    vuStats.report();
    return;
  }
  const phase = scenario.name === LOAD_SCENARIO ? 'load' : 'warmup';
  if (vuStats.streaming && phase === 'load') {
    metrics.loadIterations.add(1);
    vuStats.reportBacklog(finalFromMs);
  }
  runner.run(users.next(), data.seed, phase, scenario.iterationInTest);
  if (vuStats.streaming) vuStats.reportIfDue(finalFromMs);
}

/** SharedArray has indexing and length only: no map. */
function usernames(): string[] {
  const out: string[] = [];
  for (let i = 0; i < ctx.config.users.length; i++) out.push((ctx.config.users[i] as { username: string }).username);
  return out;
}

export function handleSummary(data: { metrics: K6Metrics; setup_data?: SetupData }): Record<string, string> {
  // With --stream-stats the CLI runs k6 without its summary and builds this document itself.
  if (control === undefined) throw new Error("handleSummary runs in k6's __VU 0 context, where scenario-control.js is loaded");
  const { files, end } = control.summaryFiles({
    metrics: data.metrics,
    setupData: data.setup_data,
    settings: ctx.settings,
    endpoints: ctx.endpoints,
    journeys: ctx.config.journeys,
    usernames: usernames(),
    nowMs: Date.now(),
    warn: (line) => console.warn(line),
  });
  if (ctx.settings.channel) writeRecord('end', end);
  return files;
}
