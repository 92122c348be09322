// One record per load request attempt, for --log FILE.jsonl or FILE.csv. The scenario writes
// each as a `request` record on the channel to the CLI (lib/channel.ts).
// A record never holds a cookie or a password: only what is listed here.
import { RecordFormat, recordFileHeader, recordFormatOf, RecordLayout, recordLine } from './record-file';

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

export const REQUEST_LOG: RecordLayout<RequestLogRecord> = {
  columns: [
    'phase',
    'endpoint',
    'path',
    'status',
    'latency_ms',
    'outcome',
    'reason',
    'attempt',
    'vu',
    'iteration',
    'db_reads',
    'db_writes',
    'server_ms',
  ],
  time: (r) => r.t,
  values: (r) => [
    r.phase,
    r.endpoint,
    r.path,
    r.status,
    r.latency_ms,
    r.outcome,
    r.reason,
    r.attempt,
    r.vu,
    r.iteration,
    r.db_reads,
    r.db_writes,
    r.server_ms,
  ],
};

export const logFormatOf = recordFormatOf;

export function csvHeader(): string {
  return recordFileHeader(REQUEST_LOG, 'csv');
}

export function formatRecord(record: RequestLogRecord, format: RecordFormat): string {
  return recordLine(REQUEST_LOG, record, format);
}
