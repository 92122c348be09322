// The one reader of Linux /proc per process: parsers for /proc/<pid>/stat, io and status
// (pure: text in, numbers out), and the few reads built on them that the sampler, the
// discovery of the site's processes and the benchmarks share.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
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

/** The inode of an fd link that names a socket ("socket:[23498]"), else null. */
export function socketInode(link: string): number | null {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : null;
}

/** CPU % over an interval (100 = one core busy all the time). */
export function cpuPercent(cpuSecondsDelta: number, intervalSec: number): number {
  return intervalSec > 0 ? (Math.max(0, cpuSecondsDelta) / intervalSec) * 100 : 0;
}

/** Linux's usual USER_HZ, when getconf cannot tell. */
const DEFAULT_CLK_TCK = 100;
let clkTck: number | undefined;

/** Clock ticks per second, the unit of /proc's CPU times (asked once). */
export function clockTicksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      clkTck = Number.isFinite(n) && n > 0 ? n : DEFAULT_CLK_TCK;
    } catch {
      clkTck = DEFAULT_CLK_TCK;
    }
  }
  return clkTck;
}

/** A file's text, or null: processes end between listing and reading, and fds need privileges. */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Every process's /proc/<pid>/stat that could be read. */
export function readAllStats(procRoot = '/proc'): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    const text = readText(`${procRoot}/${name}/stat`);
    const stat = text === null ? null : parseProcStat(text);
    if (stat) stats.push(stat);
  }
  return stats;
}

/** The socket inodes among a process's open fds (empty when it ended or we may not look). */
export function socketInodesOf(pid: number, procRoot = '/proc'): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`${procRoot}/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes: number[] = [];
  for (const fd of fds) {
    try {
      const inode = socketInode(readlinkSync(`${procRoot}/${pid}/fd/${fd}`));
      if (inode !== null) inodes.push(inode);
    } catch {
      // the fd was closed between listing and reading
    }
  }
  return inodes;
}

/** CPU seconds (user + system) and RSS in MB of `pid`, or null once it has exited. */
export function procStat(pid: number, procRoot = '/proc'): { cpuSec: number; rssMb: number } | null {
  const text = readText(`${procRoot}/${pid}/stat`);
  const stat = text === null ? null : parseProcStat(text);
  if (!stat) return null;
  const status = readText(`${procRoot}/${pid}/status`);
  return { cpuSec: stat.ticks / clockTicksPerSecond(), rssMb: (status === null ? 0 : parseVmRss(status)) / 1048576 };
}

/** The first child of `parent` whose name is `comm` (the k6 a CLI started), or null. */
export function childNamed(parent: number, comm: string, procRoot = '/proc'): number | null {
  return readAllStats(procRoot).find((s) => s.ppid === parent && s.comm === comm)?.pid ?? null;
}
