// Plain-text tables for the terminal (stderr): each column as wide as its widest cell, two
// spaces apart, text left-aligned and figures right-aligned, no trailing spaces.

export interface Column {
  readonly header: string;
  /** Figures read best right-aligned; text left. */
  readonly align?: 'left' | 'right';
}

export function textTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => (c.align === 'right' ? (cells[i] ?? '').padStart(widths[i] as number) : (cells[i] ?? '').padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

/** A figure's cell: "-" when there is none. */
export function figureCell(value: number | null): string {
  return value === null ? '-' : String(value);
}
