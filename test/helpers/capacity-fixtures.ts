// Summaries shaped as the run writes them, with only the figures the capacity search reads filled in.
import type { Summary } from '../../lib/summary';

export interface EndpointSpec {
  readonly total: number;
  readonly failures?: number;
  readonly p95: number | null;
}

export function fakeSummary(spec: {
  readonly total: number;
  readonly failures?: number;
  readonly dropped?: number;
  readonly rpmObserved?: number;
  readonly p95?: number | null;
  readonly endpoints: Readonly<Record<string, EndpointSpec>>;
  readonly warnings?: readonly string[];
}): Summary {
  const endpoints = Object.fromEntries(
    Object.entries(spec.endpoints).map(([name, e]) => [
      name,
      {
        path: name,
        total: e.total,
        failures: e.failures ?? 0,
        latency_ms_p50: e.p95 === null ? null : e.p95 / 2,
        latency_ms_p95: e.p95,
        latency_ms_p99: e.p95 === null ? null : e.p95 * 1.5,
      },
    ]),
  );
  return {
    total: spec.total,
    failures: spec.failures ?? 0,
    dropped_iterations: spec.dropped ?? 0,
    req_per_min_observed: spec.rpmObserved ?? 0,
    latency_ms_p50: spec.p95 === undefined || spec.p95 === null ? null : spec.p95 / 2,
    latency_ms_p95: spec.p95 ?? null,
    latency_ms_p99: spec.p95 === undefined || spec.p95 === null ? null : spec.p95 * 1.5,
    endpoints,
    warnings: [...(spec.warnings ?? [])],
  } as unknown as Summary;
}
