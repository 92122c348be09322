// k6 options for a run: the requests-per-minute target becomes k6's constant-arrival-rate
// executor, which starts iterations on schedule whatever the latency (no coordinated
// omission) and counts the ones it cannot start as dropped_iterations. Built in the first init
// context only, from dist/scenario-control.js (scenarios/k6/control.ts), which load VUs do not load.
import { viewSubmetrics } from './browser/view-summary';
import { LOGIN_FAILURE_KIND } from './metric-names';
import type { RunSettings } from './run-settings';
import { ABORT_KINDS, abortSubmetric } from './abort-reasons';
import { loginSubmetrics } from './login-report';
import { LOAD_SCENARIO, LOGIN_SCENARIO, loginWindowSec, PROBE_PASSES, probeCandidates, WARMUP_SCENARIO } from './run-phases';
import { summarySubmetrics } from './summary';
import { examMetrics } from './journeys/exam-summary';
import { journeyProgressSubmetrics, journeySubmetrics } from './journeys/journey-summary';
import type { JourneyOutline } from './journeys/journey-types';

/** Connections a browser opens per host (HTTP/1.1): --emulate-browser fetches assets this many at a time. */
export const BROWSER_CONNECTIONS_PER_HOST = 6;
/** Requests one login may take: GET page, POST, then redirects (see login-flow.ts). */
const LOGIN_REQUESTS = 8;
const SLACK_SEC = 30;

export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'count'];

export function buildK6Options(
  settings: RunSettings,
  endpointNames: readonly string[],
  users: number,
  journeys: readonly JourneyOutline[] = [],
): Record<string, unknown> {
  const setupSec = Math.ceil(settings.loginTimeoutSec * LOGIN_REQUESTS * PROBE_PASSES * probeCandidates(settings, users)) + SLACK_SEC;
  // Submetrics exist in k6 only when a threshold names them; these always pass.
  const thresholds: Record<string, string[]> = {};
  const submetrics = settings.emulateBrowser
    ? [...summarySubmetrics(endpointNames), ...viewSubmetrics(endpointNames)]
    : summarySubmetrics(endpointNames);
  submetrics.push(...journeySubmetrics(journeys), ...journeyProgressSubmetrics(journeys).map((name) => ({ name, trend: false })));
  if (settings.examWindowSec > 0) submetrics.push(...examMetrics());
  for (const { name, trend } of submetrics) thresholds[name] = [trend ? 'max>=0' : 'count>=0'];
  for (const kind of ABORT_KINDS) thresholds[abortSubmetric(kind)] = ['count>=0'];
  for (const name of loginSubmetrics(probeCandidates(settings, users)))
    thresholds[name] = name.startsWith(LOGIN_FAILURE_KIND) ? ['value>=-1'] : ['count>=0'];
  const gracefulStop = `${Math.ceil(settings.requestTimeoutSec) + 5}s`;
  const loginSec = loginWindowSec(settings);
  // Each VU logs in its users itself, each in a cookie jar of its own (see user-pool.ts); the
  // closed model's users log in as they arrive, in the load phase.
  const scenarios: Record<string, Record<string, unknown>> = {};
  if (settings.thinkTimeSec === undefined)
    scenarios[LOGIN_SCENARIO] = {
      executor: 'per-vu-iterations',
      exec: 'login',
      vus: settings.concurrency,
      iterations: 1,
      maxDuration: `${loginSec}s`,
      gracefulStop: '0s',
    };
  if (settings.warmupSec > 0) {
    scenarios[WARMUP_SCENARIO] = {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1m',
      stages: [{ duration: `${settings.warmupSec}s`, target: settings.rpm }],
      preAllocatedVUs: settings.concurrency,
      maxVUs: settings.concurrency,
      startTime: `${loginSec}s`,
      // Warm-up requests still running when the timed phase starts are cut off, so the two
      // phases never need more than `concurrency` VUs (= sessions) between them.
      gracefulStop: '0s',
    };
  }
  scenarios[LOAD_SCENARIO] = loadScenario(settings, loginSec, gracefulStop);
  return {
    scenarios,
    setupTimeout: `${setupSec}s`,
    // --emulate-browser fetches a page's assets with http.batch, as a browser does over 6
    // connections per host.
    ...(settings.emulateBrowser ? { batchPerHost: BROWSER_CONNECTIONS_PER_HOST } : {}),
    insecureSkipTLSVerify: settings.insecure,
    // A VU keeps its Moodle session from one iteration (and scenario) to the next.
    noCookiesReset: true,
    // One load request is one Moodle page execution: a 3xx is its final status (login follows
    // its redirects by hand).
    maxRedirects: 0,
    summaryTrendStats: TREND_STATS,
    thresholds,
    // Every default system tag except `url`: the rendered URL would make one time series per
    // course id in any output. Requests carry `name` (the template) instead.
    systemTags: [
      'proto',
      'subproto',
      'status',
      'method',
      'name',
      'group',
      'check',
      'error',
      'error_code',
      'tls_version',
      'scenario',
      'service',
      'expected_response',
    ],
    userAgent: 'moodle-load (k6)',
  };
}

/**
 * The timed phase: the target rate, or in an exam start (--exam-window) one iteration per VU
 * (the first journey, from its moment) within --duration.
 */
function loadScenario(settings: RunSettings, loginSec: number, gracefulStop: string): Record<string, unknown> {
  const startTime = `${loginSec + settings.warmupSec}s`;
  // The closed model: the VUs serve their users' think-time schedules for the whole phase (closed-model.ts).
  if (settings.thinkTimeSec !== undefined)
    return { executor: 'constant-vus', vus: settings.concurrency, duration: `${settings.durationSec}s`, startTime, gracefulStop };
  if (settings.examWindowSec > 0)
    return {
      executor: 'per-vu-iterations',
      vus: settings.concurrency,
      iterations: 1,
      maxDuration: `${settings.durationSec}s`,
      startTime,
      gracefulStop,
    };
  return {
    executor: 'constant-arrival-rate',
    rate: settings.rpm,
    timeUnit: '1m',
    duration: `${settings.durationSec}s`,
    preAllocatedVUs: settings.concurrency,
    maxVUs: settings.concurrency,
    startTime,
    // Let requests started before the end finish (and count) rather than be cut off.
    gracefulStop,
  };
}
