// The load scenario: log in one session per VU (setup), optionally ramp up (warmup), request
// URL templates at the target rate (load), print the summary JSON (handleSummary).
//
//   k6 run -e CONFIG=config.json -e RPM=600 -e DURATION=600 dist/scenario.js
import exec from 'k6/execution';
import { ABORT_NO_SESSION, ABORT_SITE_UNREACHABLE, transportHint } from '../lib/abort-reasons';
import { buildK6Options, LOAD_SCENARIO } from '../lib/k6-options';
import { freshSeed } from '../lib/random';
import { defaultSummaryPath } from '../lib/run-settings';
import { buildSummary, K6Metrics, LoginReport } from '../lib/summary';
import { loginSessions, SessionSlot } from './k6/login';
import * as metrics from './k6/metrics';
import { PageViewEmulator } from './k6/page-view';
import { RequestRunner } from './k6/request-runner';
import { loadRunContext } from './k6/run-context';
import { VuSession } from './k6/vu-session';

const ctx = loadRunContext(__ENV);

export const options = buildK6Options(
  ctx.settings,
  ctx.endpoints.map((e) => e.name),
);

/** What setup() hands every VU. `slots` holds session cookies: handleSummary must never print it. */
interface SetupData {
  readonly seed: number;
  /** This instance's execution segment ("1/2:1") when the test is split across instances. */
  readonly segment: string | null;
  /** Epoch ms at which the timed load phase starts (after login and warm-up). */
  readonly loadStartMs: number;
  readonly login: LoginReport;
  readonly slots: SessionSlot[];
}

const ZERO_SESSION_HINTS = [
  'check the usernames and passwords in the config (users)',
  `check that ${ctx.loginUrl} is reachable from this machine and shows Moodle's login form`,
  'some themes, auth plugins or SSO change the login flow; login_path must point at the form that takes username and password',
];

export function setup(): SetupData {
  const seed = ctx.settings.seed ?? freshSeed();
  // One session per VU k6 created, so no two VUs ever share a Moodle session.
  const sessions = Math.max(ctx.settings.concurrency, exec.instance.vusInitialized);
  const { slots, report, unreachable } = loginSessions(ctx, sessions);
  if (unreachable !== null) {
    exec.test.abort(`${ABORT_SITE_UNREACHABLE}: base_url ${ctx.baseUrl}: ${unreachable}; ${transportHint(unreachable)}`);
  }
  for (const f of report.failedUsers) console.warn(`login failed for user "${f.username}" (${f.sessions} session(s)): ${f.reason}`);
  if (report.loggedIn === 0) {
    exec.test.abort(`${ABORT_NO_SESSION} (0 of ${report.attempted}). ${ZERO_SESSION_HINTS.join('; ')}`);
  }
  const warmup = ctx.settings.warmupSec > 0 ? `warm-up ${ctx.settings.warmupSec} s, then ` : '';
  console.log(`logged in ${report.loggedIn} of ${report.attempted} sessions in ${report.seconds.toFixed(2)} s; ${warmup}load phase of ${ctx.settings.durationSec} s (seed ${seed})`);
  const segment = exec.test.options.executionSegment ? String(exec.test.options.executionSegment) : null;
  return { seed, segment, loadStartMs: Date.now() + ctx.settings.warmupSec * 1000, login: report, slots };
}

// Per-VU state: each VU has its own JS runtime, so these belong to one VU.
let session: VuSession | undefined;
let runner: RequestRunner | undefined;

export default function (data: SetupData): void {
  if (session === undefined || runner === undefined) {
    session = new VuSession(ctx, data.slots[(exec.vu.idInTest - 1) % data.slots.length] as SessionSlot);
    runner = new RequestRunner(ctx);
    if (ctx.settings.emulateBrowser) {
      const view = new PageViewEmulator(ctx, session.username);
      runner.afterPage = view.afterPage.bind(view);
    }
    metrics.loadStart.add(data.loadStartMs);
    metrics.targetRpm.add(ctx.settings.rpm);
  }
  // exec.scenario builds a new object on every access: read it once.
  const scenario = exec.scenario;
  runner.run(session, data.seed, scenario.name === LOAD_SCENARIO ? 'load' : 'warmup', scenario.iterationInTest);
}

export function handleSummary(data: { metrics: K6Metrics; setup_data?: SetupData }): Record<string, string> {
  const setupData = data.setup_data;
  const s = ctx.settings;
  const summary = buildSummary({
    metrics: data.metrics,
    endpoints: ctx.endpoints.map((e) => ({ name: e.name, path: e.template.source, weight: e.weight })),
    targetRpm: s.rpm,
    durationSec: s.durationSec,
    warmupSec: s.warmupSec,
    concurrency: s.concurrency,
    retries: s.retries,
    seed: setupData?.seed ?? s.seed ?? null,
    segment: setupData?.segment ?? null,
    login: setupData?.login,
    loadStartMs: setupData?.loadStartMs,
    nowMs: Date.now(),
    emulateBrowser: s.emulateBrowser,
  });
  const json = JSON.stringify(summary, null, 2) + '\n';
  const out: Record<string, string> = { [s.summaryPath ?? defaultSummaryPath(new Date())]: json };
  if (s.summaryToStdout) out.stdout = json;
  return out;
}
