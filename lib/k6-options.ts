// k6 options for a run: the requests-per-minute target becomes k6's constant-arrival-rate
// executor, which starts iterations on schedule whatever the latency (no coordinated
// omission) and counts the ones it cannot start as dropped_iterations.
import { viewSubmetrics } from './browser/view-summary';
import type { RunSettings } from './run-settings';
import { LOAD_SCENARIO, summarySubmetrics } from './summary';

/** Connections a browser opens per host (HTTP/1.1): --emulate-browser fetches assets this many at a time. */
export const BROWSER_CONNECTIONS_PER_HOST = 6;
/** Requests one login may take: GET page, POST, then redirects (see login-flow.ts). */
const LOGIN_REQUESTS = 8;
/** Login waves in setup(): the first round-robin, the second for slots whose user failed. */
const LOGIN_WAVES = 2;
const SLACK_SEC = 30;

export { LOAD_SCENARIO };
export const WARMUP_SCENARIO = 'warmup';

export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'count'];

/** Logins in flight at once in setup() (--login-concurrency): k6's http.batch limits. */
export function loginParallelism(settings: Pick<RunSettings, 'concurrency' | 'loginConcurrency'>): number {
  return Math.min(settings.concurrency, settings.loginConcurrency);
}

export function buildK6Options(settings: RunSettings, endpointNames: readonly string[]): Record<string, unknown> {
  const perHost = settings.emulateBrowser ? Math.min(loginParallelism(settings), BROWSER_CONNECTIONS_PER_HOST) : loginParallelism(settings);
  const rounds = Math.ceil(settings.concurrency / perHost);
  const setupSec = Math.ceil(settings.loginTimeoutSec * LOGIN_REQUESTS * LOGIN_WAVES * rounds) + SLACK_SEC;
  // Submetrics exist in k6 only when a threshold names them; these always pass.
  const thresholds: Record<string, string[]> = {};
  const submetrics = settings.emulateBrowser ? [...summarySubmetrics(endpointNames), ...viewSubmetrics(endpointNames)] : summarySubmetrics(endpointNames);
  for (const { name, trend } of submetrics) thresholds[name] = [trend ? 'max>=0' : 'count>=0'];
  const gracefulStop = `${Math.ceil(settings.requestTimeoutSec) + 5}s`;
  const scenarios: Record<string, Record<string, unknown>> = {};
  if (settings.warmupSec > 0) {
    scenarios[WARMUP_SCENARIO] = {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1m',
      stages: [{ duration: `${settings.warmupSec}s`, target: settings.rpm }],
      preAllocatedVUs: settings.concurrency,
      maxVUs: settings.concurrency,
      // Warm-up requests still running when the timed phase starts are cut off, so the two
      // phases never need more than `concurrency` VUs (= sessions) between them.
      gracefulStop: '0s',
    };
  }
  scenarios[LOAD_SCENARIO] = {
    executor: 'constant-arrival-rate',
    rate: settings.rpm,
    timeUnit: '1m',
    duration: `${settings.durationSec}s`,
    preAllocatedVUs: settings.concurrency,
    maxVUs: settings.concurrency,
    startTime: `${settings.warmupSec}s`,
    // Let requests started before the end finish (and count) rather than be cut off.
    gracefulStop,
  };
  return {
    scenarios,
    setupTimeout: `${setupSec}s`,
    // One limit serves setup()'s logins and, with --emulate-browser, a page's assets, which a
    // browser fetches over 6 connections per host: then logins are at most 6 in flight too.
    batch: Math.max(loginParallelism(settings), settings.emulateBrowser ? BROWSER_CONNECTIONS_PER_HOST : 1),
    batchPerHost: perHost,
    insecureSkipTLSVerify: settings.insecure,
    // A VU keeps its Moodle session from one iteration to the next.
    noCookiesReset: true,
    // One load request is one Moodle page execution: a 3xx is its final status (login follows
    // its redirects by hand).
    maxRedirects: 0,
    summaryTrendStats: TREND_STATS,
    thresholds,
    // Every default system tag except `url`: the rendered URL would make one time series per
    // course id in any output. Requests carry `name` (the template) instead.
    systemTags: ['proto', 'subproto', 'status', 'method', 'name', 'group', 'check', 'error', 'error_code', 'tls_version', 'scenario', 'service', 'expected_response'],
    userAgent: 'moodle-load (k6)',
  };
}
