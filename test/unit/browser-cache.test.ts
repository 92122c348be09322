// The browser cache's decisions for headers the real Moodle 4.5.6 site sends (curl -D, 2026-11-25).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheEntryFor, CacheHeaders, decide, refreshedEntry } from '../../lib/browser/cache-policy';

const NOW = Date.parse('Wed, 25 Nov 2026 18:04:51 GMT');
const DAY = 86400_000;
const none: CacheHeaders = {
  cacheControl: undefined,
  expires: undefined,
  date: undefined,
  lastModified: undefined,
  etag: undefined,
  pragma: undefined,
};

// /theme/styles.php/boost/<rev>/all
const styles: CacheHeaders = {
  cacheControl: 'public, max-age=7776000, immutable',
  expires: 'Tue, 23 Feb 2027 18:04:51 GMT',
  date: 'Wed, 25 Nov 2026 18:04:51 GMT',
  lastModified: 'Wed, 25 Nov 2026 18:04:29 GMT',
  etag: '"f2dd33361325bfcf70f5987a47c4c8d0b5dc3c52"',
  pragma: '',
};
// /my/ (fixtures/moodle-4.5.6/my-dashboard_loggedin.headers.txt)
const page: CacheHeaders = {
  ...none,
  cacheControl: 'private, pre-check=0, post-check=0, max-age=0, no-transform',
  pragma: 'no-cache',
  expires: '',
};

test('revisioned theme file: fresh for its max-age (90 days), so a returning user sends nothing', () => {
  const e = cacheEntryFor(200, styles, NOW);
  assert.ok(e !== null);
  assert.equal(e.freshUntilMs, NOW + 90 * DAY);
  assert.equal(decide(e, NOW + 89 * DAY).kind, 'hit');
});

test('once stale, revalidated with its validators', () => {
  const e = cacheEntryFor(200, styles, NOW);
  const d = decide(e ?? undefined, NOW + 91 * DAY);
  assert.deepEqual(d, { kind: 'revalidate', headers: { 'If-None-Match': styles.etag, 'If-Modified-Since': styles.lastModified } });
});

test('a Moodle page (max-age=0, no validator) is not kept', () => {
  assert.equal(cacheEntryFor(200, page, NOW), null);
  assert.equal(decide(undefined, NOW).kind, 'fetch');
});

test('no-store is never kept; no-cache is kept stale, to be revalidated each time', () => {
  assert.equal(cacheEntryFor(200, { ...styles, cacheControl: 'no-store' }, NOW), null);
  const e = cacheEntryFor(200, { ...styles, cacheControl: 'no-cache, must-revalidate' }, NOW);
  assert.equal(e?.freshUntilMs, NOW);
  assert.equal(decide(e ?? undefined, NOW).kind, 'revalidate');
});

test('Expires without max-age: its distance from Date; an invalid Expires is already stale', () => {
  assert.equal(cacheEntryFor(200, { ...styles, cacheControl: 'public' }, NOW)?.freshUntilMs, NOW + 90 * DAY);
  assert.equal(cacheEntryFor(200, { ...styles, cacheControl: undefined, expires: '0' }, NOW)?.freshUntilMs, NOW);
});

test('only Last-Modified: 10% of its age (RFC 9111 heuristic), at most a day', () => {
  const lm = { ...none, date: styles.date, lastModified: 'Wed, 15 Nov 2026 18:04:51 GMT' };
  assert.equal(cacheEntryFor(200, lm, NOW)?.freshUntilMs, NOW + DAY);
  const young = { ...lm, lastModified: 'Wed, 25 Nov 2026 17:04:51 GMT' };
  assert.equal(cacheEntryFor(200, young, NOW)?.freshUntilMs, NOW + 360_000);
});

test('errors other than 404/410 are not kept', () => {
  assert.equal(cacheEntryFor(500, styles, NOW), null);
  assert.equal(cacheEntryFor(304, styles, NOW), null);
});

test('a 304 renews freshness and keeps the validators', () => {
  const old = { freshUntilMs: NOW - 1, etag: '"a"', lastModified: styles.lastModified as string };
  const e = refreshedEntry(old, { ...none, cacheControl: 'max-age=60' }, NOW);
  assert.deepEqual(e, { freshUntilMs: NOW + 60_000, etag: '"a"', lastModified: styles.lastModified });
});
