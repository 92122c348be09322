// The engine's own ceiling, for `make bench`: the same k6 and executor as the scenario, one
// fixed URL, no login, no templating, no custom metrics, bodies discarded.
import http from 'k6/http';

export const options = {
  scenarios: {
    bare: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RPM),
      timeUnit: '1m',
      duration: `${__ENV.DURATION}s`,
      preAllocatedVUs: Number(__ENV.VUS),
      maxVUs: Number(__ENV.VUS),
    },
  },
  discardResponseBodies: true,
  summaryTrendStats: ['p(50)', 'p(99)', 'count'],
};

export default function () {
  http.get(__ENV.URL);
}

export function handleSummary(data) {
  const m = data.metrics;
  return {
    [__ENV.SUMMARY]: JSON.stringify({
      total: m.http_reqs ? m.http_reqs.values.count : 0,
      dropped_iterations: m.dropped_iterations ? m.dropped_iterations.values.count : 0,
      latency_ms_p50: m.http_req_duration ? m.http_req_duration.values['p(50)'] : null,
      latency_ms_p99: m.http_req_duration ? m.http_req_duration.values['p(99)'] : null,
      elapsed_sec: data.state.testRunDurationMs / 1000,
    }),
  };
}
