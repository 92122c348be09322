// The capacity search's HTML report: one self-contained file (inline SVG and CSS, no script, nothing
// fetched), so it opens anywhere, offline and from an attachment. Two panels share the x axis (users
// or rpm): the worst endpoint's p95 with the limit line, and the throughput; the first broken step
// is marked in both. A table of the steps follows.
import { esc, fmtTick, fx, Scale, scale } from '../svg';
import type { CapacityResult, StepReport } from './capacity-search';

const WIDTH = 960;
const HEIGHT = 300;
const MARGIN = { left: 70, right: 30, top: 30, bottom: 50 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

export function capacityHtml(result: CapacityResult, title = 'moodle-load capacity'): string {
  const xs = result.steps.map((s) => xOf(result, s));
  const xScale = scale(xs.length > 0 ? Math.min(...xs) : 0, xs.length > 0 ? Math.max(...xs) : 1, 0, PLOT_W, false);
  const xLabel = result.by === 'users' ? 'users' : 'requests per minute (target)';
  const p95s = result.steps.map((s) => s.worst_p95_ms).filter((v): v is number => v !== null);
  const limit = result.limits.max_p95_ms;
  const latency = panel({
    result,
    x: xScale,
    xLabel,
    yLabel: 'p95, worst endpoint (ms)',
    kind: 'p95',
    value: (s) => s.worst_p95_ms,
    yMax: Math.max(...p95s, limit ?? 0, 1),
    limit,
  });
  const rpsMax = Math.max(...result.steps.map((s) => Math.max(s.rps, (s.rpm ?? 0) / 60)), 1);
  const throughput = panel({
    result,
    x: xScale,
    xLabel,
    yLabel: 'throughput (req/s)',
    kind: 'rps',
    value: (s) => s.rps,
    yMax: rpsMax,
    limit: null,
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
p.outcome { font-size: 15px; margin: 4px 0 16px; }
svg { display: block; margin: 0 0 12px; background: #fafafa; border: 1px solid #ddd; }
svg text { font-size: 12px; fill: #333; }
.axis line, .axis path { stroke: #555; }
.grid { stroke: #e3e3e3; }
.series { fill: none; stroke-width: 2; }
.series.p95 { stroke: #1f6fb2; }
.series.rps { stroke: #2a8a3e; }
.series.target { stroke: #999; stroke-dasharray: 2 4; stroke-width: 1.5; }
.point.p95 { fill: #1f6fb2; }
.point.rps { fill: #2a8a3e; }
.point.broken { fill: #c62828; }
.limit { stroke: #c62828; stroke-width: 1.5; stroke-dasharray: 6 4; }
.first-broken { stroke: #c62828; stroke-width: 1; stroke-dasharray: 3 3; }
text.limit-label, text.broken-label { fill: #c62828; font-weight: 600; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #eee; }
th.text { text-align: left; }
td.text { text-align: left; }
tr.broke td { background: #fdecea; }
tr.held td { background: #eef7ee; }
ul.notes { font-size: 13px; }
</style>
</head>
<body>
<h1>${esc(title)}: by ${esc(result.by)}</h1>
<p class="outcome">${esc(outcomeSentence(result))}</p>
${latency}
${throughput}
${stepTable(result)}
${result.notes.length > 0 ? `<ul class="notes">${result.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
</body>
</html>
`;
}

function xOf(result: CapacityResult, s: StepReport): number {
  return result.by === 'users' ? s.users : (s.rpm ?? 0);
}

export function outcomeSentence(r: CapacityResult): string {
  const unit = r.by === 'users' ? 'users' : 'rpm';
  const held = r.last_held ? `last held: ${r.last_held.value} ${unit} (step ${r.last_held.step})` : 'no step held';
  switch (r.outcome) {
    case 'broke':
      return `${held}; first broken: ${r.first_broken?.value ?? '?'} ${unit} (step ${r.first_broken?.step ?? '?'}).`;
    case 'held_to_max':
      return `Every step held up to ${r.last_held?.value ?? '?'} ${unit}: no limit broke.`;
    case 'interrupted':
      return `Interrupted after ${r.steps.length} step(s); ${held}.`;
    case 'failed':
      return `A run failed at step ${r.steps.length}; ${held}.`;
  }
}

interface PanelSpec {
  readonly result: CapacityResult;
  readonly x: Scale;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly kind: 'p95' | 'rps';
  readonly value: (s: StepReport) => number | null;
  readonly yMax: number;
  readonly limit: number | null;
}

function panel(p: PanelSpec): string {
  const y = scale(0, p.yMax, PLOT_H, 0, true);
  const at = (s: StepReport, v: number) => `${fx(p.x(xOf(p.result, s)))},${fx(y(v))}`;
  const points = p.result.steps.filter((s) => p.value(s) !== null);
  const line = points.map((s) => at(s, p.value(s) as number)).join(' ');
  const parts: string[] = [];
  for (const t of y.ticks) {
    parts.push(`<line class="grid" x1="0" x2="${PLOT_W}" y1="${fx(y(t))}" y2="${fx(y(t))}"/>`);
    parts.push(`<text x="-8" y="${fx(y(t) + 4)}" text-anchor="end">${fmtTick(t)}</text>`);
  }
  for (const t of p.x.ticks) parts.push(`<text x="${fx(p.x(t))}" y="${PLOT_H + 18}" text-anchor="middle">${fmtTick(t)}</text>`);
  parts.push(`<line class="axis" x1="0" x2="${PLOT_W}" y1="${PLOT_H}" y2="${PLOT_H}" stroke="#555"/>`);
  parts.push(`<line class="axis" x1="0" x2="0" y1="0" y2="${PLOT_H}" stroke="#555"/>`);
  parts.push(`<text x="${PLOT_W / 2}" y="${PLOT_H + 40}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  parts.push(`<text transform="translate(-52,${PLOT_H / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  if (p.kind === 'rps' && p.result.by === 'rpm') {
    // The rate each step asked for: where the observed line falls below it, the load was not all sent.
    const target = p.result.steps.map((s) => at(s, (s.rpm ?? 0) / 60)).join(' ');
    parts.push(`<polyline class="series target" points="${target}"><title>target (rpm / 60)</title></polyline>`);
    parts.push(`<text x="8" y="12" fill="#777">dotted: the target rate (rpm / 60); solid: observed</text>`);
  }
  if (p.limit !== null) {
    const ly = fx(y(p.limit));
    parts.push(`<line class="limit" x1="0" x2="${PLOT_W}" y1="${ly}" y2="${ly}" data-limit="${p.limit}"/>`);
    parts.push(`<text class="limit-label" x="${PLOT_W - 4}" y="${fx(y(p.limit) - 6)}" text-anchor="end">limit ${p.limit} ms</text>`);
  }
  const broken = p.result.first_broken;
  const brokenStep = broken ? p.result.steps.find((s) => s.step === broken.step) : undefined;
  if (brokenStep) {
    const bx = fx(p.x(xOf(p.result, brokenStep)));
    parts.push(`<line class="first-broken" x1="${bx}" x2="${bx}" y1="0" y2="${PLOT_H}" data-step="${brokenStep.step}"/>`);
    parts.push(`<text class="broken-label" x="${bx}" y="-8" text-anchor="middle">first broken: step ${brokenStep.step}</text>`);
  }
  if (points.length > 1) parts.push(`<polyline class="series ${p.kind}" points="${line}"/>`);
  for (const s of points) {
    const v = p.value(s) as number;
    const cls = `point ${p.kind}${brokenStep?.step === s.step ? ' broken' : ''}`;
    const [cx, cy] = at(s, v).split(',');
    const label = `step ${s.step}: ${xOf(p.result, s)} ${p.result.by}, ${p.kind === 'p95' ? `p95 ${v} ms` : `${v} req/s`}, ${s.verdict}`;
    parts.push(
      `<circle class="${cls}" cx="${cx}" cy="${cy}" r="5" data-step="${s.step}" data-x="${xOf(p.result, s)}" data-y="${v}" data-verdict="${s.verdict}"><title>${esc(label)}</title></circle>`,
    );
  }
  return `<svg class="panel ${p.kind}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(p.yLabel)} against ${esc(p.xLabel)}">
<g transform="translate(${MARGIN.left},${MARGIN.top})">
${parts.join('\n')}
</g>
</svg>`;
}

function stepTable(r: CapacityResult): string {
  const head = [
    'step',
    r.by === 'users' ? 'users' : 'rpm',
    'VUs',
    'requests',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'worst endpoint',
    'worst p95 ms',
    'failures %',
    'dropped',
    'verdict',
  ];
  const rows = r.steps.map((s) => {
    const cells = [
      s.step,
      xOf(r, s),
      s.vus,
      s.requests,
      s.rps,
      s.p50_ms ?? '-',
      s.p95_ms ?? '-',
      s.p99_ms ?? '-',
      null,
      s.worst_p95_ms ?? '-',
      s.failure_pct,
      s.dropped,
      null,
    ];
    const tds = cells.map((c, i) => {
      if (i === 8) return `<td class="text">${esc(s.worst_endpoint ?? '-')}</td>`;
      if (i === 12) return `<td class="text">${esc(s.verdict)}${s.reasons.length > 0 ? `: ${esc(s.reasons.join('; '))}` : ''}</td>`;
      return `<td>${esc(String(c))}</td>`;
    });
    return `<tr class="step ${s.verdict}" data-step="${s.step}">${tds.join('')}</tr>`;
  });
  return `<table class="steps">
<thead><tr>${head.map((h, i) => `<th${i === 8 || i === 12 ? ' class="text"' : ''}>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}
