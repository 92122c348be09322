// k6 metric objects of --emulate-browser (names and meaning in lib/browser/view-metric-names.ts).
import { Counter, Trend } from 'k6/metrics';
import * as names from '../../lib/browser/view-metric-names';

export const views = new Counter(names.VIEWS);
export const viewDuration = new Trend(names.VIEW_DURATION, true);
export const viewRequests = new Counter(names.VIEW_REQUESTS);
export const cacheHits = new Counter(names.CACHE_HITS);
export const assetFailures = new Counter(names.ASSET_FAILURES);
export const ajaxCalls = new Counter(names.AJAX_CALLS);
export const ajaxDuration = new Trend(names.AJAX_DURATION, true);
export const ajaxFailures = new Counter(names.AJAX_FAILURES);
