// What a run does with --server-stats: pick the sources, sample during k6, and put the means
// and peaks over the load phase into the summary as `server_resources`.
import { lookup } from 'node:dns/promises';
import { existsSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { basename } from 'node:path';
import { ServerResources, summarizeResources } from '../../analysis/server-resources';
import { liveProcView, SiteAddress } from './discovery';
import { DockerSource, dockerSocketPath } from './docker-source';
import { canonicalAddress, hostPortOf, isLoopback } from './proc-net';
import { givenPids, ProcSource } from './proc-source';
import type { ResourceSource } from './readings';
import { ResourceSampler } from './sampler';
import { SiteProcesses } from './site-processes';

export interface ServerStatsOptions {
  /** Only these pids and their descendants (--server-pids); else the processes serving base_url. */
  readonly pids: readonly number[] | undefined;
  /** --docker-socket; else, without --server-pids, DOCKER_HOST's or /var/run/docker.sock when it exists. */
  readonly dockerSocket: string | undefined;
}

/** results/summary-X.json -> results/summary-X.server.jsonl */
export function resourcesFileFor(summaryPath: string): string {
  return summaryPath.replace(/(\.json)?$/i, '.server.jsonl');
}

/** This machine's own addresses: loopback and every interface's. */
function localAddresses(): Set<string> {
  const out = new Set(['127.0.0.1', '0:0:0:0:0:0:0:1']);
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.add(canonicalAddress(i.address) ?? i.address);
  return out;
}

/** base_url's host and port when the host is this machine (its name resolved), else null. */
export async function siteAddressOf(baseUrl: string): Promise<SiteAddress | null> {
  const { host, port } = hostPortOf(baseUrl);
  const literal = canonicalAddress(host);
  let addresses: string[];
  if (literal !== null) addresses = [literal];
  else if (host === 'localhost') addresses = ['127.0.0.1', '0:0:0:0:0:0:0:1'];
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((a) => canonicalAddress(a.address) ?? a.address);
    } catch {
      return null;
    }
  }
  const local = localAddresses();
  const mine = addresses.filter((a) => isLoopback(a) || local.has(a));
  return mine.length === 0 ? null : { addresses: mine, port, label: `${host.includes(':') ? `[${host}]` : host}:${port}` };
}

export async function startServerStats(
  options: ServerStatsOptions,
  baseUrl: string,
  summaryPath: string,
  say: (line: string) => void,
): Promise<ResourceSampler> {
  const sources: ResourceSource[] = [];
  const said: string[] = [];
  let site: SiteProcesses | undefined;
  if (options.pids)
    sources.push(new ProcSource(`local processes ${options.pids.join(',')} and their children`, givenPids(new Set(options.pids))));
  else {
    const address = await siteAddressOf(baseUrl);
    if (address) {
      const found = (site = new SiteProcesses(liveProcView(), address));
      sources.push(
        new ProcSource(
          `the local processes serving ${address.label}`,
          (stats) => found.choose(stats),
          '/proc',
          () => found.notes(),
        ),
      );
    } else said.push(`server stats: ${new URL(baseUrl).host} is not this machine: no local process is sampled`);
  }
  const socket = options.dockerSocket ?? dockerSocketPath(process.env);
  // --server-pids narrows the sampling to those processes: containers then only when asked for.
  if (options.dockerSocket !== undefined || (options.pids === undefined && existsSync(socket))) sources.push(new DockerSource(socket));
  const sampler = new ResourceSampler(sources, resourcesFileFor(summaryPath));
  for (const w of said) sampler.warn(w);
  await sampler.start();
  const from = sources.length === 0 ? 'nothing' : sources.map((s) => s.label).join(' and ');
  say(`moodle-load: server stats every second from ${from}${site ? ` (found: ${site.describe()})` : ''}, to ${sampler.file}`);
  return sampler;
}

/**
 * The summary text with `server_resources` added (and written back to its file): means and
 * peaks over the samples inside the load phase's window (epoch ms, from the run's end record).
 */
export function addServerResources(
  summaryText: string,
  summaryPath: string,
  sampler: ResourceSampler,
  window: { readonly fromMs: number; readonly toMs: number },
): string {
  const summary = JSON.parse(summaryText) as { server_resources?: ServerResources };
  const { fromMs, toMs } = window;
  const groups = summarizeResources(sampler.samples, window);
  const warnings = [...sampler.warnings];
  if (Object.keys(groups).length === 0)
    warnings.push(
      'server stats: no sample of any server process falls in the load phase (none found, or the run was shorter than a second)',
    );
  summary.server_resources = {
    file: basename(sampler.file),
    covers: `load phase, ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}; CPU 100% = one core`,
    samples: sampler.samples.length,
    groups,
    warnings,
  };
  const text = JSON.stringify(summary, null, 2) + '\n';
  writeFileSync(summaryPath, text);
  return text;
}
