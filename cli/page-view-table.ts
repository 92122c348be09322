// With --emulate-browser, the end tables on stderr: whole page views per endpoint (page +
// assets + AJAX, until the last part arrived), the requests they made, and AJAX per method.
import type { ViewSummary } from '../lib/browser/view-summary';
import { Column, figureCell, textTable } from '../lib/text-table';

/** A name, then figures, then a text column (the failure reasons, or none). */
function columns(first: string, figures: readonly string[], last: string): Column[] {
  return [{ header: first }, ...figures.map((header) => ({ header, align: 'right' as const })), { header: last }];
}

const VIEW_COLUMNS = columns('page view (page+assets+ajax)', ['total', 'ok', 'failed', 'p50 ms', 'p95 ms', 'p99 ms'], '');
const AJAX_COLUMNS = columns('ajax method', ['calls', 'ok', 'failed', 'p50 ms', 'p95 ms', 'p99 ms'], 'failures by reason');

export function pageViewTable(v: ViewSummary): string {
  const views = Object.entries(v.endpoints).map(([name, e]) => [
    name,
    String(e.total),
    String(e.success),
    String(e.failures),
    figureCell(e.latency_ms_p50),
    figureCell(e.latency_ms_p95),
    figureCell(e.latency_ms_p99),
    '',
  ]);
  views.push([
    'all',
    String(v.total),
    String(v.success),
    String(v.failures),
    figureCell(v.latency_ms_p50),
    figureCell(v.latency_ms_p95),
    figureCell(v.latency_ms_p99),
    '',
  ]);
  const ajax = Object.entries(v.ajax).map(([method, a]) => [
    method,
    String(a.calls),
    String(a.success),
    String(a.failures),
    figureCell(a.latency_ms_p50),
    figureCell(a.latency_ms_p95),
    figureCell(a.latency_ms_p99),
    Object.entries(a.failure_reasons)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r} ${n}`)
      .join(', '),
  ]);
  const r = v.requests;
  const lines = [
    textTable(VIEW_COLUMNS, views),
    `requests: ${r.total} (${r.pages} pages, ${r.assets} assets, ${r.revalidations} revalidations, ${r.ajax} AJAX POSTs); ${v.cache_hits} assets from the VU cache; ${v.ajax_calls} AJAX calls`,
  ];
  if (ajax.length > 0) lines.push(textTable(AJAX_COLUMNS, ajax));
  return lines.join('\n');
}
