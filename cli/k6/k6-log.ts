// k6 runs with --log-format json: each line of its stderr is one JSON log entry. Entries from the
// script's console carry either a record of the channel (lib/channel.ts) or a line for the
// person; k6's own entries are shown with their level and fields. Nothing here reads what k6's
// messages say: a line is told apart by its source and by the record prefix alone.
import { ChannelRecord, decodeRecord } from '../../lib/channel';

export type K6LogLine =
  | { readonly kind: 'record'; readonly record: ChannelRecord }
  /** For the person. `k6`: an entry of k6's own (not the script's), which may repeat thousands of times. */
  | { readonly kind: 'text'; readonly text: string; readonly k6: boolean; readonly message: string };

const STANDARD_FIELDS = new Set(['time', 'level', 'msg', 'source']);

/** Throws ChannelError (lib/channel.ts) for a record of another version or an unknown type. */
export function parseK6LogLine(line: string): K6LogLine {
  const plain = { kind: 'text', text: line, k6: false, message: line } as const;
  if (!line.startsWith('{')) return plain;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return plain;
  }
  const msg = typeof entry.msg === 'string' ? entry.msg : line;
  const fromScript = entry.source === 'console';
  if (fromScript) {
    const record = decodeRecord(msg);
    if (record !== null) return { kind: 'record', record };
  }
  const level = typeof entry.level === 'string' ? entry.level : 'info';
  const extra = Object.entries(entry)
    .filter(([k]) => !STANDARD_FIELDS.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const head = fromScript ? (level === 'info' ? '' : `${level}: `) : `k6 ${level}: `;
  return { kind: 'text', text: `${head}${msg}${extra.length ? ` (${extra.join(', ')})` : ''}`, k6: !fromScript, message: msg };
}

/**
 * Shows the first few of each kind of k6 line and counts the rest: a dead site makes k6 warn once
 * per failed request, thousands a second, and the summary counts those failures by reason anyway.
 */
export class RepeatLimiter {
  private readonly seen = new Map<string, number>();

  constructor(private readonly most: number) {}

  /** Whether to show this line now. */
  admit(line: Extract<K6LogLine, { kind: 'text' }>): boolean {
    if (!line.k6) return true;
    const n = (this.seen.get(line.message) ?? 0) + 1;
    this.seen.set(line.message, n);
    return n <= this.most;
  }

  /** A line per kind of k6 line that was held back. */
  held(): string[] {
    const out: string[] = [];
    for (const [message, n] of this.seen)
      if (n > this.most)
        out.push(`k6: ${n - this.most} more "${message}" lines not shown (failed requests are counted in the summary by reason)`);
    return out;
  }
}
