// The site's containers (moodle-docker: webserver, db...) from Docker's Engine API over its
// Unix socket: GET /containers/json, then GET /containers/{id}/stats?stream=false per container.
import http from 'node:http';
import type { GroupReading, ResourceSource } from './readings';

/** The default socket, or the one DOCKER_HOST names (unix:// only). */
export function dockerSocketPath(env: NodeJS.ProcessEnv): string {
  const host = env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

/** Each Engine API call gives up after this long (a busy daemon must not stall the sampler). */
const REQUEST_TIMEOUT_MS = 2000;
/** Containers sampled at most (a developer's machine may run many unrelated ones). */
export const MAX_CONTAINERS = 20;

export function engineGet(socketPath: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, timeout: REQUEST_TIMEOUT_MS, headers: { Host: 'docker' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`Docker Engine API ${path}: HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(new Error(`Docker Engine API ${path}: not JSON (${(e as Error).message})`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`Docker Engine API ${path}: no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}

interface ContainerListEntry {
  readonly Id: string;
  readonly Names?: readonly string[];
  readonly State?: string;
}

interface BlkioEntry {
  readonly op?: string;
  readonly value?: number;
}

/** The parts of a ContainerStatsResponse read here (cgroup v1 and v2 both). */
export interface ContainerStats {
  readonly read?: string;
  readonly name?: string;
  readonly pids_stats?: { readonly current?: number };
  readonly cpu_stats?: { readonly cpu_usage?: { readonly total_usage?: number } };
  readonly memory_stats?: { readonly usage?: number; readonly stats?: Readonly<Record<string, number>> };
  readonly blkio_stats?: { readonly io_service_bytes_recursive?: readonly BlkioEntry[] | null };
}

/** A container's stats as a reading: CPU seconds, memory as `docker stats` shows it, block I/O. */
export function readingFromStats(name: string, stats: ContainerStats, fallbackMs: number): GroupReading {
  const atMs = stats.read ? Date.parse(stats.read) : NaN;
  const mem = stats.memory_stats ?? {};
  // `docker stats` leaves out the page cache: inactive_file on cgroup v2, total_inactive_file or cache on v1.
  const cache = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? mem.stats?.cache ?? 0;
  let readBytes = 0;
  let writeBytes = 0;
  for (const e of stats.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').toLowerCase();
    if (op === 'read') readBytes += e.value ?? 0;
    else if (op === 'write') writeBytes += e.value ?? 0;
  }
  return {
    group: name,
    source: 'docker',
    atMs: Number.isFinite(atMs) && atMs > 0 ? atMs : fallbackMs,
    processes: stats.pids_stats?.current ?? 0,
    cpuSeconds: (stats.cpu_stats?.cpu_usage?.total_usage ?? 0) / 1e9,
    rssBytes: Math.max(0, (mem.usage ?? 0) - cache),
    readBytes,
    writeBytes,
  };
}

export class DockerSource implements ResourceSource {
  readonly label: string;
  constructor(private readonly socketPath: string) {
    this.label = `Docker containers at ${socketPath}`;
  }

  async read(): Promise<GroupReading[]> {
    const list = (await engineGet(this.socketPath, '/containers/json')) as ContainerListEntry[];
    const running = list.filter((c) => c.State === undefined || c.State === 'running').slice(0, MAX_CONTAINERS);
    // one-shot: the daemon answers at once instead of waiting a second for its own CPU delta
    // (the sampler takes deltas between its own readings).
    return Promise.all(
      running.map(async (c) => {
        const stats = (await engineGet(
          this.socketPath,
          `/containers/${encodeURIComponent(c.Id)}/stats?stream=false&one-shot=true`,
        )) as ContainerStats;
        const name = (c.Names?.[0] ?? stats.name ?? c.Id.slice(0, 12)).replace(/^\//, '');
        return readingFromStats(name, stats, Date.now());
      }),
    );
  }
}
