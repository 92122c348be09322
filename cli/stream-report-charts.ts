// The streamed report's charts over time (inline SVG, cli/svg.ts): per window of the load phase,
// the requests per second that succeeded and failed, and the latency percentiles. A point stands
// at its window's middle; a window without a figure breaks its line.
import type { WindowFigures } from '../analysis/stream-timeline';
import { round } from '../lib/round';
import { esc, fmtTick, fx, Scale, scale } from './svg';

const WIDTH = 960;
const HEIGHT = 300;
const MARGIN = { left: 70, right: 30, top: 30, bottom: 50 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Beyond this many windows a point per window would hide the lines: only the lines (and lone points) are drawn. */
const MAX_POINTED_WINDOWS = 120;

interface Line {
  readonly label: string;
  readonly cls: string;
  /** One per window; null: no figure in that window. */
  readonly values: readonly (number | null)[];
}

interface ChartSpec {
  readonly kind: string;
  readonly yLabel: string;
  readonly unit: string;
  readonly lines: readonly Line[];
  /** A level to draw across (the target rate), or null. */
  readonly target: { readonly value: number; readonly label: string } | null;
}

export function rateChart(windows: readonly WindowFigures[], targetPerSec: number | null): string {
  const per = (n: (w: WindowFigures) => number) => windows.map((w) => round(n(w) / w.spanSec, 2));
  return chart(windows, {
    kind: 'rate',
    yLabel: 'requests per second',
    unit: 'req/s',
    lines: [
      { label: 'succeeded', cls: 'ok', values: per((w) => w.success) },
      { label: 'failed', cls: 'failed', values: per((w) => w.failure) },
    ],
    target: targetPerSec === null ? null : { value: round(targetPerSec, 2), label: 'target (rpm / 60)' },
  });
}

export function latencyChart(windows: readonly WindowFigures[]): string {
  const of = (p: 'p50' | 'p95' | 'p99') => windows.map((w) => (w.latency === null ? null : round(w.latency[p], 2)));
  return chart(windows, {
    kind: 'latency',
    yLabel: 'latency of successful attempts (ms)',
    unit: 'ms',
    lines: [
      { label: 'p50', cls: 'p50', values: of('p50') },
      { label: 'p95', cls: 'p95', values: of('p95') },
      { label: 'p99', cls: 'p99', values: of('p99') },
    ],
    target: null,
  });
}

/** The x axis: seconds since the load phase started, or minutes past 20 minutes. */
function timeAxis(windows: readonly WindowFigures[]): { x: Scale; at: (w: WindowFigures) => number; label: string; unit: string } {
  const last = windows[windows.length - 1] as WindowFigures;
  const endSec = last.startSec + last.spanSec;
  const div = endSec > 1200 ? 60 : 1;
  const unit = div === 60 ? 'min' : 's';
  return {
    x: scale(0, endSec / div, 0, PLOT_W, true),
    at: (w) => (w.startSec + w.spanSec / 2) / div,
    label: `${div === 60 ? 'minutes' : 'seconds'} since the load phase started`,
    unit,
  };
}

function chart(windows: readonly WindowFigures[], spec: ChartSpec): string {
  if (windows.length === 0) return `<p class="no-chart">No figure of the load phase came in: nothing to draw.</p>`;
  const t = timeAxis(windows);
  const values = spec.lines.flatMap((l) => l.values.filter((v): v is number => v !== null));
  const y = scale(0, Math.max(...values, spec.target?.value ?? 0, 1), PLOT_H, 0, true);
  const parts = axes(t.x, y, t.label, spec.yLabel);
  if (spec.target !== null) {
    const ty = fx(y(spec.target.value));
    parts.push(`<line class="target" x1="0" x2="${PLOT_W}" y1="${ty}" y2="${ty}"><title>${esc(spec.target.label)}</title></line>`);
  }
  spec.lines.forEach((line, i) => {
    parts.push(`<text class="legend ${line.cls}" x="${8 + i * 90}" y="-10">${esc(line.label)}</text>`);
    parts.push(...drawLine(windows, line, spec.unit, (w, v) => [fx(t.x(t.at(w))), fx(y(v))], t.unit));
  });
  if (spec.target !== null)
    parts.push(`<text class="legend target" x="${8 + spec.lines.length * 90}" y="-10">dotted: ${esc(spec.target.label)}</text>`);
  return `<svg class="chart ${spec.kind}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(spec.yLabel)} per window">
<g transform="translate(${MARGIN.left},${MARGIN.top})">
${parts.join('\n')}
</g>
</svg>`;
}

function axes(x: Scale, y: Scale, xLabel: string, yLabel: string): string[] {
  const parts: string[] = [];
  for (const t of y.ticks) {
    parts.push(`<line class="grid" x1="0" x2="${PLOT_W}" y1="${fx(y(t))}" y2="${fx(y(t))}"/>`);
    parts.push(`<text x="-8" y="${fx(y(t) + 4)}" text-anchor="end">${fmtTick(t)}</text>`);
  }
  for (const t of x.ticks) parts.push(`<text x="${fx(x(t))}" y="${PLOT_H + 18}" text-anchor="middle">${fmtTick(t)}</text>`);
  parts.push(`<line class="axis" x1="0" x2="${PLOT_W}" y1="${PLOT_H}" y2="${PLOT_H}" stroke="#555"/>`);
  parts.push(`<line class="axis" x1="0" x2="0" y1="0" y2="${PLOT_H}" stroke="#555"/>`);
  parts.push(`<text x="${PLOT_W / 2}" y="${PLOT_H + 40}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(-52,${PLOT_H / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return parts;
}

/** One line, broken where a window has no figure; a point per window when there are few (with its figure as a tooltip). */
function drawLine(
  windows: readonly WindowFigures[],
  line: Line,
  unit: string,
  at: (w: WindowFigures, v: number) => [string, string],
  timeUnit: string,
): string[] {
  const parts: string[] = [];
  const segments: [string, string][][] = [[]];
  line.values.forEach((v, i) => {
    const w = windows[i] as WindowFigures;
    if (v === null) {
      segments.push([]);
      return;
    }
    const xy = at(w, v);
    (segments[segments.length - 1] as [string, string][]).push(xy);
    const alone = (line.values[i - 1] ?? null) === null && (line.values[i + 1] ?? null) === null;
    if (windows.length <= MAX_POINTED_WINDOWS || alone) {
      const when = timeUnit === 'min' ? `${round(w.startSec / 60, 1)} min` : `${w.startSec} s`;
      parts.push(
        `<circle class="point ${line.cls}" cx="${xy[0]}" cy="${xy[1]}" r="3"><title>${esc(`${line.label}: ${v} ${unit} (window from ${when})`)}</title></circle>`,
      );
    }
  });
  for (const s of segments)
    if (s.length > 1) parts.unshift(`<polyline class="series ${line.cls}" points="${s.map((p) => p.join(',')).join(' ')}"/>`);
  return parts;
}
