// Figures of local processes from Linux /proc, summed per group: which processes and
// groups is the chooser's part (the site's processes found by discovery, or --server-pids).
import { clockTicksPerSecond, parseProcIo, parseVmRss, ProcStat, readAllStats, readText } from './proc-stat';
import type { GroupReading, ResourceSource } from './readings';

/** Process names (the kernel's comm) of a Moodle site's servers, and the group each counts in. */
export const PROCESS_GROUPS: readonly { readonly group: string; readonly comm: RegExp }[] = [
  { group: 'php-fpm', comm: /^php-fpm/ },
  { group: 'nginx', comm: /^nginx$/ },
  { group: 'apache', comm: /^(apache2|httpd)$/ },
  { group: 'postgres', comm: /^(postgres|postmaster)$/ },
];

export function groupOf(comm: string): string | undefined {
  return PROCESS_GROUPS.find((g) => g.comm.test(comm))?.group;
}

/** Which processes to sample now, each with its group's name. */
export type Chooser = (stats: readonly ProcStat[]) => Map<number, string>;

/** The pids given and all their descendants. */
export function withDescendants(stats: readonly ProcStat[], roots: ReadonlySet<number>): Set<number> {
  const chosen = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) {
      if (!chosen.has(s.pid) && chosen.has(s.ppid)) {
        chosen.add(s.pid);
        grew = true;
      }
    }
  }
  return chosen;
}

/** --server-pids: those pids and their descendants, grouped by name (php-fpm8.2 -> php-fpm, node). */
export function givenPids(pids: ReadonlySet<number>): Chooser {
  return (stats) => {
    const chosen = withDescendants(stats, pids);
    return new Map(stats.filter((s) => chosen.has(s.pid)).map((s) => [s.pid, groupOf(s.comm) ?? s.comm]));
  };
}

interface GroupAcc {
  processes: number;
  ticks: number;
  rssBytes: number;
  readBytes: number;
  writeBytes: number;
}

export class ProcSource implements ResourceSource {
  private readonly clkTck = clockTicksPerSecond();
  /** Last I/O counters of each process seen, to keep the bytes of those that end. */
  private lastIo = new Map<number, { group: string; readBytes: number; writeBytes: number }>();
  private endedIo = new Map<string, { readBytes: number; writeBytes: number }>();

  constructor(
    readonly label: string,
    private readonly choose: Chooser,
    private readonly procRoot = '/proc',
    readonly warnings?: () => readonly string[],
  ) {}

  async read(): Promise<GroupReading[]> {
    const atMs = Date.now();
    const stats = readAllStats(this.procRoot);
    const groupByPid = this.choose(stats);
    const acc = new Map<string, GroupAcc>();
    const io = new Map<number, { group: string; readBytes: number; writeBytes: number }>();
    for (const s of stats) {
      const group = groupByPid.get(s.pid);
      if (!group) continue;
      let a = acc.get(group);
      if (!a) acc.set(group, (a = { processes: 0, ticks: 0, rssBytes: 0, readBytes: 0, writeBytes: 0 }));
      a.processes++;
      // A child's CPU moves into its parent's cutime/cstime when the parent reaps it: count
      // that only for the group's top processes, so short-lived children (a PostgreSQL
      // backend per request) are counted once and not lost.
      a.ticks += s.ticks + (groupByPid.get(s.ppid) === group ? 0 : s.childTicks);
      const status = readText(`${this.procRoot}/${s.pid}/status`);
      a.rssBytes += status === null ? 0 : parseVmRss(status);
      const ioText = readText(`${this.procRoot}/${s.pid}/io`);
      const counters = ioText === null ? null : parseProcIo(ioText);
      if (counters) {
        a.readBytes += counters.readBytes;
        a.writeBytes += counters.writeBytes;
        io.set(s.pid, { group, ...counters });
      }
    }
    // Processes gone since the last reading keep their bytes in the group's total (what they
    // did after that reading is lost: a process that lives less than a second counts no I/O).
    for (const [pid, last] of this.lastIo) {
      if (io.has(pid)) continue;
      const ended = this.endedIo.get(last.group) ?? { readBytes: 0, writeBytes: 0 };
      this.endedIo.set(last.group, { readBytes: ended.readBytes + last.readBytes, writeBytes: ended.writeBytes + last.writeBytes });
    }
    this.lastIo = io;
    return [...acc].map(([group, a]) => {
      const ended = this.endedIo.get(group) ?? { readBytes: 0, writeBytes: 0 };
      return {
        group,
        source: 'proc',
        atMs,
        processes: a.processes,
        cpuSeconds: a.ticks / this.clkTck,
        rssBytes: a.rssBytes,
        readBytes: a.readBytes + ended.readBytes,
        writeBytes: a.writeBytes + ended.writeBytes,
      };
    });
  }
}
