// What a source of server figures hands the sampler: cumulative counters per group, so the
// sampler turns two readings into rates.

export interface GroupReading {
  readonly group: string;
  readonly source: 'proc' | 'docker';
  /** When the figures were taken, epoch ms. */
  readonly atMs: number;
  readonly processes: number;
  /** Cumulative CPU seconds (only differences mean anything). */
  readonly cpuSeconds: number;
  /** Resident memory now, bytes. */
  readonly rssBytes: number;
  /** Cumulative storage bytes. */
  readonly readBytes: number;
  readonly writeBytes: number;
}

export interface ResourceSource {
  /** For messages: "local processes", "Docker at /var/run/docker.sock". */
  readonly label: string;
  read(): Promise<GroupReading[]>;
  /** What the source has to say about what it could not find, at the time asked. */
  readonly warnings?: () => readonly string[];
}
