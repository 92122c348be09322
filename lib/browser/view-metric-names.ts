// Metrics of --emulate-browser (load phase only). Tags are fixed sets (endpoint names, the
// AJAX method table), never URLs.

/** Counter: page views (page + assets + AJAX), tagged endpoint and outcome. */
export const VIEWS = 'moodle_views';
/** Trend (ms): a page view from the page request until its last part arrived, tagged endpoint and outcome. */
export const VIEW_DURATION = 'moodle_view_duration';
/** Counter: HTTP requests a view sent besides the page, tagged kind: asset, revalidation (conditional GET), ajax (one POST). */
export const VIEW_REQUESTS = 'moodle_view_requests';
/** Counter: assets the page needed that the VU's cache held fresh (no request). */
export const CACHE_HITS = 'moodle_cache_hits';
/** Counter: assets that failed, tagged reason. */
export const ASSET_FAILURES = 'moodle_asset_failures';
/** Counter: AJAX calls (one per method in a POST), tagged method and outcome. */
export const AJAX_CALLS = 'moodle_ajax_calls';
/** Trend (ms): duration of the POST that carried each call, tagged method and outcome. */
export const AJAX_DURATION = 'moodle_ajax_duration';
/** Counter: failed AJAX calls, tagged method and reason (ajax-response.ts). */
export const AJAX_FAILURES = 'moodle_ajax_failures';

export const VIEW_REQUEST_KINDS = ['asset', 'revalidation', 'ajax'] as const;
export type ViewRequestKind = (typeof VIEW_REQUEST_KINDS)[number];
export const ASSET_FAILURE_REASONS = ['http_4xx', 'http_5xx', 'http_other', 'timeout', 'transport'] as const;
