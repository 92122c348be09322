// The dashboard's on-load AJAX calls and the reading of service.php's answers. Expected
// requests: what headless Chromium sent for /my/ on the real Moodle 4.5.6 site (2026-11-25),
// with this fixture's own values (midnight, context id, tour id).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ajaxRequestsFor, findContextId, serviceUrl } from '../../lib/browser/ajax-calls';
import { parseAjaxResponse } from '../../lib/browser/ajax-response';
import { findSesskey, stripSesskey } from '../../lib/browser/sesskey';
import { FIXTURES } from '../helpers/paths';

const html = (name: string) => readFileSync(join(FIXTURES, `${name}.html`), 'utf8');

test('dashboard: the calls its blocks, the user tour and the video player make on load, one POST each', () => {
  const dash = html('my-dashboard_loggedin');
  const requests = ajaxRequestsFor({ html: dash, pageUrl: 'http://127.0.0.1:8081/my/', contextId: findContextId(dash) });
  const byInfo = Object.fromEntries(requests.map((r) => [r.info, JSON.parse(r.body)]));
  assert.deepEqual(Object.keys(byInfo).sort(), [
    'block_recentlyaccesseditems_get_recent_items',
    'core_calendar_get_action_events_by_timesort',
    'media_videojs_get_language',
    'tool_usertours_fetch_and_start_tour',
  ]);
  // data-midnight="1795478400", data-days-offset="0", data-days-limit="7"
  assert.deepEqual(byInfo.core_calendar_get_action_events_by_timesort, [
    {
      index: 0,
      methodname: 'core_calendar_get_action_events_by_timesort',
      args: { timesortfrom: 1795478400, limitnum: 6, timesortto: 1795478400 + 7 * 86400, limittononsuspendedevents: true },
    },
  ]);
  assert.deepEqual(byInfo.block_recentlyaccesseditems_get_recent_items, [
    { index: 0, methodname: 'block_recentlyaccesseditems_get_recent_items', args: { limit: 9 } },
  ]);
  assert.deepEqual(byInfo.tool_usertours_fetch_and_start_tour, [
    {
      index: 0,
      methodname: 'tool_usertours_fetch_and_start_tour',
      args: { tourid: '5', context: 16, pageurl: 'http://127.0.0.1:8081/my/' },
    },
  ]);
  assert.deepEqual(byInfo.media_videojs_get_language, [{ index: 0, methodname: 'media_videojs_get_language', args: { lang: 'en' } }]);
  assert.equal(requests.find((r) => r.info === 'media_videojs_get_language')?.onceKey !== null, true);
  assert.equal(requests.find((r) => r.info === 'block_recentlyaccesseditems_get_recent_items')?.onceKey, null);
});

test('a page without those modules makes none of them', () => {
  const profile = html('user-profile-invalid_loggedin');
  const infos = ajaxRequestsFor({ html: profile, pageUrl: 'x', contextId: findContextId(profile) }).map((r) => r.info);
  assert.ok(!infos.includes('core_calendar_get_action_events_by_timesort'));
  assert.ok(!infos.includes('block_recentlyaccesseditems_get_recent_items'));
});

test('the service URL carries the sesskey and the method, as core/ajax writes it', () => {
  assert.equal(serviceUrl('http://h/moodle', 'ab12', 'a_b'), 'http://h/moodle/lib/ajax/service.php?sesskey=ab12&info=a_b');
});

test('sesskey from M.cfg of the captured dashboard; none in a page without M.cfg', () => {
  assert.equal(findSesskey(html('my-dashboard_loggedin')), '4cNxE8uHxf');
  assert.equal(findSesskey('<html>Redirect</html>'), null);
});

test('stripSesskey removes the parameter wherever it is', () => {
  assert.equal(stripSesskey('http://h/lib/ajax/service.php?sesskey=4cNxE8uHxf&info=x'), 'http://h/lib/ajax/service.php?info=x');
  assert.equal(stripSesskey('http://h/login/logout.php?sesskey=4cNxE8uHxf'), 'http://h/login/logout.php');
  assert.equal(stripSesskey('/a?x=1&sesskey=k&y=2'), '/a?x=1&y=2');
  assert.equal(stripSesskey('/a?x=1&sesskey=k'), '/a?x=1');
  assert.equal(stripSesskey('/course/view.php?id=2'), '/course/view.php?id=2');
});

// Shapes of lib/ajax/service.php (Moodle 4.5.6) and core_external\external_api::call_external_function.
test('answers: success, a Moodle exception inside a 200, calls not run after it', () => {
  const body = JSON.stringify([
    { error: false, data: [] },
    {
      error: true,
      exception: {
        message: "Can't find data record in database table external_functions.",
        errorcode: 'invalidrecord',
        link: '',
        moreinfourl: '',
      },
    },
  ]);
  assert.deepEqual(parseAjaxResponse(200, body, 3, '', false), [
    { ok: true },
    { ok: false, reason: 'moodle_exception', error: "invalidrecord: Can't find data record in database table external_functions." },
    { ok: false, reason: 'not_run', error: 'not run: an earlier call of the request failed' },
  ]);
});

test('answers: a dead session or sesskey is session_lost', () => {
  const body = JSON.stringify([
    { error: true, exception: { message: 'Your session has most likely timed out. Please log in again.', errorcode: 'invalidsesskey' } },
  ]);
  assert.deepEqual(parseAjaxResponse(200, body, 1, '', false)[0], {
    ok: false,
    reason: 'session_lost',
    error: 'invalidsesskey: Your session has most likely timed out. Please log in again.',
  });
});

test('answers: a whole-request error object, non-JSON, HTTP errors, no response', () => {
  assert.deepEqual(parseAjaxResponse(200, '{"error":"Invalid json in request","errorcode":"codingerror"}', 2, '', false), [
    { ok: false, reason: 'moodle_exception', error: 'codingerror: Invalid json in request' },
    { ok: false, reason: 'moodle_exception', error: 'codingerror: Invalid json in request' },
  ]);
  assert.equal((parseAjaxResponse(200, '<html>', 1, '', false)[0] as { reason: string }).reason, 'bad_response');
  assert.equal((parseAjaxResponse(503, '', 1, '', false)[0] as { reason: string }).reason, 'http_5xx');
  assert.equal((parseAjaxResponse(404, '', 1, '', false)[0] as { reason: string }).reason, 'http_4xx');
  assert.deepEqual(parseAjaxResponse(0, null, 1, 'dial tcp: connection refused', false)[0], {
    ok: false,
    reason: 'transport',
    error: 'dial tcp: connection refused',
  });
  assert.equal((parseAjaxResponse(0, null, 1, 'request timeout', true)[0] as { reason: string }).reason, 'timeout');
});
