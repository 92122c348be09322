// The per-endpoint table the CLI prints on stderr at the end of a run (stdout stays JSON).
import type { Summary } from '../lib/summary';
import { Column, figureCell, textTable } from '../lib/text-table';

const COLUMNS: readonly Column[] = [
  { header: 'endpoint' },
  ...['total', 'ok', 'failed', 'rpm', 'p50 ms', 'p95 ms', 'p99 ms'].map((header) => ({ header, align: 'right' as const })),
  { header: 'failures by reason' },
];

export function endpointTable(summary: Summary): string {
  const rows = Object.entries(summary.endpoints).map(([name, e]) => [
    name,
    String(e.total),
    String(e.success),
    String(e.failures),
    String(e.req_per_min_observed),
    figureCell(e.latency_ms_p50),
    figureCell(e.latency_ms_p95),
    figureCell(e.latency_ms_p99),
    Object.entries(e.failure_reasons)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r} ${n}`)
      .join(', '),
  ]);
  rows.push([
    'all',
    String(summary.total),
    String(summary.success),
    String(summary.failures),
    String(summary.req_per_min_observed),
    figureCell(summary.latency_ms_p50),
    figureCell(summary.latency_ms_p95),
    figureCell(summary.latency_ms_p99),
    '',
  ]);
  return textTable(COLUMNS, rows);
}
