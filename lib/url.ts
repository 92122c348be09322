// Just enough URL handling for Moodle redirects; k6's JS runtime has no WHATWG URL.

/** "https://host:8443/moodle/x?y" -> "https://host:8443". */
export function originOf(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(url);
  return m ? (m[1] as string) : '';
}

/** Resolves a Location header against the URL of the request that got it. */
export function resolveLocation(location: string, requestUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  if (location.startsWith('//')) return requestUrl.slice(0, requestUrl.indexOf('//')) + location;
  if (location.startsWith('/')) return originOf(requestUrl) + location;
  const withoutQuery = requestUrl.replace(/[?#].*$/, '');
  return withoutQuery.slice(0, withoutQuery.lastIndexOf('/') + 1) + location;
}

/** The path of a URL without query or fragment: "http://h/login/index.php?x=1" -> "/login/index.php". */
export function pathOf(url: string): string {
  const rest = url.slice(originOf(url).length);
  const path = rest.replace(/[?#].*$/, '');
  return path === '' ? '/' : path;
}

/** The query string of a URL without "?" ("" when none). */
export function queryOf(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const hash = url.indexOf('#', q);
  return url.slice(q + 1, hash < 0 ? undefined : hash);
}

/** The path part of a base URL: "https://h/moodle" -> "/moodle", "https://h" -> "". */
export function basePathOf(baseUrl: string): string {
  return baseUrl.slice(originOf(baseUrl).length).replace(/\/+$/, '');
}
