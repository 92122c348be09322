// The site's own resources during a run (--server-stats): one sample per second and group
// (php-fpm, nginx, postgres, a Docker container...), their means and peaks over the load
// phase for the summary's `server_resources`, and the rows `compare` shows for them.
import { round } from '../lib/round';

/** One group's figures over one sampling interval. */
export interface GroupSample {
  /** Where the figures come from: Linux /proc of local processes, or Docker's Engine API. */
  readonly source: 'proc' | 'docker';
  /** Seconds this group's figures cover (its two readings' distance). */
  readonly interval_s: number;
  /** Processes in the group (for a container: its pids count). */
  readonly processes: number;
  /** CPU over the interval; 100 = one core busy all the time. */
  readonly cpu_pct: number;
  /** Resident memory at the end of the interval, MB (1 MB = 2^20 bytes), summed over processes. */
  readonly rss_mb: number;
  /** Storage reads and writes over the interval, bytes per second. */
  readonly read_bytes_per_s: number;
  readonly write_bytes_per_s: number;
}

/** One line of the resources file (JSON Lines). */
export interface ResourceSample {
  /** End of the interval, ISO 8601. */
  readonly time: string;
  /** The longest of the groups' intervals. */
  readonly interval_s: number;
  readonly groups: Readonly<Record<string, GroupSample>>;
}

export interface GroupResources {
  readonly source: 'proc' | 'docker';
  readonly samples: number;
  readonly processes_max: number;
  readonly cpu_pct_mean: number;
  readonly cpu_pct_peak: number;
  /** CPU time used in the window, seconds. */
  readonly cpu_seconds: number;
  readonly rss_mb_mean: number;
  readonly rss_mb_peak: number;
  readonly read_mb: number;
  readonly write_mb: number;
  readonly read_mb_per_s_peak: number;
  readonly write_mb_per_s_peak: number;
}

/** The summary's `server_resources`. */
export interface ServerResources {
  /** The per-second file, beside the summary. */
  readonly file: string;
  /** What the means and peaks cover. */
  readonly covers: string;
  readonly samples: number;
  readonly groups: Readonly<Record<string, GroupResources>>;
  readonly warnings: readonly string[];
}

const MB = 1024 * 1024;

/** Milliseconds since the epoch at the middle of a sample's interval. */
export function sampleMidMs(s: ResourceSample): number {
  return Date.parse(s.time) - (s.interval_s * 1000) / 2;
}

/**
 * Means and peaks per group over the samples whose interval's middle lies in the window
 * (all samples when no window is given).
 */
export function summarizeResources(
  samples: readonly ResourceSample[],
  window?: { readonly fromMs: number; readonly toMs: number },
): Record<string, GroupResources> {
  const acc = new Map<
    string,
    {
      source: 'proc' | 'docker';
      n: number;
      procMax: number;
      cpuSum: number;
      cpuPeak: number;
      cpuSec: number;
      rssSum: number;
      rssPeak: number;
      read: number;
      write: number;
      readPeak: number;
      writePeak: number;
    }
  >();
  for (const s of samples) {
    if (window) {
      const mid = sampleMidMs(s);
      if (mid < window.fromMs || mid > window.toMs) continue;
    }
    for (const [name, g] of Object.entries(s.groups)) {
      let a = acc.get(name);
      if (!a)
        acc.set(
          name,
          (a = {
            source: g.source,
            n: 0,
            procMax: 0,
            cpuSum: 0,
            cpuPeak: 0,
            cpuSec: 0,
            rssSum: 0,
            rssPeak: 0,
            read: 0,
            write: 0,
            readPeak: 0,
            writePeak: 0,
          }),
        );
      a.n++;
      a.procMax = Math.max(a.procMax, g.processes);
      a.cpuSum += g.cpu_pct;
      a.cpuPeak = Math.max(a.cpuPeak, g.cpu_pct);
      a.cpuSec += (g.cpu_pct / 100) * g.interval_s;
      a.rssSum += g.rss_mb;
      a.rssPeak = Math.max(a.rssPeak, g.rss_mb);
      a.read += g.read_bytes_per_s * g.interval_s;
      a.write += g.write_bytes_per_s * g.interval_s;
      a.readPeak = Math.max(a.readPeak, g.read_bytes_per_s);
      a.writePeak = Math.max(a.writePeak, g.write_bytes_per_s);
    }
  }
  const out: Record<string, GroupResources> = {};
  for (const [name, a] of acc) {
    out[name] = {
      source: a.source,
      samples: a.n,
      processes_max: a.procMax,
      cpu_pct_mean: round(a.cpuSum / a.n, 1),
      cpu_pct_peak: round(a.cpuPeak, 1),
      cpu_seconds: round(a.cpuSec),
      rss_mb_mean: round(a.rssSum / a.n, 1),
      rss_mb_peak: round(a.rssPeak, 1),
      read_mb: round(a.read / MB),
      write_mb: round(a.write / MB),
      read_mb_per_s_peak: round(a.readPeak / MB),
      write_mb_per_s_peak: round(a.writePeak / MB),
    };
  }
  return out;
}

/** The figures `compare` shows per group: old, new, change; informative, never a regression. */
export const COMPARED_RESOURCE_FIGURES = [
  'cpu_pct_mean',
  'cpu_pct_peak',
  'cpu_seconds',
  'rss_mb_mean',
  'rss_mb_peak',
  'read_mb',
  'write_mb',
] as const;

export interface ResourceRow {
  readonly scope: string;
  readonly figure: string;
  readonly old: number | null;
  readonly new: number | null;
}

/** Rows for every group either run sampled (null where a run has no such group). */
export function resourceRows(base: ServerResources | undefined, next: ServerResources | undefined): ResourceRow[] {
  const names = [...new Set([...Object.keys(base?.groups ?? {}), ...Object.keys(next?.groups ?? {})])];
  const rows: ResourceRow[] = [];
  for (const name of names) {
    for (const figure of COMPARED_RESOURCE_FIGURES) {
      rows.push({ scope: `server ${name}`, figure, old: base?.groups[name]?.[figure] ?? null, new: next?.groups[name]?.[figure] ?? null });
    }
  }
  return rows;
}

/** "php-fpm 143% nginx 4% postgres 21%": the latest sample's CPU per group, for the progress line. */
export function progressPart(sample: ResourceSample | undefined): string {
  if (!sample) return 'server: sampling';
  const parts = Object.entries(sample.groups).map(([name, g]) => `${name} ${g.cpu_pct.toFixed(0)}%`);
  return parts.length === 0 ? 'server: no process found' : `server cpu ${parts.join(' ')}`;
}
