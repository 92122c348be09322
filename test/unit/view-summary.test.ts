// page_views from k6's handleSummary metrics: counts added up as the summary says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildViewSummary, viewSubmetrics } from '../../lib/browser/view-summary';

const c = (count: number) => ({ values: { count } });
const trend = (p50: number) => ({ values: { count: 3, 'p(50)': p50, 'p(95)': p50 * 2, 'p(99)': p50 * 3, avg: p50 } });

test('requests = page attempts + assets + revalidations + AJAX POSTs; methods without calls are left out', () => {
  const m = {
    'moodle_views{outcome:success}': c(3),
    'moodle_views{outcome:failure}': c(1),
    'moodle_views{endpoint:dashboard,outcome:success}': c(3),
    'moodle_views{endpoint:dashboard,outcome:failure}': c(1),
    'moodle_view_duration{outcome:success}': trend(200),
    'moodle_view_requests{kind:asset}': c(11),
    'moodle_view_requests{kind:revalidation}': c(2),
    'moodle_view_requests{kind:ajax}': c(13),
    moodle_cache_hits: c(33),
    'moodle_ajax_calls{method:media_videojs_get_language,outcome:success}': c(1),
    'moodle_ajax_calls{method:block_recentlyaccesseditems_get_recent_items,outcome:success}': c(3),
    'moodle_ajax_calls{method:block_recentlyaccesseditems_get_recent_items,outcome:failure}': c(1),
    'moodle_ajax_failures{method:block_recentlyaccesseditems_get_recent_items,reason:moodle_exception}': c(1),
  };
  const v = buildViewSummary(m, ['dashboard'], 5);
  assert.deepEqual(v.requests, { pages: 5, assets: 11, revalidations: 2, ajax: 13, total: 31 });
  assert.equal(v.total, 4);
  assert.equal(v.cache_hits, 33);
  assert.equal(v.ajax_calls, 5);
  assert.deepEqual(Object.keys(v.ajax).sort(), ['block_recentlyaccesseditems_get_recent_items', 'media_videojs_get_language']);
  assert.equal(v.ajax.block_recentlyaccesseditems_get_recent_items?.failure_reasons.moodle_exception, 1);
  assert.equal(v.latency_ms_p95, 400);
  assert.equal(v.endpoints.dashboard?.failures, 1);
  assert.equal(v.endpoints.dashboard?.latency_ms_p50, null, 'no sample, no figure');
});

test('every submetric read is declared for k6', () => {
  const names = new Set(viewSubmetrics(['dashboard']).map((s) => s.name));
  for (const n of [
    'moodle_views{endpoint:dashboard,outcome:success}',
    'moodle_view_requests{kind:revalidation}',
    'moodle_ajax_failures{method:media_videojs_get_language,reason:not_run}',
    'moodle_cache_hits',
  ])
    assert.ok(names.has(n), n);
});
