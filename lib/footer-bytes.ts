// Moodle's performance footer read from a page kept as bytes, decoding 3 KB of it instead of the
// whole page. Why not the page as a string: k6's JavaScript engine converts a whole string to
// UTF-16 at its first method call when it holds one non-ASCII character, as Moodle's pages do,
// which made reading the footer cost more than the rest of a request's work (BENCHMARKS.md).
//
// The marker is searched for in the base64 text of the bytes: k6 makes that text natively, it is
// ASCII (searched by Go's strings.LastIndex, no conversion), and 4 characters map to exactly 3
// bytes, so a match gives the marker's byte offset. Then only its block is decoded. Moodle prints
// the footer before the page's closing scripts, about 91 KB before the end of every full page
// captured or served so far, so the marker's distance from the end is remembered per endpoint and looked
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
/** How far the marker may be from the remembered place, either way, for the first look. */
export const SLACK_BYTES = 64;
/**
 * Bytes either side of the remembered place searched next. On the real test site the marker's
 * distance from the end moved by up to 3 bytes between pages of one endpoint for one user, 12
 * across two users, and 785 between two courses.
 */
export const NEAR_BYTES = 2048;

/** Base64 writes each group of 3 bytes as 4 characters. */
const GROUP_BYTES = 3;
const GROUP_CHARS = 4;

export class FooterReader {
  /** Per endpoint: bytes from the last marker found to the end of its page; 0 before the first. */
  private readonly fromEnd: number[] = [];
  /**
   * The marker in base64, for each offset it can start at within a group: the base64 of its
   * bytes from the first whole group on (`skip` bytes later), whole groups only.
   */
  private readonly alignments: { skip: number; pattern: string }[];

  constructor(private readonly codec: ByteCodec) {
    const marker = new Uint8Array(Array.from(PERF_MARKER, (c) => c.charCodeAt(0))).buffer;
    this.alignments = Array.from({ length: GROUP_BYTES }, (_, skip) => {
      const groups = Math.floor((PERF_MARKER.length - skip) / GROUP_BYTES);
      return { skip, pattern: codec.base64(marker, skip, skip + groups * GROUP_BYTES) };
    });
  }

  /** The footer's figures, or null when the page has none (as parsePerfFooter on its text). */
  read(body: ArrayBuffer, endpoint: number): PerfInfo | null {
    const n = body.byteLength;
    const last = this.fromEnd[endpoint] ?? 0;
    let at = -1;
    if (last > 0 && last <= n) {
      // Pages of one endpoint mostly end alike, give or take a few bytes: first the block where
      // the marker was last time, SLACK_BYTES either way.
      const from = Math.max(0, n - last - SLACK_BYTES);
      const text = this.codec.text(body, from, Math.min(n, n - last + SLACK_BYTES + PERF_BLOCK_CHARS));
      const k = text.indexOf(PERF_MARKER);
      if (k >= 0 && k <= n - last - from + SLACK_BYTES) {
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
    for (const { skip, pattern } of this.alignments) {
      // A match counts where it starts a 4-character group and the whole marker is there (the
      // pattern leaves out up to two bytes either side).
      for (let c = b64.lastIndexOf(pattern); c >= 0; c = c === 0 ? -1 : b64.lastIndexOf(pattern, c - 1)) {
        const at = from + (c / GROUP_CHARS) * GROUP_BYTES - skip;
        if (at <= best) break;
        if (
          c % GROUP_CHARS === 0 &&
          at >= from &&
          at + PERF_MARKER.length <= to &&
          this.codec.text(body, at, at + PERF_MARKER.length) === PERF_MARKER
        ) {
          best = at;
          break;
        }
      }
    }
    return best;
  }
}
