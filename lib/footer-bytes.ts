// Moodle's performance footer read from a page kept as bytes, decoding 3 KB of it instead of the
// whole page. Why not the page as a string: k6's JavaScript engine converts a whole string to
// UTF-16 at its first method call when it holds one non-ASCII character, as Moodle's pages do,
// which made reading the footer cost more than the rest of a request's work (BENCHMARKS.md).
//
// The marker is searched for in the base64 text of the bytes: k6 makes that text natively, it is
// ASCII (searched by Go's strings.LastIndex, no conversion), and 4 characters map to exactly 3
// bytes, so a match gives the marker's byte offset. Then only its block is decoded. Moodle prints
// the footer before the page's closing scripts, about 91 KB before the end on every page captured
// or served so far, so the marker's distance from the end is remembered per endpoint and looked
// for there first, then near there; a search from the end, window by window, is the fallback.
// A marker found at or near the remembered place is taken even if another followed it: Moodle
// prints one footer a page.
import { parsePerfBlock, PERF_BLOCK_CHARS, PERF_MARKER, PerfInfo } from './perf-footer';

/** Bytes [from, to) of a body as base64 (standard alphabet, padding optional) or as UTF-8 text. */
export interface ByteCodec {
  base64(body: ArrayBuffer, from: number, to: number): string;
  text(body: ArrayBuffer, from: number, to: number): string;
}

/** Bytes encoded at a time by the search from the end. */
export const SEARCH_WINDOW_BYTES = 65536;
/** Bytes before the remembered place decoded with the block there. */
export const SLACK_BYTES = 64;
/**
 * Bytes either side of the remembered place searched next. On the real test site the marker's
 * distance from the end moved by up to 11 bytes between pages of one endpoint and one user, and
 * by 785 between two courses.
 */
export const NEAR_BYTES = 2048;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The marker in base64, for each offset it can start at within a 3-byte group: the base64 of
 * its bytes from the first whole group on (`skip` bytes later), whole groups only.
 */
const MARKER_BYTES = Array.from(PERF_MARKER, (c) => c.charCodeAt(0));
const ALIGNMENTS = [0, 1, 2].map((skip) => {
  const whole = MARKER_BYTES.slice(skip, skip + Math.floor((MARKER_BYTES.length - skip) / 3) * 3);
  return { skip, pattern: base64OfAscii(whole) };
});

/** Base64 of whole 3-byte groups (module load only: the marker's three patterns). */
function base64OfAscii(bytes: number[]): string {
  let out = '';
  for (let i = 0; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ALPHABET.charAt((n >> 18) & 63) + ALPHABET.charAt((n >> 12) & 63) + ALPHABET.charAt((n >> 6) & 63) + ALPHABET.charAt(n & 63);
  }
  return out;
}

export class FooterReader {
  /** Per endpoint: bytes from the last marker found to the end of its page; 0 before the first. */
  private readonly fromEnd: number[] = [];

  constructor(private readonly codec: ByteCodec) {}

  /** The footer's figures, or null when the page has none (as parsePerfFooter on its text). */
  read(body: ArrayBuffer, endpoint: number): PerfInfo | null {
    const n = body.byteLength;
    const last = this.fromEnd[endpoint] ?? 0;
    let at = -1;
    if (last > 0 && last <= n) {
      // Pages of one endpoint mostly end alike, give or take a few bytes: first the block where
      // the marker was last time, with SLACK_BYTES before it.
      const from = Math.max(0, n - last - SLACK_BYTES);
      const text = this.codec.text(body, from, Math.min(n, n - last + PERF_BLOCK_CHARS));
      const k = text.indexOf(PERF_MARKER);
      if (k >= 0 && k <= 2 * SLACK_BYTES) {
        // k counts characters: off by the multi-byte ones before it, if any, which moves only
        // where the next page is looked at first.
        this.fromEnd[endpoint] = n - from - k;
        return parsePerfBlock(text.substring(k, k + PERF_BLOCK_CHARS));
      }
      at = this.lastMarker(body, Math.max(0, n - last - NEAR_BYTES), Math.min(n, n - last + NEAR_BYTES));
    }
    // From the end, each window with the marker's length after it, so that a marker across two
    // windows is in the later one: the first window with a marker holds the last.
    for (let end = n; at < 0 && end > 0; end -= SEARCH_WINDOW_BYTES) {
      at = this.lastMarker(body, Math.max(0, end - SEARCH_WINDOW_BYTES), Math.min(n, end + PERF_MARKER.length));
    }
    if (at < 0) return null;
    this.fromEnd[endpoint] = n - at;
    return parsePerfBlock(this.codec.text(body, at, Math.min(n, at + PERF_BLOCK_CHARS)));
  }

  /** Byte offset of the last marker wholly within [from, to), or -1. */
  private lastMarker(body: ArrayBuffer, from: number, to: number): number {
    const b64 = this.codec.base64(body, from, to);
    let best = -1;
    for (const { skip, pattern } of ALIGNMENTS) {
      // A match counts where it starts a 4-character group and the whole marker is there (the
      // pattern leaves out up to two bytes either side).
      for (let c = b64.lastIndexOf(pattern); c >= 0; c = c === 0 ? -1 : b64.lastIndexOf(pattern, c - 1)) {
        const at = from + (c / 4) * 3 - skip;
        if (at <= best) break;
        if (c % 4 === 0 && at >= from && at + PERF_MARKER.length <= to && this.codec.text(body, at, at + PERF_MARKER.length) === PERF_MARKER) {
          best = at;
          break;
        }
      }
    }
    return best;
  }
}
