// Which local processes serve the site under test, found from Linux /proc without running
// anything: the process listening on base_url's port and its children (the web server: an
// nginx master and its workers, or the simulator), then the local servers those processes
// hold connections to (the PHP pool), then the ones the pool holds connections to (the
// database), each with its children. The tiers are followed anew at every sample, cheaply:
// php-fpm children and PostgreSQL backends come and go, and a PHP process talks to the
// database only during a request, so the database is learnt once a sample sees that. Any
// other local server the pool talks to over TCP (a Redis cache) is followed the same way and
// counts as its own group.
//
// What a web server passes requests to over a unix socket cannot be followed from /proc:
// /proc/net/unix gives the path of the listening end (and of the accepted ends) but never
// which socket a client end is connected to (that takes the kernel's sock_diag netlink,
// out of Node's reach). So for nginx the pool's unix socket comes from its config file's
// fastcgi_pass in the server blocks listening on the port (see nginx-config.ts), and its
// holders are found by that socket's inode. TCP connections are followed exactly (both ends
// are in /proc/net/tcp). Limits: a pool or database reached over a unix socket that no
// config names (Apache's proxy_fcgi, PostgreSQL's socket) is not found; a php-fpm master
// serving several sites' pools counts all its children; reading other users' /proc/<pid>/fd
// needs root (or their user).
import { readdirSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { includeGlob } from './nginx-config';
import { readAllStats, readText, socketInodesOf, type ProcStat } from './proc-stat';
import { Address, isWildcard, parseTcpTable, parseUnixListeners, TCP_ESTABLISHED, TCP_LISTEN, TcpRow } from './proc-net';
import { groupOf } from './proc-source';

/** What discovery reads from /proc (and the web server's config files): a fake in tests. */
export interface ProcView {
  stats(): ProcStat[];
  socketInodes(pid: number): number[];
  /** tcp and tcp6 rows of the network namespace `pid` is in. */
  tcpRows(pid: number | 'self'): TcpRow[];
  /** That namespace's name ("net:[4026531840]"), so a sample reads each table once. */
  netns(pid: number): string;
  unixListeners(): { inode: number; path: string }[];
  cmdline(pid: number): string;
  /** The texts of the files an nginx include pattern names. */
  includeFiles(pattern: string, mainFile: string): string[];
  readFile(path: string): string | null;
}

export function liveProcView(procRoot = '/proc'): ProcView {
  const little = endianness() === 'LE';
  return {
    stats: () => readAllStats(procRoot),
    socketInodes: (pid) => socketInodesOf(pid, procRoot),
    tcpRows: (pid) => ['tcp', 'tcp6'].flatMap((t) => parseTcpTable(readText(`${procRoot}/${pid}/net/${t}`) ?? '', little)),
    netns: (pid) => {
      try {
        return readlinkSync(`${procRoot}/${pid}/ns/net`);
      } catch {
        return `pid ${pid}`;
      }
    },
    unixListeners: () => parseUnixListeners(readText(`${procRoot}/self/net/unix`) ?? ''),
    cmdline: (pid) => readText(`${procRoot}/${pid}/cmdline`) ?? '',
    includeFiles: (pattern, mainFile) => {
      const { dir, test } = includeGlob(pattern, mainFile);
      let names: string[] = [];
      try {
        names = readdirSync(dir).filter(test).sort();
      } catch {
        // a missing folder includes nothing, as in nginx for a pattern with "*"
      }
      return names.map((n) => readText(`${dir}/${n}`) ?? '');
    },
    readFile: readText,
  };
}

/** The site: the addresses base_url's host stands for and its port. */
export interface SiteAddress {
  readonly addresses: readonly Address[];
  readonly port: number;
  /** "127.0.0.1:8090", for messages. */
  readonly label: string;
}

/** The pids holding any of `inodes` among their fds (one pass over every process). */
export function holdersOf(view: ProcView, stats: readonly ProcStat[], inodes: ReadonlySet<number>): Set<number> {
  const holders = new Set<number>();
  for (const s of stats) if (view.socketInodes(s.pid).some((i) => inodes.has(i))) holders.add(s.pid);
  return holders;
}

/** `roots` and all their descendants that are not in `taken`. */
export function treeOf(stats: readonly ProcStat[], roots: ReadonlySet<number>, taken: ReadonlySet<number> = new Set()): Set<number> {
  const chosen = new Set([...roots].filter((p) => !taken.has(p)));
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) {
      if (!chosen.has(s.pid) && !taken.has(s.pid) && chosen.has(s.ppid)) {
        chosen.add(s.pid);
        grew = true;
      }
    }
  }
  return chosen;
}

/**
 * The local listening sockets that `held` (the socket inodes of some processes) are connected
 * to over TCP: an established row of ours whose remote end is a listening row of the table.
 */
export function connectedListeners(rows: readonly TcpRow[], held: ReadonlySet<number>): TcpRow[] {
  const listening = rows.filter((r) => r.state === TCP_LISTEN);
  const found = new Map<number, TcpRow>();
  for (const r of rows) {
    if (r.state !== TCP_ESTABLISHED || !held.has(r.inode)) continue;
    for (const l of listening) {
      if (l.localPort === r.remotePort && (isWildcard(l.localAddress) || l.localAddress === r.remoteAddress)) found.set(l.inode, l);
    }
  }
  return [...found.values()];
}

/**
 * Group names by process tree: each tree's top process names it (php-fpm8.2 -> php-fpm,
 * else its own name, e.g. node), so a pool's master and children count together.
 */
export function groupsByTree(stats: readonly ProcStat[], pids: ReadonlySet<number>): Map<number, string> {
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const names = new Map<number, string>();
  const nameOf = (pid: number): string => {
    const known = names.get(pid);
    if (known) return known;
    const s = byPid.get(pid) as ProcStat;
    const name = pids.has(s.ppid) ? nameOf(s.ppid) : (groupOf(s.comm) ?? s.comm);
    names.set(pid, name);
    return name;
  };
  for (const pid of pids) if (byPid.has(pid)) nameOf(pid);
  return names;
}
