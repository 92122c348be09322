// Samples the site's resources once a second during a run: each line of the file (JSON
// Lines, beside the summary) holds one interval's rates per group; the summary gets the means
// and peaks over the load phase, and the progress line the latest CPU figures.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { progressPart, ResourceSample, GroupSample } from '../../analysis/server-resources';
import type { GroupReading, ResourceSource } from './readings';
import { cpuPercent } from './proc-stat';

export const SAMPLE_INTERVAL_MS = 1000;
const MB = 1024 * 1024;

/** One interval's rates from two readings of the same group (null when time did not pass). */
export function groupSample(prev: GroupReading, next: GroupReading): GroupSample | null {
  const sec = (next.atMs - prev.atMs) / 1000;
  if (!(sec > 0)) return null;
  return {
    source: next.source,
    interval_s: Math.round(sec * 1000) / 1000,
    processes: next.processes,
    cpu_pct: Math.round(cpuPercent(next.cpuSeconds - prev.cpuSeconds, sec) * 10) / 10,
    rss_mb: Math.round((next.rssBytes / MB) * 10) / 10,
    // Counters of a restarted group start again from 0: no negative rates.
    read_bytes_per_s: Math.round(Math.max(0, next.readBytes - prev.readBytes) / sec),
    write_bytes_per_s: Math.round(Math.max(0, next.writeBytes - prev.writeBytes) / sec),
  };
}

export class ResourceSampler {
  readonly samples: ResourceSample[] = [];
  /** Sources that could not be read, and what the run said. */
  private readonly failures: string[] = [];
  private previous = new Map<string, GroupReading>();
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private failedSources = new Set<string>();

  constructor(
    private readonly sources: readonly ResourceSource[],
    readonly file: string,
    private readonly intervalMs = SAMPLE_INTERVAL_MS,
  ) {}

  /** Takes the first reading (the baseline) and then one per interval. */
  async start(): Promise<void> {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, '');
    await this.tick();
    this.timer = setInterval(() => {
      if (!this.busy) this.busy = this.tick().finally(() => (this.busy = undefined));
    }, this.intervalMs);
  }

  private async tick(): Promise<void> {
    const readings: GroupReading[] = [];
    for (const source of this.sources) {
      try {
        readings.push(...(await source.read()));
      } catch (e) {
        // Say it once per source; the other sources go on.
        if (!this.failedSources.has(source.label)) {
          this.failedSources.add(source.label);
          this.failures.push(
            `server stats: ${source.label} could not be read (${(e as Error).message}); its figures are missing from then on`,
          );
        }
      }
    }
    const groups: Record<string, GroupSample> = {};
    let endMs = 0;
    let intervalMs = 0;
    for (const r of readings) {
      const prev = this.previous.get(r.group);
      this.previous.set(r.group, r);
      const sample = prev && groupSample(prev, r);
      if (!sample) continue;
      groups[r.group] = sample;
      endMs = Math.max(endMs, r.atMs);
      intervalMs = Math.max(intervalMs, r.atMs - prev.atMs);
    }
    if (Object.keys(groups).length === 0) return;
    const sample: ResourceSample = { time: new Date(endMs).toISOString(), interval_s: Math.round(intervalMs) / 1000, groups };
    this.samples.push(sample);
    appendFileSync(this.file, JSON.stringify(sample) + '\n');
  }

  /** Said by the run before sampling (e.g. that nothing local can be sampled). */
  warn(text: string): void {
    this.failures.push(text);
  }

  /** Sources that failed, then what each source could not find. */
  get warnings(): string[] {
    return [...this.failures, ...this.sources.flatMap((s) => s.warnings?.() ?? [])];
  }

  progressPart(): string {
    return progressPart(this.samples[this.samples.length - 1]);
  }

  /** Takes a last reading (so the end of the run is covered) and stops. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.busy;
    await this.tick();
  }
}
