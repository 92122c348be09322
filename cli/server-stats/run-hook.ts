// What a run does with --server-stats: pick the sources, sample during k6, and put the means
// and peaks over the load phase into the summary as `server_resources`.
import { existsSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ServerResources, summarizeResources } from '../../analysis/server-resources';
import { DockerSource, dockerSocketPath } from './docker-source';
import { ProcSource } from './proc-source';
import type { ResourceSource } from './readings';
import { ResourceSampler } from './sampler';

export interface ServerStatsOptions {
  /** Only these pids and their descendants (--server-pids); else processes found by name. */
  readonly pids: readonly number[] | undefined;
  /** --docker-socket; else, without --server-pids, DOCKER_HOST's or /var/run/docker.sock when it exists. */
  readonly dockerSocket: string | undefined;
}

/** results/summary-X.json -> results/summary-X.server.jsonl */
export function resourcesFileFor(summaryPath: string): string {
  return summaryPath.replace(/(\.json)?$/i, '.server.jsonl');
}

export async function startServerStats(options: ServerStatsOptions, summaryPath: string, say: (line: string) => void, baseUrl: string): Promise<ResourceSampler> {
  void baseUrl;
  const sources: ResourceSource[] = [new ProcSource(options.pids ? new Set(options.pids) : undefined)];
  const socket = options.dockerSocket ?? dockerSocketPath(process.env);
  // --server-pids narrows the sampling to those processes: containers then only when asked for.
  if (options.dockerSocket !== undefined || (options.pids === undefined && existsSync(socket))) sources.push(new DockerSource(socket));
  const sampler = new ResourceSampler(sources, resourcesFileFor(summaryPath));
  await sampler.start();
  say(`moodle-load: server stats every second from ${sources.map((s) => s.label).join(' and ')}, to ${sampler.file}`);
  return sampler;
}

/**
 * The summary text with `server_resources` added (and written back to its file): means and
 * peaks over the samples inside the load phase's window (epoch ms, from the run's end record).
 */
export function addServerResources(summaryText: string, summaryPath: string, sampler: ResourceSampler, window: { readonly fromMs: number; readonly toMs: number }): string {
  const summary = JSON.parse(summaryText) as { server_resources?: ServerResources };
  const { fromMs, toMs } = window;
  const groups = summarizeResources(sampler.samples, { fromMs, toMs });
  const warnings = [...sampler.warnings];
  if (Object.keys(groups).length === 0) warnings.push('server stats: no sample of any server process falls in the load phase (none found, or the run was shorter than a second)');
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
