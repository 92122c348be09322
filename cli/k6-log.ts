// The CLI runs k6 with --log-format json and reads its log lines: request-log records (see
// request-log.ts) go to the --log file, everything else is shown on stderr as plain text:
// our own console messages as they are, k6's with their level and fields.
import { ERROR_MARKER, ErrorRecord } from '../lib/error-log';
import { LOG_MARKER, RequestLogRecord } from '../lib/request-log';
import { STATS_MARKER, StatsMessage } from '../lib/stats-stream';

export type K6LogLine =
  | { readonly kind: 'request'; readonly record: RequestLogRecord }
  /** A failed attempt, for --errors (error-log.ts). */
  | { readonly kind: 'error'; readonly record: ErrorRecord }
  /** --stream-stats: a VU's figures (stats-stream.ts). */
  | { readonly kind: 'stats'; readonly message: StatsMessage }
  | { readonly kind: 'text'; readonly text: string }
  /** k6's "Request Failed" warning, one per failed request: counted in the summary's failure_reasons already. */
  | { readonly kind: 'request-failed'; readonly text: string };

const STANDARD_FIELDS = new Set(['time', 'level', 'msg', 'source']);

export function parseK6LogLine(line: string): K6LogLine {
  if (!line.startsWith('{')) return { kind: 'text', text: line };
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { kind: 'text', text: line };
  }
  const msg = typeof entry.msg === 'string' ? entry.msg : line;
  if (entry.source === 'console' && msg.startsWith(LOG_MARKER)) {
    return { kind: 'request', record: JSON.parse(msg.slice(LOG_MARKER.length)) as RequestLogRecord };
  }
  if (entry.source === 'console' && msg.startsWith(STATS_MARKER)) {
    return { kind: 'stats', message: JSON.parse(msg.slice(STATS_MARKER.length)) as StatsMessage };
  }
  if (entry.source === 'console' && msg.startsWith(ERROR_MARKER)) {
    return { kind: 'error', record: JSON.parse(msg.slice(ERROR_MARKER.length)) as ErrorRecord };
  }
  const level = typeof entry.level === 'string' ? entry.level : 'info';
  if (entry.source !== 'console' && msg === 'Request Failed') return { kind: 'request-failed', text: typeof entry.error === 'string' ? entry.error : msg };
  const extra = Object.entries(entry)
    .filter(([k]) => !STANDARD_FIELDS.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const head = entry.source === 'console' ? (level === 'info' ? '' : `${level}: `) : `k6 ${level}: `;
  return { kind: 'text', text: `${head}${msg}${extra.length ? ` (${extra.join(', ')})` : ''}` };
}
