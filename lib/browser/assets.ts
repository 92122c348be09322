// The same-origin assets a browser fetches while parsing a Moodle page: <script src>,
// stylesheets and icons (<link rel=... href>) and <img src>. Moodle writes them as absolute
// URLs under wwwroot (theme/styles.php, lib/javascript.php, theme/yui_combo.php,
// theme/image.php, pluginfile.php); other origins (CDNs) are left out: the site under test
// does not serve them. Plus what RequireJS loads first, named in the page's `var require`
// config: core/first.js (Moodle's bundle of AMD modules) and jQuery. What else JavaScript or
// CSS loads (fonts, images of rendered templates) is not in the HTML (see docs/browser-emulation.md).

/** One regex over the page: tag name, then the attributes up to the tag's end. */
const TAG = /<(script|link|img)\b([^>]*)>/gi;
const SRC = /\bsrc\s*=\s*["']([^"']+)["']/i;
const HREF = /\bhref\s*=\s*["']([^"']+)["']/i;
const REL = /\brel\s*=\s*["']([^"']+)["']/i;
/** <link rel> values a browser fetches while loading the page. */
const FETCHED_RELS = /(?:^|\s)(?:stylesheet|icon|modulepreload)(?:\s|$)/i;

function decodeEntities(url: string): string {
  return url.indexOf('&') < 0 ? url : url.replace(/&amp;/g, '&').replace(/&#0*38;/g, '&');
}

/**
 * Absolute URL of `ref` when it is on `origin` ("http://host:port", no trailing slash), else
 * null. Relative references resolve against `pageUrl`'s site (root-relative only: Moodle
 * writes no path-relative asset URLs).
 */
export function sameOriginUrl(ref: string, origin: string): string | null {
  const url = decodeEntities(ref.trim());
  const hash = url.indexOf('#');
  const clean = hash < 0 ? url : url.slice(0, hash);
  if (clean === '') return null;
  if (clean.startsWith('//')) return sameOriginUrl(origin.slice(0, origin.indexOf('//')) + clean, origin);
  if (clean.startsWith('/')) return origin + clean;
  if (clean.startsWith(origin) && (clean.length === origin.length || clean[origin.length] === '/' || clean[origin.length] === '?'))
    return clean;
  return null;
}

/** Asset URLs of a page, first occurrence order, without duplicates or excluded ones. */
export function extractAssets(html: string, origin: string, exclude: RegExp | null): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m !== null; m = TAG.exec(html)) {
    const tag = (m[1] as string).toLowerCase();
    const attrs = m[2] as string;
    let ref: string | undefined;
    if (tag === 'link') {
      const rel = REL.exec(attrs)?.[1];
      if (rel === undefined || !FETCHED_RELS.test(rel)) continue;
      ref = HREF.exec(attrs)?.[1];
    } else ref = SRC.exec(attrs)?.[1];
    if (ref === undefined) continue;
    const url = sameOriginUrl(ref, origin);
    if (url === null || seen.has(url) || (exclude !== null && exclude.test(url))) continue;
    seen.add(url);
    out.push(url);
  }
  for (const url of requireJsAssets(html, origin)) {
    if (seen.has(url) || (exclude !== null && exclude.test(url))) continue;
    seen.add(url);
    out.push(url);
  }
  return out;
}

const REQUIRE_BASE = /var require = \{\s*baseUrl\s*:\s*'([^']+)'/;
const REQUIRE_PATH = (name: string) => new RegExp(`\\b${name}\\s*:\\s*'([^']+)'`);
const JQUERY = REQUIRE_PATH('jquery');
const JQUERY_PRIVATE = REQUIRE_PATH('jqueryprivate');

/**
 * What RequireJS fetches to run the page's require(['core/first']): the bundle from baseUrl,
 * jquery-private and jQuery (paths of the config; RequireJS adds ".js").
 */
export function requireJsAssets(html: string, origin: string): string[] {
  const base = REQUIRE_BASE.exec(html)?.[1];
  if (base === undefined || html.indexOf("require(['core/first']") < 0) return [];
  const out: string[] = [];
  for (const ref of [`${base}core/first.js`, `${JQUERY_PRIVATE.exec(html)?.[1] ?? ''}.js`, `${JQUERY.exec(html)?.[1] ?? ''}.js`]) {
    const url = ref === '.js' ? null : sameOriginUrl(ref, origin);
    if (url !== null) out.push(url);
  }
  return out;
}

/** "http://host:port" of a base URL ("http://host:port/moodle"). */
export function originOf(baseUrl: string): string {
  const m = /^(https?:\/\/[^/?#]+)/i.exec(baseUrl);
  return m ? (m[1] as string) : baseUrl;
}
