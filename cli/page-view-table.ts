// With --emulate-browser, the end tables on stderr: whole page views per endpoint (page +
// assets + AJAX, until the last part arrived), the requests they made, and AJAX per method.
import type { ViewSummary } from '../lib/browser/view-summary';

function cell(v: number | null): string {
  return v === null ? '-' : String(v);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function pageViewTable(v: ViewSummary): string {
  const views = Object.entries(v.endpoints).map(([name, e]) => [name, String(e.total), String(e.success), String(e.failures), cell(e.latency_ms_p50), cell(e.latency_ms_p95), cell(e.latency_ms_p99), '']);
  views.push(['all', String(v.total), String(v.success), String(v.failures), cell(v.latency_ms_p50), cell(v.latency_ms_p95), cell(v.latency_ms_p99), '']);
  const ajax = Object.entries(v.ajax).map(([method, a]) => [
    method,
    String(a.calls),
    String(a.success),
    String(a.failures),
    cell(a.latency_ms_p50),
    cell(a.latency_ms_p95),
    cell(a.latency_ms_p99),
    Object.entries(a.failure_reasons)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r} ${n}`)
      .join(', '),
  ]);
  const r = v.requests;
  const lines = [
    table(['page view (page+assets+ajax)', 'total', 'ok', 'failed', 'p50 ms', 'p95 ms', 'p99 ms', ''], views),
    `requests: ${r.total} (${r.pages} pages, ${r.assets} assets, ${r.revalidations} revalidations, ${r.ajax} AJAX POSTs); ${v.cache_hits} assets from the VU cache; ${v.ajax_calls} AJAX calls`,
  ];
  if (ajax.length > 0) lines.push(table(['ajax method', 'calls', 'ok', 'failed', 'p50 ms', 'p95 ms', 'p99 ms', 'failures by reason'], ajax));
  return lines.join('\n');
}
