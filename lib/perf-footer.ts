// Moodle's performance footer (define('MDL_PERF_TEST', true) in config.php, or perfdebug for
// admins): every page, redirects and error pages included, ends with a `performanceinfo`
// block. No header carries these figures, so they are read from the body's tail.

export interface PerfInfo {
  /** Server time used, ms ("timeused"). */
  readonly timeMs: number;
  readonly dbReads: number;
  readonly dbWrites: number;
  /** Time spent in DB queries, ms. */
  readonly dbTimeMs: number;
  /** Peak memory, MB. */
  readonly ramPeakMb: number;
  readonly includedFiles: number;
  /** Time spent waiting for the session lock, ms. */
  readonly sessionWaitMs: number;
}

export const PERF_MARKER = 'performanceinfo';
/** The footer block is ~1,300 characters; what follows it is not read. */
export const PERF_BLOCK_CHARS = 3000;
const UNIT_MB: Record<string, number> = { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 };

/**
 * The number right after `label` in `block` (after the end of the tag when label is a class
 * attribute), or null. indexOf and parseFloat only: regular expressions in k6's JavaScript
 * engine cost more than the rest of a request's checks together.
 */
function after(block: string, label: string, skipTag = false): { value: number; end: number } | null {
  let at = block.indexOf(label);
  if (at < 0) return null;
  at += label.length;
  if (skipTag) {
    at = block.indexOf('>', at);
    if (at < 0) return null;
    at++;
  }
  const value = parseFloat(block.substring(at, at + 24));
  return Number.isFinite(value) ? { value, end: at } : null;
}

/** The footer's figures, or null when the page has none. Searches from the end: the footer is last. */
export function parsePerfFooter(body: string): PerfInfo | null {
  const at = body.lastIndexOf(PERF_MARKER);
  return at < 0 ? null : parsePerfBlock(body.substring(at, at + PERF_BLOCK_CHARS));
}

/** The figures of a footer block, which starts at the marker. */
export function parsePerfBlock(block: string): PerfInfo | null {
  const time = after(block, 'class="timeused', true);
  const reads = after(block, 'DB reads/writes: ');
  if (time === null || reads === null) return null;
  const slash = block.indexOf('/', reads.end);
  const writes = slash < 0 ? NaN : parseInt(block.substring(slash + 1, slash + 16), 10);
  if (!Number.isFinite(writes)) return null;
  const ram = after(block, 'RAM peak:');
  let ramPeakMb = 0;
  if (ram !== null) {
    const unit = /^\s*[\d.]+\s*(B|KB|MB|GB)/.exec(block.substring(ram.end, ram.end + 24));
    ramPeakMb = ram.value * (UNIT_MB[unit?.[1] ?? 'MB'] ?? 1);
  }
  return {
    timeMs: time.value * 1000,
    dbReads: reads.value,
    dbWrites: writes,
    dbTimeMs: (after(block, 'DB queries time:')?.value ?? 0) * 1000,
    ramPeakMb,
    includedFiles: after(block, 'Included ')?.value ?? 0,
    sessionWaitMs: (after(block, 'Session wait:')?.value ?? 0) * 1000,
  };
}

/**
 * The figures as numbers in SERVER_METRICS's order (lib/metric-names.ts), written into `out`:
 * the trends of Moodle's figures take them as one array (scenarios/k6/metrics.ts). Written out
 * field by field: a loop over the field names costs sobek twice as much.
 */
export function perfValues(p: PerfInfo, out: number[]): number[] {
  out[0] = p.timeMs;
  out[1] = p.dbReads;
  out[2] = p.dbWrites;
  out[3] = p.dbTimeMs;
  out[4] = p.ramPeakMb;
  out[5] = p.includedFiles;
  out[6] = p.sessionWaitMs;
  return out;
}
