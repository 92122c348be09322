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

const MARKER = 'performanceinfo';
const UNIT_MB: Record<string, number> = { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 };

function num(text: string, re: RegExp): number | null {
  const m = re.exec(text);
  return m ? Number(m[1]) : null;
}

/** The footer's figures, or null when the page has none. Searches from the end: the footer is last. */
export function parsePerfFooter(body: string): PerfInfo | null {
  const at = body.lastIndexOf(MARKER);
  if (at < 0) return null;
  const tail = body.slice(at, at + 4000);
  const time = num(tail, /class="timeused[^"]*">\s*([\d.]+)\s*secs/);
  const rw = /DB reads\/writes: (\d+)\/(\d+)/.exec(tail);
  if (time === null || rw === null) return null;
  const ram = /RAM peak:\s*([\d.]+)\s*(B|KB|MB|GB)/.exec(tail);
  return {
    timeMs: time * 1000,
    dbReads: Number(rw[1]),
    dbWrites: Number(rw[2]),
    dbTimeMs: (num(tail, /DB queries time:\s*([\d.]+)\s*secs/) ?? 0) * 1000,
    ramPeakMb: ram ? Number(ram[1]) * (UNIT_MB[ram[2] as string] ?? 1) : 0,
    includedFiles: num(tail, /Included\s+(\d+)\s+files/) ?? 0,
    sessionWaitMs: (num(tail, /Session wait:\s*([\d.]+)\s*secs/) ?? 0) * 1000,
  };
}
