// One record per failed attempt (page, asset or AJAX call), for --errors FILE.csv|jsonl. The
// scenario writes each as a `failure` record on the channel to the CLI (lib/channel.ts). A record holds no password, cookie or sesskey: URLs pass
// through stripSesskey, and the user is named by user name only.
import { RecordFormat, recordFileHeader, recordFormatOf, RecordLayout, recordLine } from './record-file';

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

export const ERROR_LOG: RecordLayout<ErrorRecord> = {
  columns: ['vu', 'user', 'endpoint', 'part', 'url', 'status', 'reason', 'error'],
  time: (r) => r.t,
  values: (r) => [r.vu, r.user, r.endpoint, r.part, r.url, r.status, r.reason, r.error],
};

export const errorLogFormatOf = recordFormatOf;

export function errorCsvHeader(): string {
  return recordFileHeader(ERROR_LOG, 'csv');
}

export function formatErrorRecord(record: ErrorRecord, format: RecordFormat): string {
  return recordLine(ERROR_LOG, record, format);
}
