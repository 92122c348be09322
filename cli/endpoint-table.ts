// The per-endpoint table the CLI prints on stderr at the end of a run (stdout stays JSON).
import type { Summary } from '../lib/summary';

function cell(v: number | null): string {
  return v === null ? '-' : String(v);
}

export function endpointTable(summary: Summary): string {
  const header = ['endpoint', 'total', 'ok', 'failed', 'rpm', 'p50 ms', 'p95 ms', 'p99 ms', 'failures by reason'];
  const rows = Object.entries(summary.endpoints).map(([name, e]) => [
    name,
    String(e.total),
    String(e.success),
    String(e.failures),
    String(e.req_per_min_observed),
    cell(e.latency_ms_p50),
    cell(e.latency_ms_p95),
    cell(e.latency_ms_p99),
    Object.entries(e.failure_reasons)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r} ${n}`)
      .join(', '),
  ]);
  rows.push(['all', String(summary.total), String(summary.success), String(summary.failures), String(summary.req_per_min_observed), cell(summary.latency_ms_p50), cell(summary.latency_ms_p95), cell(summary.latency_ms_p99), '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
