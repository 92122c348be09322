// The summary's `page_views` (present with --emulate-browser): whole page views (page +
// assets + AJAX) apart from the HTML-page figures, the requests they made, and per-method
// AJAX figures. Load phase only, like the rest of the summary.
import { submetric } from '../metric-names';
import { countOf as count, Metrics, trendOf as trend } from '../metric-values';
import { AJAX_METHODS } from './ajax-calls';
import { AJAX_FAILURE_REASONS, AjaxFailureReason } from './ajax-response';
import {
  AJAX_CALLS,
  AJAX_DURATION,
  AJAX_FAILURES,
  ASSET_FAILURE_REASONS,
  ASSET_FAILURES,
  CACHE_HITS,
  VIEW_DURATION,
  VIEW_REQUEST_KINDS,
  VIEW_REQUESTS,
  VIEWS,
} from './view-metric-names';

export interface ViewLatency {
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
  latency_ms_p99: number | null;
}

export interface AjaxMethodSummary extends ViewLatency {
  calls: number;
  success: number;
  failures: number;
  failure_reasons: Record<AjaxFailureReason, number>;
}

export interface ViewSummary extends ViewLatency {
  /** Page views: one per page request done (after retries), whatever its parts. */
  total: number;
  success: number;
  failures: number;
  latency_ms_mean: number | null;
  /** HTTP requests the load phase sent: page attempts, assets fetched, revalidations (conditional GETs), AJAX POSTs. */
  requests: { pages: number; assets: number; revalidations: number; ajax: number; total: number };
  /** Assets the VU's cache held fresh, so no request was sent. */
  cache_hits: number;
  /** AJAX calls made (a POST may carry several). */
  ajax_calls: number;
  asset_failures: Record<string, number>;
  endpoints: Record<string, ViewLatency & { total: number; success: number; failures: number }>;
  ajax: Record<string, AjaxMethodSummary>;
}

function latency(m: Metrics, name: string): ViewLatency {
  return { latency_ms_p50: trend(m, name, 'p(50)'), latency_ms_p95: trend(m, name, 'p(95)'), latency_ms_p99: trend(m, name, 'p(99)') };
}

/** `pageAttempts`: the summary's load attempts (pages sent, retries included). */
export function buildViewSummary(m: Metrics, endpointNames: readonly string[], pageAttempts: number): ViewSummary {
  const success = count(m, submetric(VIEWS, 'outcome', 'success'));
  const failures = count(m, submetric(VIEWS, 'outcome', 'failure'));
  const kind = (k: string) => count(m, submetric(VIEW_REQUESTS, 'kind', k));
  const [assets, revalidations, ajax] = [kind('asset'), kind('revalidation'), kind('ajax')];
  const endpoints: ViewSummary['endpoints'] = {};
  for (const e of endpointNames) {
    const ok = count(m, submetric(VIEWS, 'endpoint', e, 'outcome', 'success'));
    const failed = count(m, submetric(VIEWS, 'endpoint', e, 'outcome', 'failure'));
    endpoints[e] = {
      total: ok + failed,
      success: ok,
      failures: failed,
      ...latency(m, submetric(VIEW_DURATION, 'endpoint', e, 'outcome', 'success')),
    };
  }
  const ajaxFigures: ViewSummary['ajax'] = {};
  let ajaxCalls = 0;
  for (const method of AJAX_METHODS) {
    const ok = count(m, submetric(AJAX_CALLS, 'method', method, 'outcome', 'success'));
    const failed = count(m, submetric(AJAX_CALLS, 'method', method, 'outcome', 'failure'));
    ajaxCalls += ok + failed;
    if (ok + failed === 0) continue;
    const reasons = {} as Record<AjaxFailureReason, number>;
    for (const r of AJAX_FAILURE_REASONS) reasons[r] = count(m, submetric(AJAX_FAILURES, 'method', method, 'reason', r));
    ajaxFigures[method] = {
      calls: ok + failed,
      success: ok,
      failures: failed,
      failure_reasons: reasons,
      ...latency(m, submetric(AJAX_DURATION, 'method', method, 'outcome', 'success')),
    };
  }
  const assetFailures: Record<string, number> = {};
  for (const r of ASSET_FAILURE_REASONS) assetFailures[r] = count(m, submetric(ASSET_FAILURES, 'reason', r));
  const ok = submetric(VIEW_DURATION, 'outcome', 'success');
  return {
    total: success + failures,
    success,
    failures,
    ...latency(m, ok),
    latency_ms_mean: trend(m, ok, 'avg'),
    requests: { pages: pageAttempts, assets, revalidations, ajax, total: pageAttempts + assets + revalidations + ajax },
    cache_hits: count(m, CACHE_HITS),
    ajax_calls: ajaxCalls,
    asset_failures: assetFailures,
    endpoints,
    ajax: ajaxFigures,
  };
}

/** Submetrics buildViewSummary reads (k6 keeps them only when a threshold names them). */
export function viewSubmetrics(endpointNames: readonly string[]): { name: string; trend: boolean }[] {
  const c = (name: string) => ({ name, trend: false });
  const t = (name: string) => ({ name, trend: true });
  const out = [
    c(submetric(VIEWS, 'outcome', 'success')),
    c(submetric(VIEWS, 'outcome', 'failure')),
    t(submetric(VIEW_DURATION, 'outcome', 'success')),
    c(CACHE_HITS),
  ];
  for (const k of VIEW_REQUEST_KINDS) out.push(c(submetric(VIEW_REQUESTS, 'kind', k)));
  for (const r of ASSET_FAILURE_REASONS) out.push(c(submetric(ASSET_FAILURES, 'reason', r)));
  for (const e of endpointNames) {
    out.push(
      c(submetric(VIEWS, 'endpoint', e, 'outcome', 'success')),
      c(submetric(VIEWS, 'endpoint', e, 'outcome', 'failure')),
      t(submetric(VIEW_DURATION, 'endpoint', e, 'outcome', 'success')),
    );
  }
  for (const method of AJAX_METHODS) {
    out.push(
      c(submetric(AJAX_CALLS, 'method', method, 'outcome', 'success')),
      c(submetric(AJAX_CALLS, 'method', method, 'outcome', 'failure')),
      t(submetric(AJAX_DURATION, 'method', method, 'outcome', 'success')),
    );
    for (const r of AJAX_FAILURE_REASONS) out.push(c(submetric(AJAX_FAILURES, 'method', method, 'reason', r)));
  }
  return out;
}
