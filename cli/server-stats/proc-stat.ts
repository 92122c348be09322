// Parsers for Linux /proc files of one process, and CPU % from two readings. Pure functions:
// the sampler reads the files, these turn their text into numbers.

export interface ProcStat {
  readonly pid: number;
  /** The executable's name as the kernel keeps it (15 characters at most). */
  readonly comm: string;
  readonly ppid: number;
  /** CPU time of the process itself, in clock ticks (user + system). */
  readonly ticks: number;
  /** CPU time of its children that it has waited for, in clock ticks (cutime + cstime). */
  readonly childTicks: number;
}

/**
 * /proc/<pid>/stat. The name sits in parentheses and may itself hold spaces or ')', so the
 * fields are counted from the last ')'. Fields (proc(5)): 4 ppid, 14 utime, 15 stime,
 * 16 cutime, 17 cstime.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state).
  const field = (n: number) => Number(rest[n - 3]);
  const [ppid, utime, stime, cutime, cstime] = [field(4), field(14), field(15), field(16), field(17)];
  if (![pid, ppid, utime, stime, cutime, cstime].every(Number.isFinite)) return null;
  return { pid, comm: text.slice(open + 1, close), ppid, ticks: utime + stime, childTicks: cutime + cstime };
}

/** /proc/<pid>/io: bytes this process caused to be read from or written to storage. */
export function parseProcIo(text: string): { readBytes: number; writeBytes: number } | null {
  const read = /^read_bytes:\s*(\d+)/m.exec(text);
  const write = /^write_bytes:\s*(\d+)/m.exec(text);
  if (!read || !write) return null;
  return { readBytes: Number(read[1]), writeBytes: Number(write[1]) };
}

/** VmRSS of /proc/<pid>/status in bytes (0 for kernel threads and zombies, which have none). */
export function parseVmRss(text: string): number {
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/** CPU % over an interval (100 = one core busy all the time). */
export function cpuPercent(cpuSecondsDelta: number, intervalSec: number): number {
  return intervalSec > 0 ? (Math.max(0, cpuSecondsDelta) / intervalSec) * 100 : 0;
}
