// What --emulate-browser asks of the simulator besides pages: the assets the captured pages
// reference (theme/styles.php, lib/javascript.php, theme/yui_combo.php, theme/image.php)
// with Moodle's cache headers for revisioned URLs (90 days, immutable, and a validator), and
// /lib/ajax/service.php answering as Moodle does: 200 with one {error, data | exception} per
// call, stopping at the first failure.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './read-request';

/** Cache lifetime Moodle 4.5 sends for revisioned theme and JavaScript files (90 days, as the real site answers). */
const ASSET_LIFETIME_SEC = 60 * 60 * 24 * 90;
const ASSET_PATHS = /^\/(?:theme\/styles\.php|theme\/yui_combo\.php|theme\/image\.php|lib\/javascript\.php|lib\/requirejs\.php)(?:\/|$)/;
const ASSET_ETAG = '"sim-asset-1"';
/** Methods the simulator knows; any other answers Moodle's "no such function" exception. */
const KNOWN_METHODS = new Set([
  'core_calendar_get_action_events_by_timesort',
  'block_recentlyaccesseditems_get_recent_items',
  'tool_usertours_fetch_and_start_tour',
  'media_videojs_get_language',
]);

/** Methods answered with a Moodle exception, for tests of failed calls (failAjaxMethods). */
const failing = new Set<string>();

/** From now on these methods fail as Moodle fails an unknown one (an empty list: none fail). */
export function failAjaxMethods(methods: readonly string[]): void {
  failing.clear();
  for (const m of methods) failing.add(m);
}

export interface BrowserSession {
  readonly loggedIn: boolean;
  readonly sesskey: string;
}

function exception(
  message: string,
  errorcode: string,
): { error: true; exception: { message: string; errorcode: string; link: string; moreinfourl: string } } {
  return { error: true, exception: { message, errorcode, link: '', moreinfourl: '' } };
}

/** Answers the request and returns true when it is an asset or an AJAX call; false otherwise. */
export async function serveBrowserPart(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  session: BrowserSession,
): Promise<boolean> {
  if (ASSET_PATHS.test(path)) {
    if (req.headers['if-none-match'] === ASSET_ETAG) {
      res.writeHead(304, { ETag: ASSET_ETAG, 'Cache-Control': `public, max-age=${ASSET_LIFETIME_SEC}, immutable` }).end();
      return true;
    }
    const type =
      path.includes('styles.php') || path.endsWith('.css')
        ? 'text/css'
        : path.includes('image.php')
          ? 'image/svg+xml'
          : 'application/javascript';
    res.writeHead(200, {
      'Content-Type': type,
      'Cache-Control': `public, max-age=${ASSET_LIFETIME_SEC}, immutable`,
      Expires: new Date(Date.now() + ASSET_LIFETIME_SEC * 1000).toUTCString(),
      'Last-Modified': new Date(0).toUTCString(),
      ETag: ASSET_ETAG,
    });
    res.end(`/* ${path} */`);
    return true;
  }
  if (path !== '/lib/ajax/service.php') return false;
  const text = req.method === 'POST' ? await readBody(req) : '';
  let calls: { index?: number; methodname?: string }[];
  try {
    calls = JSON.parse(text) as typeof calls;
    if (!Array.isArray(calls)) throw new Error('not an array');
  } catch {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        error: 'Coding error detected, it must be fixed by a programmer: Invalid json in request: Syntax error',
        errorcode: 'codingerror',
      }),
    );
    return true;
  }
  const out: unknown[] = [];
  for (const call of calls) {
    const reply = !session.loggedIn
      ? exception('Course or activity not accessible. (You are not logged in)', 'requireloginerror')
      : query.get('sesskey') !== session.sesskey
        ? exception('Your session has most likely timed out. Please log in again.', 'invalidsesskey')
        : !KNOWN_METHODS.has(call.methodname ?? '') || failing.has(call.methodname ?? '')
          ? exception(`Can't find data record in database table external_functions.`, 'invalidrecord')
          : { error: false, data: {} };
    out[call.index ?? out.length] = reply;
    // service.php stops at the first failed call when the request carries a session.
    if (reply.error) break;
  }
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(out));
  return true;
}
