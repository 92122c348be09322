// What each kind of response costs a Moodle 4.5.6 server, as its performance footer reports it:
// the median DB reads and writes per request, files included, memory and get_string calls.
// Medians marked "measured" come from a real site under load (20 sessions, 600 requests/min:
// course view 33, page 32-33, forum 80-81, dashboard 42, profile 51 reads; writes 0..3), or
// from the footers in fixtures/moodle-4.5.6; the others are plausible values, not measurements.

/** The kinds of response the simulator serves; `--regress` names the first eight. */
export const PAGE_TYPES = ['login', 'dashboard', 'course', 'forum', 'page', 'profile', 'enrol', 'front', 'redirect', 'error'] as const;
export type PageType = (typeof PAGE_TYPES)[number];

export interface PageFigures {
  /** Median DB reads per request. */
  readonly reads: number;
  /** DB writes of a request that updates neither the session nor lastaccess (a log store row on views). */
  readonly writes: number;
  readonly files: number;
  readonly ramMb: number;
  readonly ramPeakMb: number;
  readonly strings: number;
}

export const PAGE_FIGURES: Readonly<Record<PageType, PageFigures>> = {
  login: { reads: 12, writes: 0, files: 190, ramMb: 4.2, ramPeakMb: 5.0, strings: 120 },
  dashboard: { reads: 42, writes: 1, files: 640, ramMb: 7.4, ramPeakMb: 8.6, strings: 820 }, // reads measured
  course: { reads: 33, writes: 1, files: 620, ramMb: 7.1, ramPeakMb: 8.1, strings: 707 }, // measured (footer of the captured course page)
  forum: { reads: 80, writes: 1, files: 600, ramMb: 7.3, ramPeakMb: 8.4, strings: 760 }, // reads measured
  page: { reads: 32, writes: 1, files: 560, ramMb: 6.8, ramPeakMb: 7.8, strings: 640 }, // reads measured
  profile: { reads: 51, writes: 1, files: 580, ramMb: 6.9, ramPeakMb: 7.9, strings: 610 }, // reads measured
  enrol: { reads: 51, writes: 0, files: 450, ramMb: 5.0, ramPeakMb: 5.9, strings: 260 }, // reads measured on the test site (51 when warm)
  front: { reads: 15, writes: 0, files: 400, ramMb: 4.9, ramPeakMb: 5.7, strings: 230 },
  redirect: { reads: 11, writes: 0, files: 189, ramMb: 1.9, ramPeakMb: 2.9, strings: 13 }, // measured (captured 303 to /enrol/)
  error: { reads: 20, writes: 0, files: 468, ramMb: 4.3, ramPeakMb: 5.1, strings: 237 }, // measured (captured 404 page)
};

/** The page type a request path asks for (what `--regress` and setExtraDbReads name), or null. */
export function pageTypeOfPath(path: string): PageType | null {
  switch (path) {
    case '/login/index.php':
      return 'login';
    case '/my/':
    case '/my/index.php':
      return 'dashboard';
    case '/course/view.php':
      return 'course';
    case '/mod/forum/view.php':
      return 'forum';
    case '/mod/page/view.php':
      return 'page';
    case '/user/profile.php':
      return 'profile';
    case '/enrol/index.php':
      return 'enrol';
    case '/':
      return 'front';
    default:
      return null;
  }
}

/** A planted regression: this page type does more DB reads and/or takes longer. */
export interface Regression {
  readonly reads: number;
  readonly ms: number;
}

/** Page types a regression can be planted on: the pages, not redirects or error pages. */
export const REGRESSABLE: readonly PageType[] = PAGE_TYPES.filter((t) => t !== 'redirect' && t !== 'error');

/**
 * Parses `--regress PAGE:reads=+N,ms=+M` (either key or both; the plus sign is optional).
 * Throws an Error with a one-line message naming what is wrong.
 */
export function parseRegression(spec: string): [PageType, Regression] {
  const bad = (why: string): never => {
    throw new Error(`--regress ${JSON.stringify(spec)}: ${why}`);
  };
  const colon = spec.indexOf(':');
  if (colon < 0) bad('expected PAGE:reads=+N,ms=+M, e.g. course:reads=+2,ms=+25');
  const page = spec.slice(0, colon) as PageType;
  if (!REGRESSABLE.includes(page)) bad(`unknown page type "${page}" (one of ${REGRESSABLE.join(', ')})`);
  const out = { reads: 0, ms: 0 };
  const seen = new Set<string>();
  for (const part of spec.slice(colon + 1).split(',')) {
    const m = /^(reads|ms)=\+?(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (!m) bad(`"${part}" must be reads=+N (whole number) or ms=+M (milliseconds >= 0)`);
    const [, key, value] = m as RegExpExecArray;
    if (seen.has(key as string)) bad(`${key} given twice`);
    seen.add(key as string);
    const n = Number(value);
    if (key === 'reads' && !Number.isInteger(n)) bad(`reads must be a whole number, not ${value}`);
    out[key as 'reads' | 'ms'] = n;
  }
  return [page, out];
}
