// The files a run writes one record per line to (--log, --errors): JSON lines or CSV, chosen by
// the file's extension. A layout names the columns and reads a record's values in that order;
// `time` comes first, as ISO 8601, from the record's epoch ms.

export type RecordFormat = 'jsonl' | 'csv';

export function recordFormatOf(path: string): RecordFormat | null {
  if (/\.jsonl$/i.test(path)) return 'jsonl';
  if (/\.csv$/i.test(path)) return 'csv';
  return null;
}

export type Cell = string | number | null;

export interface RecordLayout<R> {
  /** The columns after `time`. */
  readonly columns: readonly string[];
  readonly time: (record: R) => number;
  /** The values of `columns`, in order. */
  readonly values: (record: R) => readonly Cell[];
}

function csvField(value: Cell): string {
  const s = value === null ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** What a file starts with: the CSV header line, nothing for JSON lines. */
export function recordFileHeader(layout: Pick<RecordLayout<never>, 'columns'>, format: RecordFormat): string {
  return format === 'csv' ? ['time', ...layout.columns].join(',') + '\n' : '';
}

export function recordLine<R>(layout: RecordLayout<R>, record: R, format: RecordFormat): string {
  const time = new Date(layout.time(record)).toISOString();
  const values = layout.values(record);
  if (format === 'csv') return [time, ...values].map(csvField).join(',') + '\n';
  const row: Record<string, Cell> = { time };
  for (let i = 0; i < layout.columns.length; i++) row[layout.columns[i] as string] = values[i] ?? null;
  return JSON.stringify(row) + '\n';
}
