// The web-service calls a Moodle 4.5 page's own JavaScript makes as soon as it loads, found
// by the AMD module the page requires, with the arguments that module reads from the page
// (data attributes, M.cfg). Each entry is one Ajax.call() of Moodle's core/ajax, i.e. one
// POST /lib/ajax/service.php?sesskey=...&info=<methods> whose body is the JSON array
// [{index, methodname, args}] (lib/amd/src/ajax.js). Sources, Moodle 4.5.6:
//   blocks/timeline/amd/src/event_list.js + calendar_events_repository.js (queryByTime, first
//     load asks for 5 + 1 events from the user's midnight + days-offset to + days-limit);
//   blocks/recentlyaccesseditems/amd/src/main.js (NUM_ITEMS = 9);
//   admin/tool/usertours/amd/src/usertours.js (init with startTour: fetchTour; the tour id
//     as the page gives it, a string);
//   media/player/videojs/amd/src/loader.js (the player's strings, kept in the browser's
//     localStorage afterwards: once per VU).
// Checked against headless Chromium on the real site (test/moodle/browser.test.ts).
// Calls that run only on a click (opening the notification popover or the message drawer)
// are not made: a page view is what a user who only looks at the page causes.

export interface AjaxCall {
  readonly methodname: string;
  readonly args: Readonly<Record<string, unknown>>;
}

export interface AjaxRequest {
  /** The `info` URL parameter: method names, sorted and joined by commas (ajax.js). */
  readonly info: string;
  /** Made once per browser (the answer is kept in localStorage): the key to remember it by. */
  readonly onceKey: string | null;
  readonly methods: readonly string[];
  /** JSON body as core/ajax sends it. */
  readonly body: string;
}

/** What a rule reads from the page. */
export interface PageFacts {
  readonly html: string;
  readonly pageUrl: string;
  readonly contextId: number | null;
}

interface Rule {
  /** The AMD module whose presence in the page's requires means the calls are made. */
  readonly module: string;
  readonly methods: readonly string[];
  readonly build: (page: PageFacts) => AjaxCall[] | null;
  /** The answer goes to localStorage: later page views of the same browser do not ask again. */
  readonly once?: boolean;
}

const SECONDS_IN_DAY = 86400;
/** block_timeline's DEFAULT_LAZY_LOADING_ITEMS_FIRST_LOAD, plus the one it adds to see if there are more. */
const TIMELINE_FIRST_LOAD_LIMIT = 5 + 1;
/** block_recentlyaccesseditems main.js NUM_ITEMS. */
const RECENT_ITEMS = 9;

const MIDNIGHT = /data-midnight="(-?\d+)"/;
const DAYS_OFFSET = /data-days-offset="(-?\d+)"/;
const DAYS_LIMIT = /data-days-limit="(-?\d+)"/;

function intAttr(html: string, re: RegExp): number | null {
  const m = re.exec(html);
  return m ? Number(m[1]) : null;
}

const RULES: readonly Rule[] = [
  {
    module: 'block_timeline/main',
    methods: ['core_calendar_get_action_events_by_timesort'],
    build: (p) => {
      // The "sort by dates" view is the default one; its data attributes give the window.
      const midnight = intAttr(p.html, MIDNIGHT);
      if (midnight === null) return null;
      const offset = intAttr(p.html, DAYS_OFFSET) ?? 0;
      const limit = intAttr(p.html, DAYS_LIMIT);
      const args: Record<string, unknown> = { timesortfrom: midnight + offset * SECONDS_IN_DAY, limitnum: TIMELINE_FIRST_LOAD_LIMIT };
      if (limit !== null) args.timesortto = midnight + limit * SECONDS_IN_DAY;
      args.limittononsuspendedevents = true;
      return [{ methodname: 'core_calendar_get_action_events_by_timesort', args }];
    },
  },
  {
    module: 'block_recentlyaccesseditems/main',
    methods: ['block_recentlyaccesseditems_get_recent_items'],
    build: () => [{ methodname: 'block_recentlyaccesseditems_get_recent_items', args: { limit: RECENT_ITEMS } }],
  },
  {
    module: 'tool_usertours/usertours',
    methods: ['tool_usertours_fetch_and_start_tour'],
    build: (p) => {
      // amd.init([{"tourId":"5","startTour":true,...}]): a tour to start on this page.
      const m = /"tourId":("?)(\d+)"?,"startTour":true/.exec(p.html);
      if (m === null || p.contextId === null) return null;
      const tourid = m[1] === '"' ? (m[2] as string) : Number(m[2]);
      return [{ methodname: 'tool_usertours_fetch_and_start_tour', args: { tourid, context: p.contextId, pageurl: p.pageUrl } }];
    },
  },
  {
    module: 'media_videojs/loader',
    methods: ['media_videojs_get_language'],
    once: true,
    build: (p) => [{ methodname: 'media_videojs_get_language', args: { lang: /"language":"([^"]+)"/.exec(p.html)?.[1] ?? 'en' } }],
  },
];

/** Every method emulation can call: the tag values of the per-method figures. */
export const AJAX_METHODS: readonly string[] = RULES.flatMap((r) => r.methods);

/** One request per Ajax.call the page makes on load, in the order the page requires them. */
export function ajaxRequestsFor(page: PageFacts): AjaxRequest[] {
  const found: { at: number; request: AjaxRequest }[] = [];
  for (const rule of RULES) {
    const at = page.html.indexOf(`'${rule.module}'`);
    const at2 = at >= 0 ? at : page.html.indexOf(`"${rule.module}"`);
    if (at2 < 0) continue;
    const calls = rule.build(page);
    if (calls === null || calls.length === 0) continue;
    const methods = calls.map((c) => c.methodname);
    const body = JSON.stringify(calls.map((c, index) => ({ index, methodname: c.methodname, args: c.args })));
    found.push({ at: at2, request: { info: [...methods].sort().join(), onceKey: rule.once ? body : null, methods, body } });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.request);
}

/** M.cfg.contextid of the page, or null. */
export function findContextId(html: string): number | null {
  const m = /"contextid":(\d+)/.exec(html);
  return m ? Number(m[1]) : null;
}

/** The service URL core/ajax posts to. */
export function serviceUrl(baseUrl: string, sesskey: string, info: string): string {
  return `${baseUrl}/lib/ajax/service.php?sesskey=${encodeURIComponent(sesskey)}&info=${info}`;
}
