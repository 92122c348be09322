// What the CLI's self-contained HTML reports share to draw inline SVG charts (no script, nothing
// fetched): linear scales with round ticks, coordinates and tick labels, and HTML escaping.

export interface Scale {
  (v: number): number;
  readonly ticks: number[];
}

/** A linear scale from [lo, hi] onto [a, b] (b < a for y, which grows upwards), with round ticks. */
export function scale(lo: number, hi: number, a: number, b: number, fromZero: boolean): Scale {
  let min = fromZero ? 0 : lo;
  let max = hi;
  if (max <= min) {
    // One point, or points of one value: a range around it.
    min = Math.max(0, min - 1);
    max = max + 1;
  }
  const pad = fromZero ? (max - min) * 0.1 : (max - min) * 0.05;
  if (!fromZero) min = Math.max(0, min - pad);
  max += pad;
  const ticks = niceTicks(min, max);
  const f = ((v: number) => a + ((v - min) / (max - min)) * (b - a)) as Scale;
  return Object.assign(f, { ticks });
}

function niceTicks(min: number, max: number): number[] {
  const raw = (max - min) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** A coordinate, to a tenth of a pixel. */
export function fx(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

export function fmtTick(t: number): string {
  return Math.abs(t) >= 1000 ? String(Math.round(t)) : String(Number(t.toPrecision(4)));
}

/** Text safe in HTML content and in a double-quoted attribute. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
