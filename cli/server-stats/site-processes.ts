// The site's processes at each sample, by tiers: 0 the web server listening on base_url's
// port, 1 what it passes requests to (the PHP pool), 2 what that talks to (the database).
// How each tier is found, and what cannot be, is said in discovery.ts.
import { canonicalAddress, isLoopback, listenersFor, TcpRow } from './proc-net';
import { connectedListeners, groupsByTree, holdersOf, ProcView, SiteAddress, treeOf } from './discovery';
import { fastcgiTargets, nginxConfigPath, parseConfig } from './nginx-config';
import type { ProcStat } from './proc-stat';
import { groupOf } from './proc-source';

const TIERS = 3;

interface Tier {
  /** Listening socket inode -> how it is reached ("127.0.0.1:5432", "unix:/run/php.sock"). */
  readonly listeners: Map<number, string>;
  /** Listeners learnt since the last look for their holders. */
  readonly unresolved: Set<number>;
  holders: Set<number>;
  /** Group names this tier had in any sample. */
  readonly names: Set<string>;
}

const newTier = (): Tier => ({ listeners: new Map(), unresolved: new Set(), holders: new Set(), names: new Set() });

export class SiteProcesses {
  private readonly tiers: Tier[] = Array.from({ length: TIERS }, newTier);
  private readonly said = new Set<string>();
  /** TCP tables read in this sample, by network namespace (reading one costs milliseconds). */
  private tables = new Map<string, TcpRow[]>();
  /** Said at once: nothing to sample, or part of the site cannot be found. */
  readonly warnings: string[] = [];

  constructor(
    private readonly view: ProcView,
    readonly site: SiteAddress,
  ) {}

  /** The site's pids now, each with its group's name. */
  choose(stats: readonly ProcStat[]): Map<number, string> {
    const alive = new Set(stats.map((s) => s.pid));
    this.tables = new Map();
    this.forgetEnded(alive);
    if (this.tiers[0]?.listeners.size === 0) this.findWebServer(stats);
    const taken = new Set<number>();
    for (let t = 0; t < TIERS; t++) {
      const tier = this.tiers[t] as Tier;
      if (tier.unresolved.size > 0) this.resolve(tier, stats);
      const pids = treeOf(stats, tier.holders, taken);
      for (const pid of pids) taken.add(pid);
      if (pids.size === 0) continue;
      for (const name of new Set(groupsByTree(stats, pids).values())) tier.names.add(name);
      if (t + 1 < TIERS) this.learnPeers(pids, t + 1);
    }
    return groupsByTree(stats, taken);
  }

  /** A tier whose processes all ended (a restarted server) is found again, with those after it. */
  private forgetEnded(alive: ReadonlySet<number>): void {
    const ended = this.tiers.findIndex((t) => t.holders.size > 0 && ![...t.holders].some((p) => alive.has(p)));
    if (ended < 0) return;
    for (const tier of this.tiers.slice(ended)) {
      tier.listeners.clear();
      tier.unresolved.clear();
      tier.holders = new Set();
    }
  }

  private addListener(t: number, inode: number, how: string): void {
    const known = this.tiers.some((tier) => tier.listeners.has(inode));
    if (known) return;
    const tier = this.tiers[t] as Tier;
    tier.listeners.set(inode, how);
    tier.unresolved.add(inode);
  }

  /** One pass over every process's fds for the tier's new listeners (they are not looked for again). */
  private resolve(tier: Tier, stats: readonly ProcStat[]): void {
    const found = holdersOf(this.view, stats, new Set(tier.listeners.keys()));
    tier.unresolved.clear();
    tier.holders = found;
    if (found.size === 0)
      this.warn(
        `server stats: cannot tell which process holds ${[...tier.listeners.values()].join(', ')}: reading other users' /proc/<pid>/fd needs root (or --server-pids)`,
      );
  }

  private findWebServer(stats: readonly ProcStat[]): void {
    const listening = listenersFor(this.view.tcpRows('self'), this.site.addresses, this.site.port);
    if (listening.length === 0) {
      this.warn(`server stats: nothing listens on ${this.site.label} on this machine: no local process is sampled`);
      return;
    }
    for (const row of listening) this.addListener(0, row.inode, `${row.localAddress}:${row.localPort}`);
    this.resolve(this.tiers[0] as Tier, stats);
    this.readWebConfig(stats);
  }

  /** An nginx's fastcgi_pass targets for the port: the PHP pool's sockets (tier 1). */
  private readWebConfig(stats: readonly ProcStat[]): void {
    const web = (this.tiers[0] as Tier).holders;
    const top = stats.find((s) => web.has(s.pid) && !web.has(s.ppid));
    if (!top || groupOf(top.comm) !== 'nginx') return;
    const path = nginxConfigPath(this.view.cmdline(top.pid));
    const text = this.view.readFile(path);
    if (text === null) return this.warn(`server stats: nginx's config ${path} cannot be read: a PHP pool on a unix socket is not found`);
    const targets = fastcgiTargets(
      parseConfig(text, (p) => this.view.includeFiles(p, path)),
      this.site.port,
    );
    const unix = this.view.unixListeners();
    const rows = this.view.tcpRows(top.pid);
    for (const target of targets) {
      const found =
        target.kind === 'unix'
          ? unix.filter((u) => u.path === target.path).map((u) => ({ inode: u.inode, how: `unix:${u.path}` }))
          : this.tcpTarget(rows, target.host, target.port);
      if (found.length === 0)
        this.warn(
          `server stats: nginx passes PHP requests to ${target.kind === 'unix' ? `unix:${target.path}` : `${target.host}:${target.port}`}, where nothing listens on this machine`,
        );
      for (const f of found) this.addListener(1, f.inode, f.how);
    }
  }

  private tcpTarget(rows: readonly TcpRow[], host: string, port: number): { inode: number; how: string }[] {
    const address = canonicalAddress(host);
    const addresses = address !== null ? [address] : host === 'localhost' ? ['127.0.0.1', '0:0:0:0:0:0:0:1'] : [];
    if (address !== null && !isLoopback(address)) return [];
    return listenersFor(rows, addresses, port).map((r) => ({ inode: r.inode, how: `${r.localAddress}:${r.localPort}` }));
  }

  /** The local servers `pids` hold TCP connections to, as tier `t` (seen while requests run). */
  private learnPeers(pids: ReadonlySet<number>, t: number): void {
    const held = new Set<number>();
    for (const pid of pids) for (const inode of this.view.socketInodes(pid)) held.add(inode);
    const first = pids.values().next().value as number;
    const ns = this.view.netns(first);
    const rows = this.tables.get(ns) ?? this.view.tcpRows(first);
    this.tables.set(ns, rows);
    for (const l of connectedListeners(rows, held)) this.addListener(t, l.inode, `${l.localAddress}:${l.localPort}`);
  }

  private warn(text: string): void {
    if (this.said.has(text)) return;
    this.said.add(text);
    this.warnings.push(text);
  }

  /** What the run found (for the start line): "nginx, php-fpm (unix:/run/php.sock)". */
  describe(): string {
    const parts = this.tiers
      .filter((t) => t.names.size > 0)
      .map((t) => `${[...t.names].join('+')} (${[...t.listeners.values()].join(', ')})`);
    return parts.length === 0 ? 'no process found yet' : parts.join(' -> ');
  }

  /** At the end: the tiers never seen, said once. */
  notes(): string[] {
    const [web, pool, db] = this.tiers as [Tier, Tier, Tier];
    if (web.names.size === 0) return this.warnings;
    const served = `${this.site.label} is served by ${[...web.names].join(', ')}`;
    if (pool.names.size === 0)
      return [
        ...this.warnings,
        `server stats: ${served}, with no PHP pool or database behind it that /proc shows: only ${web.names.size === 1 ? 'it is' : 'they are'} sampled`,
      ];
    if (db.names.size === 0)
      return [
        ...this.warnings,
        `server stats: ${served}; no TCP connection from ${[...pool.names].join(', ')} to a local database was seen during the run (a database reached over a unix socket is not followed): no database is sampled`,
      ];
    return this.warnings;
  }
}
