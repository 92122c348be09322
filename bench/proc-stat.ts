// A process's CPU seconds and resident memory from /proc, and the k6 a CLI started: what every
// benchmark samples while k6 runs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) and RSS in MB of `pid`, or null once it has exited. */
export function procStat(pid: number): { cpuSec: number; rssMb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces: utime 14, stime 15, rss 24 (pages).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { cpuSec: (Number(fields[11]) + Number(fields[12])) / 100, rssMb: (Number(fields[21]) * 4096) / 1048576 };
  } catch {
    return null;
  }
}

/** The k6 process `parent` started (the CLI's child), or null while there is none. */
export function k6ChildOf(parent: number): number | null {
  try {
    const out = execFileSync('pgrep', ['-P', String(parent), '-x', 'k6'], { encoding: 'utf8' }).trim();
    return out ? Number(out.split('\n')[0]) : null;
  } catch {
    return null;
  }
}
