// One record per load request attempt, for --log FILE.jsonl or FILE.csv. The scenario emits
// records as console lines with a marker; the CLI picks them out of k6's log stream.
// A record never holds a cookie or a password: only what is listed here.

export interface RequestLogRecord {
  /** Epoch ms at which the attempt started. */
  readonly t: number;
  readonly phase: 'warmup' | 'load';
  readonly endpoint: string;
  /** Rendered path and query, relative to base_url. */
  readonly path: string;
  /** 0 when no response (transport error or timeout). */
  readonly status: number;
  readonly latency_ms: number;
  readonly outcome: 'success' | 'failure';
  readonly reason: string;
  /** 0 for the first try, 1.. for retries. */
  readonly attempt: number;
  /** k6 VU number; each VU has its own Moodle session. */
  readonly vu: number;
  /** Iteration number within the phase (what --seed makes repeatable). */
  readonly iteration: number;
  /** From Moodle's performance footer, when the page has one (else null). */
  readonly db_reads: number | null;
  readonly db_writes: number | null;
  readonly server_ms: number | null;
}

export const LOG_MARKER = 'moodle-load-request ';

export const CSV_COLUMNS = ['time', 'phase', 'endpoint', 'path', 'status', 'latency_ms', 'outcome', 'reason', 'attempt', 'vu', 'iteration', 'db_reads', 'db_writes', 'server_ms'] as const;

export type LogFormat = 'jsonl' | 'csv';

export function logFormatOf(path: string): LogFormat | null {
  if (/\.jsonl$/i.test(path)) return 'jsonl';
  if (/\.csv$/i.test(path)) return 'csv';
  return null;
}

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',') + '\n';
}

export function formatRecord(record: RequestLogRecord, format: LogFormat): string {
  const time = new Date(record.t).toISOString();
  if (format === 'jsonl') {
    const { t, ...rest } = record;
    return JSON.stringify({ time, ...rest }) + '\n';
  }
  const r = record;
  return [time, r.phase, r.endpoint, r.path, r.status, r.latency_ms, r.outcome, r.reason, r.attempt, r.vu, r.iteration, r.db_reads ?? '', r.db_writes ?? '', r.server_ms ?? ''].map(csvField).join(',') + '\n';
}
