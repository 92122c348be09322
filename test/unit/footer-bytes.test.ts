// FooterReader (the footer read from a page kept as bytes) against parsePerfFooter on the page's
// whole text, which stands as the reference.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ByteCodec, FooterReader, NEAR_BYTES, SEARCH_WINDOW_BYTES, SLACK_BYTES } from '../../lib/footer-bytes';
import { parsePerfFooter, PERF_BLOCK_CHARS, PERF_MARKER } from '../../lib/perf-footer';
import { FIXTURES } from '../helpers/paths';

const read = (f: string) => readFileSync(join(FIXTURES, f), 'utf8');
const bytesOf = (text: string): ArrayBuffer => {
  const b = Buffer.from(text, 'utf8');
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
};

/** Node's codec, counting the bytes it is asked to encode. */
function counting(): { codec: ByteCodec; bytes: () => number } {
  let total = 0;
  const view = (body: ArrayBuffer, from: number, to: number) => Buffer.from(body, from, to - from);
  return {
    codec: {
      base64: (body, from, to) => {
        total += to - from;
        return view(body, from, to).toString('base64');
      },
      text: (body, from, to) => {
        total += to - from;
        return view(body, from, to).toString('utf8');
      },
    },
    bytes: () => total,
  };
}

const redirect = read('perf-redirect-enrol_loggedin.html');
const block = redirect.slice(redirect.indexOf('<div class="performanceinfo'));
const withReads = (reads: number) => block.replace(/DB reads\/writes: \d+\/\d+/, `DB reads/writes: ${reads}/3`);
/** Filler with multi-byte characters (as Moodle's pages have), so bytes and characters differ. */
const filler = (bytes: number) => 'é'.repeat(Math.floor(bytes / 2)) + (bytes % 2 ? 'x' : '');
const script = '<script>…</script>';
/** A page whose (last) footer's marker starts `fromEnd` bytes before its end. */
function page(reads: number, fromEnd: number, earlier = ''): string {
  const footer = withReads(reads);
  const afterMarker = Buffer.byteLength(footer) - '<div class="'.length;
  const text = filler(5000) + earlier + filler(3000) + footer + filler(fromEnd - afterMarker - Buffer.byteLength(script)) + script;
  assert.equal(Buffer.byteLength(text) - Buffer.from(text, 'utf8').lastIndexOf('performanceinfo'), fromEnd);
  return text;
}

test('footer from bytes: the same figures as from the whole text, on real pages with and without it', () => {
  for (const f of [
    'perf-course-view_loggedin_id4.html',
    'perf-course-notfound_loggedin.html',
    'perf-redirect-enrol_loggedin.html',
    'course-view_loggedin_id2.html',
    'my-dashboard_loggedin.html',
  ]) {
    const text = read(f);
    assert.deepEqual(new FooterReader(counting().codec).read(bytesOf(text), 0), parsePerfFooter(text), f);
  }
  assert.ok(new FooterReader(counting().codec).read(bytesOf(read('perf-course-view_loggedin_id4.html')), 0), 'found 91 KB before the end');
  assert.equal(new FooterReader(counting().codec).read(new ArrayBuffer(0), 0), null);
  // Bodies shorter than the marker, or ending in part of it: nothing read past their end.
  for (const text of ['p', 'performanceinf', 'performanceinfo', `${page(12, 5000)}xperformanceinf`, `${page(12, 5000)}xperforman`]) {
    const reader = new FooterReader(counting().codec);
    assert.deepEqual(reader.read(bytesOf(text), 0), parsePerfFooter(text), text.slice(-20));
    assert.deepEqual(reader.read(bytesOf(text), 0), parsePerfFooter(text), `again: ${text.slice(-20)}`);
  }
});

test("footer from bytes: the last footer is found wherever the search windows' edges fall", () => {
  for (const k of [1, 2]) {
    for (const shift of [-20, -14, -8, -1, 0, 1, 8, 2000, PERF_BLOCK_CHARS + 100]) {
      const text = page(12, k * SEARCH_WINDOW_BYTES - shift, withReads(7));
      const got = new FooterReader(counting().codec).read(bytesOf(text), 0);
      assert.deepEqual(got, parsePerfFooter(text), `k ${k} shift ${shift}`);
      assert.equal(got?.dbReads, 12, `k ${k} shift ${shift}`);
    }
  }
  // Near misses of the marker after the footer, at each offset within a 3-byte group: the
  // base64 patterns leave out the marker's first or last bytes, so each must be checked whole.
  const decoys = ['Xerformanceinfo', 'pXrformanceinfo', 'performanceinXo', 'performanceinfX'].join(' ');
  for (const pad of ['', ' ', '  ']) {
    const text = page(12, 20_000) + pad + decoys + pad + decoys;
    const got = new FooterReader(counting().codec).read(bytesOf(text), 0);
    assert.equal(got?.dbReads, 12, `pad ${pad.length}`);
    assert.deepEqual(got, parsePerfFooter(text));
  }
  // Only the earlier footer, several windows back.
  const text = filler(100) + withReads(7) + filler(3 * SEARCH_WINDOW_BYTES) + script;
  assert.equal(new FooterReader(counting().codec).read(bytesOf(text), 0)?.dbReads, 7);
});

test("footer from bytes: one reader over many pages gives each page's own figures, and decodes little once it knows where to look", () => {
  const c = counting();
  const reader = new FooterReader(c.codec);
  const fromEnd = 91_400;
  // Endpoint 0: pages whose footer moves a little, then far (past NEAR_BYTES), then a page
  // without one, then back; endpoint 1 has its own place.
  const sequence: [number, string][] = [
    [0, page(31, fromEnd)],
    [0, page(32, fromEnd + 700)],
    [0, page(33, fromEnd - 2500)],
    [1, page(9, 1500)],
    [0, page(34, fromEnd - 40_000)],
    [0, page(35, fromEnd + 3 * NEAR_BYTES)],
    [0, filler(200_000) + script],
    [0, page(36, fromEnd)],
    [1, page(10, 1600)],
    [0, page(37, 2 * NEAR_BYTES)],
  ];
  for (const [endpoint, text] of sequence) {
    const got = reader.read(bytesOf(text), endpoint);
    assert.deepEqual(got, parsePerfFooter(text));
  }
  // Once known, a page's footer costs its block where it was (give or take SLACK_BYTES), or the
  // near window when it moved further (either way), never the search from the end.
  const atPlace = 2 * SLACK_BYTES + PERF_BLOCK_CHARS;
  const near = atPlace + 2 * NEAR_BYTES + PERF_MARKER.length + PERF_BLOCK_CHARS;
  for (const [reads, fromEnd, most] of [
    [38, 2 * NEAR_BYTES, atPlace],
    [39, 2 * NEAR_BYTES + 2, atPlace],
    [40, 2 * NEAR_BYTES - 3, atPlace],
    [41, 2 * NEAR_BYTES + 300, near],
    [42, 2 * NEAR_BYTES + 100, near],
    // A footer drifting by 40 bytes a page stays found at its place.
    ...[1, 2, 3, 4, 5].map((step) => [50 + step, 2 * NEAR_BYTES + 100 + 40 * step, atPlace] as const),
  ] as const) {
    const before = c.bytes();
    assert.equal(reader.read(bytesOf(page(reads, fromEnd)), 0)?.dbReads, reads);
    assert.ok(c.bytes() - before <= most, `${c.bytes() - before} bytes encoded or decoded, at most ${most}`);
  }
});
