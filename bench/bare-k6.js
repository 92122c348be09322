// The engine's own ceiling, for `make bench`: the same k6 and executor as the scenario, on the
// same real-size page in a logged-in session (each VU logs in once, in its own phase, as the
// scenario does), no templating, no custom metrics. MODE=discard: bodies discarded (k6's
// discardResponseBodies); MODE=strings: every body handed to the script as a string and
// searched once (what reading Moodle's performance footer needs); MODE=bytes: every body handed
// to the script as bytes and its first HEAD_BYTES decoded and searched for <title> (the least a
// check of a 2xx page's content costs in k6, which copies the body for any responseType but none).
// WARMUP=S ramps from 0 to RPM over S seconds first, as moodle-load's --warmup does; only the
// constant phase (`bare`) is counted.
import http from 'k6/http';

const LOGIN_SEC = 3;
const WARMUP_SEC = Number(__ENV.WARMUP || 0);
const strings = __ENV.MODE === 'strings';
const bytes = __ENV.MODE === 'bytes';
/** As lib/outcome.ts's HEAD_BYTES. */
const HEAD_BYTES = 512;
const bytesParams = { responseType: 'binary' };

export const options = {
  scenarios: {
    login: {
      executor: 'per-vu-iterations',
      exec: 'login',
      vus: Number(__ENV.VUS),
      iterations: 1,
      maxDuration: `${LOGIN_SEC}s`,
      gracefulStop: '0s',
    },
    ...(WARMUP_SEC > 0
      ? {
          warmup: {
            executor: 'ramping-arrival-rate',
            startRate: 0,
            timeUnit: '1m',
            stages: [{ duration: `${WARMUP_SEC}s`, target: Number(__ENV.RPM) }],
            preAllocatedVUs: Number(__ENV.VUS),
            maxVUs: Number(__ENV.VUS),
            startTime: `${LOGIN_SEC}s`,
            gracefulStop: '0s',
          },
        }
      : {}),
    bare: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RPM),
      timeUnit: '1m',
      duration: `${__ENV.DURATION}s`,
      preAllocatedVUs: Number(__ENV.VUS),
      maxVUs: Number(__ENV.VUS),
      startTime: `${LOGIN_SEC + WARMUP_SEC}s`,
    },
  },
  discardResponseBodies: !strings && !bytes,
  noCookiesReset: true,
  summaryTrendStats: ['p(50)', 'p(99)', 'count'],
};

export function login() {
  const page = http.get(`${__ENV.BASE}/login/index.php`, { responseType: 'text' });
  const token = /name="logintoken" value="([^"]*)"/.exec(page.body);
  http.post(
    `${__ENV.BASE}/login/index.php`,
    { username: __ENV.USERNAME, password: __ENV.PASSWORD, logintoken: token ? token[1] : '' },
    { responseType: 'none' },
  );
}

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- never read: each search's result goes here, as a real check would use it
let found = 0;
export default function () {
  const res = http.get(__ENV.URL, bytes ? bytesParams : undefined);
  if (strings && res.body.indexOf('performanceinfo') >= 0) found++;
  if (bytes) {
    const body = res.body;
    const head = String.fromCharCode.apply(null, new Uint8Array(body, 0, Math.min(body.byteLength, HEAD_BYTES)));
    if (head.indexOf('<title>') >= 0) found++;
  }
}

export function handleSummary(data) {
  const m = data.metrics;
  const load = m['http_reqs{scenario:bare}'];
  const dur = m['http_req_duration{scenario:bare}'];
  return {
    [__ENV.SUMMARY]: JSON.stringify({
      total: load ? load.values.count : 0,
      dropped_iterations: m['dropped_iterations{scenario:bare}'] ? m['dropped_iterations{scenario:bare}'].values.count : 0,
      ...(WARMUP_SEC > 0
        ? {
            warmup_dropped_iterations: m['dropped_iterations{scenario:warmup}'] ? m['dropped_iterations{scenario:warmup}'].values.count : 0,
          }
        : {}),
      latency_ms_p50: dur ? dur.values['p(50)'] : null,
      latency_ms_p99: dur ? dur.values['p(99)'] : null,
    }),
  };
}

options.thresholds = {
  'http_reqs{scenario:bare}': ['count>=0'],
  'http_req_duration{scenario:bare}': ['max>=0'],
  'dropped_iterations{scenario:bare}': ['count>=0'],
  'dropped_iterations{scenario:warmup}': ['count>=0'],
};
