// Metric objects of --emulate-browser (names and meaning in lib/browser/view-metric-names.ts).
// Made in this bundle (dist/scenario.js), where the stream state is, and handed to the page-view
// emulator of dist/scenario-browser.js; made only when emulating (k6 makes metrics in init only).
import * as names from '../../lib/browser/view-metric-names';
import { counter, Metric, trend } from './vu-stats';

export interface ViewMetrics {
  readonly views: Metric;
  readonly viewDuration: Metric;
  readonly viewRequests: Metric;
  readonly cacheHits: Metric;
  readonly assetFailures: Metric;
  readonly ajaxCalls: Metric;
  readonly ajaxDuration: Metric;
  readonly ajaxFailures: Metric;
}

export function createViewMetrics(): ViewMetrics {
  return {
    views: counter(names.VIEWS),
    viewDuration: trend(names.VIEW_DURATION, true),
    viewRequests: counter(names.VIEW_REQUESTS),
    cacheHits: counter(names.CACHE_HITS),
    assetFailures: counter(names.ASSET_FAILURES),
    ajaxCalls: counter(names.AJAX_CALLS),
    ajaxDuration: trend(names.AJAX_DURATION, true),
    ajaxFailures: counter(names.AJAX_FAILURES),
  };
}
