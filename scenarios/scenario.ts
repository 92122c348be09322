// The load scenario: log in one session per VU (setup), request URL templates at the
// target rate (default function), print the summary JSON (handleSummary).
//
//   k6 run -e CONFIG=config.json -e RPM=600 -e DURATION=600 dist/scenario.js
import exec from 'k6/execution';
import http from 'k6/http';
import { buildK6Options } from '../lib/k6-options';
import { classifyResponse, FailureReason, Outcome } from '../lib/outcome';
import { freshSeed } from '../lib/random';
import { defaultSummaryPath } from '../lib/run-settings';
import { buildSummary, LoginReport } from '../lib/summary';
import { loginSessions, SessionSlot } from './k6/login';
import * as metrics from './k6/metrics';
import { loadRunContext } from './k6/run-context';
import { VuSession } from './k6/vu-session';

const ctx = loadRunContext(__ENV);

export const options = buildK6Options(ctx.settings);

/** What setup() hands every VU. `slots` holds session cookies: handleSummary must never print it. */
interface SetupData {
  readonly seed: number;
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
  const { slots, report } = loginSessions(ctx, ctx.settings.concurrency);
  for (const f of report.failedUsers) console.warn(`login failed for user "${f.username}" (${f.sessions} session(s)): ${f.reason}`);
  if (report.loggedIn === 0) {
    exec.test.abort(`no session logged in (0 of ${report.attempted}). ${ZERO_SESSION_HINTS.join('; ')}`);
  }
  console.log(`logged in ${report.loggedIn} of ${report.attempted} sessions in ${report.seconds.toFixed(2)} s; load phase starts (seed ${seed})`);
  return { seed, loadStartMs: Date.now(), login: report, slots };
}

// Per-VU state (each VU has its own JS runtime): its session and per-endpoint tag objects,
// built once so the hot path allocates nothing for tags.
let session: VuSession | undefined;
const successTags = ctx.endpoints.map((e) => ({ endpoint: e.name, outcome: 'success' }));
const failureTags = ctx.endpoints.map((e) => ({ endpoint: e.name, outcome: 'failure' }));
const requestParams = ctx.endpoints.map((e) => ({
  redirects: 0,
  responseType: 'none' as const,
  timeout: `${ctx.settings.requestTimeoutSec}s`,
  tags: { name: e.name, endpoint: e.name, phase: 'load' },
}));

function recordFailure(endpointIndex: number, reason: FailureReason): void {
  const endpoint = ctx.endpoints[endpointIndex]?.name ?? '';
  metrics.requests.add(1, failureTags[endpointIndex]);
  metrics.failures.add(1, { endpoint, reason });
}

export default function (data: SetupData): void {
  if (session === undefined) {
    const slot = data.slots[(exec.vu.idInTest - 1) % data.slots.length] as SessionSlot;
    session = new VuSession(ctx, slot);
    metrics.loadStart.add(data.loadStartMs);
  }
  const planned = ctx.plan.pick(data.seed, exec.scenario.iterationInTest);
  const i = planned.endpointIndex;
  if (!session.ensure()) {
    recordFailure(i, 'no_session');
    return;
  }
  const url = ctx.baseUrl + planned.path;
  const res = http.get(url, requestParams[i]);
  const outcome: Outcome = classifyResponse(res.status, res.headers.Location ?? null, url, ctx.loginPath, res.error_code);
  if (res.status !== 0) metrics.duration.add(res.timings.duration, outcome.ok ? successTags[i] : failureTags[i]);
  if (outcome.ok) {
    metrics.requests.add(1, successTags[i]);
    return;
  }
  recordFailure(i, outcome.reason);
  if (outcome.reason === 'session_lost') session.lost();
}

export function handleSummary(data: { metrics: Record<string, { values: Record<string, number> }>; setup_data?: SetupData }): Record<string, string> {
  const setupData = data.setup_data;
  const summary = buildSummary({
    metrics: data.metrics,
    targetRpm: ctx.settings.rpm,
    durationSec: ctx.settings.durationSec,
    concurrency: ctx.settings.concurrency,
    seed: setupData?.seed ?? ctx.settings.seed ?? null,
    login: setupData?.login,
    loadStartMs: setupData?.loadStartMs,
    nowMs: Date.now(),
  });
  const json = JSON.stringify(summary, null, 2) + '\n';
  const out: Record<string, string> = { [ctx.settings.summaryPath ?? defaultSummaryPath(new Date())]: json };
  if (ctx.settings.summaryToStdout) out.stdout = json;
  return out;
}
