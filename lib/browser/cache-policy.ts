// A private (browser) HTTP cache's decisions for one response, after RFC 9111: how long it
// stays fresh, and which validators let the browser revalidate it once stale. Moodle serves
// theme, JavaScript and image URLs with a revision in the path and a long max-age (and
// Expires), so a returning user fetches none of them; pages themselves are no-cache.

export interface CacheHeaders {
  readonly cacheControl: string | undefined;
  readonly expires: string | undefined;
  readonly date: string | undefined;
  readonly lastModified: string | undefined;
  readonly etag: string | undefined;
  readonly pragma: string | undefined;
}

export interface CacheEntry {
  /** Epoch ms until which the browser uses its copy without asking. */
  readonly freshUntilMs: number;
  readonly etag: string | null;
  readonly lastModified: string | null;
}

/** RFC 9111 4.2.2: a heuristic lifetime of 10% of the time since Last-Modified. */
const HEURISTIC_FRACTION = 0.1;
/** Browsers cap heuristic freshness; a day keeps a stale theme from living on. */
const HEURISTIC_MAX_MS = 24 * 3600 * 1000;

const directiveRe = (name: string) => new RegExp(`(?:^|,)\\s*${name}\\s*(?:,|=|$)`, 'i');
const NO_STORE = directiveRe('no-store');
const NO_CACHE = directiveRe('no-cache');

function maxAgeSec(cc: string): number | null {
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cc);
  return m ? Number(m[1]) : null;
}

function parseDate(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : null;
}

/**
 * What the cache keeps of a response received at `nowMs`, or null when it must not keep it
 * (no-store, or a status a browser does not cache here). A no-cache response, or one without
 * any freshness, is kept stale (freshUntilMs = now) when it has a validator, so the next use
 * revalidates it; "must-revalidate" changes nothing for a cache that never serves stale.
 */
export function cacheEntryFor(status: number, h: CacheHeaders, nowMs: number): CacheEntry | null {
  if (status !== 200 && status !== 203 && status !== 301 && status !== 308 && status !== 404 && status !== 410) return null;
  const cc = h.cacheControl ?? '';
  if (NO_STORE.test(cc)) return null;
  const etag = h.etag && h.etag.trim() !== '' ? h.etag.trim() : null;
  const lastModified = parseDate(h.lastModified) === null ? null : (h.lastModified as string);
  let freshUntilMs = nowMs;
  const noCache = NO_CACHE.test(cc) || (cc === '' && /no-cache/i.test(h.pragma ?? ''));
  if (!noCache) {
    const maxAge = maxAgeSec(cc);
    if (maxAge !== null) freshUntilMs = nowMs + maxAge * 1000;
    else {
      const expires = parseDate(h.expires);
      const date = parseDate(h.date) ?? nowMs;
      if (h.expires !== undefined) freshUntilMs = expires === null ? nowMs : nowMs + Math.max(0, expires - date);
      else if (lastModified !== null)
        freshUntilMs = nowMs + Math.min(HEURISTIC_MAX_MS, Math.max(0, (date - (parseDate(lastModified) as number)) * HEURISTIC_FRACTION));
    }
  }
  if (freshUntilMs <= nowMs && etag === null && lastModified === null) return null;
  return { freshUntilMs, etag, lastModified };
}

export type CacheDecision =
  { readonly kind: 'hit' } | { readonly kind: 'fetch' } | { readonly kind: 'revalidate'; readonly headers: Record<string, string> };

const HIT: CacheDecision = { kind: 'hit' };
const FETCH: CacheDecision = { kind: 'fetch' };

/** What the browser does for a URL it needs, given its cache entry (undefined: none). */
export function decide(entry: CacheEntry | undefined, nowMs: number): CacheDecision {
  if (entry === undefined) return FETCH;
  if (nowMs < entry.freshUntilMs) return HIT;
  const headers: Record<string, string> = {};
  if (entry.etag !== null) headers['If-None-Match'] = entry.etag;
  if (entry.lastModified !== null) headers['If-Modified-Since'] = entry.lastModified;
  return { kind: 'revalidate', headers };
}

/** The entry after a 304: freshness from the 304's headers, validators kept unless renewed. */
export function refreshedEntry(old: CacheEntry, h: CacheHeaders, nowMs: number): CacheEntry {
  const fresh = cacheEntryFor(
    200,
    { ...h, etag: h.etag ?? old.etag ?? undefined, lastModified: h.lastModified ?? old.lastModified ?? undefined },
    nowMs,
  );
  return fresh ?? { freshUntilMs: nowMs, etag: old.etag, lastModified: old.lastModified };
}
