// Metric objects of --emulate-browser (names and meaning in lib/browser/view-metric-names.ts).
import * as names from '../../lib/browser/view-metric-names';
import { counter, trend } from './vu-stats';

export const views = counter(names.VIEWS);
export const viewDuration = trend(names.VIEW_DURATION, true);
export const viewRequests = counter(names.VIEW_REQUESTS);
export const cacheHits = counter(names.CACHE_HITS);
export const assetFailures = counter(names.ASSET_FAILURES);
export const ajaxCalls = counter(names.AJAX_CALLS);
export const ajaxDuration = trend(names.AJAX_DURATION, true);
export const ajaxFailures = counter(names.AJAX_FAILURES);
