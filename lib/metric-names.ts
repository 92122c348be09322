// Names of the metrics the scenario emits; the summary and the CLI's progress read them back.
// All carry the tag `endpoint` (the URL entry's name) and never the rendered URL, so outputs
// get one series per endpoint, not one per course id.

/** Counter: load requests done, tagged endpoint and outcome ("success" | "failure"). */
export const REQUESTS = 'moodle_reqs';
/** Counter: failed load requests, tagged endpoint and reason (see outcome.ts). */
export const FAILURES = 'moodle_failures';
/** Trend (ms): duration of every load request that got a response, tagged endpoint and outcome. */
export const DURATION = 'moodle_req_duration';
/** Counter: logins a VU did during the load phase after losing its session, tagged outcome. */
export const RELOGINS = 'moodle_relogins';
/** Gauge: epoch milliseconds at which the load phase started (set once per VU). */
export const LOAD_START = 'moodle_load_start';
/** k6's own counter of iterations it could not start because every VU was busy. */
export const DROPPED = 'dropped_iterations';

export function submetric(metric: string, tag: string, value: string): string {
  return `${metric}{${tag}:${value}}`;
}
