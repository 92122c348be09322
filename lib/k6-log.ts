// k6 logs in logfmt (time="..." level=info msg="..." source=console). The CLI shows them as
// plain lines: our own console messages as they are, k6's with their level and fields.

const FIELD = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;

function unquote(v: string): string {
  if (!v.startsWith('"')) return v;
  try {
    return JSON.parse(v) as string;
  } catch {
    return v.slice(1, -1);
  }
}

export function formatK6LogLine(line: string): string {
  if (!line.startsWith('time=')) return line;
  const fields: Record<string, string> = {};
  const extra: string[] = [];
  for (const m of line.matchAll(FIELD)) {
    const key = m[1] as string;
    const value = unquote(m[2] as string);
    fields[key] = value;
    if (!['time', 'level', 'msg', 'source'].includes(key)) extra.push(`${key}=${value}`);
  }
  const msg = fields.msg ?? line;
  const level = fields.level ?? 'info';
  const head = fields.source === 'console' ? (level === 'info' ? '' : `${level}: `) : `k6 ${level}: `;
  return `${head}${msg}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}
