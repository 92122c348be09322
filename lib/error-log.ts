// One record per failed attempt (page, asset or AJAX call), for --errors FILE.csv|jsonl. The
// scenario emits records as console lines with a marker; the CLI picks them out of k6's log
// stream, as it does for --log. A record holds no password, cookie or sesskey: URLs pass
// through stripSesskey, and the user is named by user name only.

export interface ErrorRecord {
  /** Epoch ms of the failure. */
  readonly t: number;
  readonly vu: number;
  readonly user: string;
  /** The endpoint (URL entry) of the page view the request belonged to. */
  readonly endpoint: string;
  /** What failed: page, asset or ajax (then the method in `url`'s info parameter). */
  readonly part: 'page' | 'asset' | 'ajax';
  readonly url: string;
  /** 0 when no response (transport error or timeout). */
  readonly status: number;
  readonly reason: string;
  readonly error: string;
}

export const ERROR_MARKER = 'moodle-load-error ';

export const ERROR_CSV_COLUMNS = ['time', 'vu', 'user', 'endpoint', 'part', 'url', 'status', 'reason', 'error'] as const;

export type ErrorLogFormat = 'jsonl' | 'csv';

export function errorLogFormatOf(path: string): ErrorLogFormat | null {
  if (/\.jsonl$/i.test(path)) return 'jsonl';
  if (/\.csv$/i.test(path)) return 'csv';
  return null;
}

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function errorCsvHeader(): string {
  return ERROR_CSV_COLUMNS.join(',') + '\n';
}

export function formatErrorRecord(r: ErrorRecord, format: ErrorLogFormat): string {
  const time = new Date(r.t).toISOString();
  if (format === 'jsonl') return JSON.stringify({ time, vu: r.vu, user: r.user, endpoint: r.endpoint, part: r.part, url: r.url, status: r.status, reason: r.reason, error: r.error }) + '\n';
  return [time, r.vu, r.user, r.endpoint, r.part, r.url, r.status, r.reason, r.error].map(csvField).join(',') + '\n';
}
