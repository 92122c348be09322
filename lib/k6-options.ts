// k6 options for a run: the requests-per-minute target becomes k6's constant-arrival-rate
// executor, which starts iterations on schedule whatever the latency (no coordinated
// omission) and counts the ones it cannot start as dropped_iterations.
import type { RunSettings } from './run-settings';
import { ABORT_KINDS, abortSubmetric } from './abort-reasons';
import { LOAD_SCENARIO, summarySubmetrics } from './summary';

/** Login requests in flight at once in setup(): enough to log in 1,000 sessions in seconds,
 *  few enough not to bury a small test site under its own login page. */
export const LOGIN_PARALLELISM = 100;
/** Requests one login may take: GET page, POST, then redirects (see login-flow.ts). */
const LOGIN_REQUESTS = 8;
/** Login waves in setup(): the first round-robin, the second for slots whose user failed. */
const LOGIN_WAVES = 2;
const SLACK_SEC = 30;

export { LOAD_SCENARIO };
export const WARMUP_SCENARIO = 'warmup';

export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'count'];

export function loginParallelism(concurrency: number): number {
  return Math.min(concurrency, LOGIN_PARALLELISM);
}

export function buildK6Options(settings: RunSettings, endpointNames: readonly string[]): Record<string, unknown> {
  const rounds = Math.ceil(settings.concurrency / loginParallelism(settings.concurrency));
  const setupSec = Math.ceil(settings.loginTimeoutSec * LOGIN_REQUESTS * LOGIN_WAVES * rounds) + SLACK_SEC;
  // Submetrics exist in k6 only when a threshold names them; these always pass.
  const thresholds: Record<string, string[]> = {};
  for (const { name, trend } of summarySubmetrics(endpointNames)) thresholds[name] = [trend ? 'max>=0' : 'count>=0'];
  for (const kind of ABORT_KINDS) thresholds[abortSubmetric(kind)] = ['count>=0'];
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
    batch: loginParallelism(settings.concurrency),
    batchPerHost: loginParallelism(settings.concurrency),
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
