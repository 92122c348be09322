// --report with --stream-stats: one self-contained HTML page (inline SVG and CSS, no script,
// nothing fetched) built at the end of the run from the figures the CLI counted: what the run
// was, its requests per second and latency per window of the load phase (analysis/stream-timeline.ts),
// and the summary's per-endpoint figures. Every text from the config is escaped; nothing of a
// user (name, password, cookie, sesskey) is on the page: the config gives it its base URL alone.
import type { StreamTimeline, WindowFigures } from '../analysis/stream-timeline';
import type { MoodleConfig } from '../lib/config';
import { round } from '../lib/round';
import type { RunSettings } from '../lib/run-settings';
import { PERCENTILE_RELATIVE_ERROR, reportEverySec } from '../lib/stats-stream';
import type { EndpointSummary, ServerFigures, Summary } from '../lib/summary';
import type { SetupData } from '../lib/summary-files';
import { latencyChart, rateChart } from './stream-report-charts';
import { esc } from './svg';

export interface StreamReportSource {
  readonly summary: Summary;
  readonly timeline: StreamTimeline;
  readonly settings: RunSettings;
  readonly config: MoodleConfig;
  /** setup()'s record; undefined when setup() did not finish. */
  readonly setupData: SetupData | undefined;
}

/** What the page shows, and all it is given. */
interface ReportView {
  readonly summary: Summary;
  readonly windows: readonly WindowFigures[];
  readonly windowSec: number;
  /** How often each VU reported (lib/stats-stream.ts reportEverySec). */
  readonly reportSec: number;
  /** The site, without the user or password a URL may carry. */
  readonly site: string;
  readonly loadStartMs: number | null;
}

export function streamReportHtml(source: StreamReportSource): string {
  const { summary, timeline } = source;
  return reportPage({
    summary,
    windows: timeline.figures(Math.min(summary.duration_sec, summary.elapsed_sec)),
    windowSec: timeline.windowSec,
    reportSec: reportEverySec(source.settings.concurrency),
    site: siteOf(source.settings.baseUrl ?? source.config.baseUrl),
    loadStartMs: source.setupData?.loadStartMs ?? null,
  });
}

/** A base URL without its user and password (http://user:pass@host is a valid base_url). */
export function siteOf(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    // Unparsable (a password with a "/" in it): drop everything up to the last "@".
    const at = baseUrl.lastIndexOf('@');
    const scheme = baseUrl.indexOf('://');
    return at < 0 || scheme < 0 ? baseUrl : baseUrl.slice(0, scheme + 3) + baseUrl.slice(at + 1);
  }
  if (url.username === '' && url.password === '') return baseUrl;
  url.username = '';
  url.password = '';
  return url.href.replace(/\/+$/, '');
}

const STYLE = `body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
p, ul { font-size: 14px; }
p.note { color: #555; font-size: 13px; max-width: 960px; }
svg { display: block; margin: 0 0 12px; background: #fafafa; border: 1px solid #ddd; }
svg text { font-size: 12px; fill: #333; }
.grid { stroke: #e3e3e3; }
.series { fill: none; stroke-width: 2; }
.series.ok { stroke: #2a8a3e; } .point.ok { fill: #2a8a3e; }
.series.failed { stroke: #c62828; } .point.failed { fill: #c62828; }
.series.p50 { stroke: #7aa6d6; } .point.p50 { fill: #7aa6d6; }
.series.p95 { stroke: #1f6fb2; } .point.p95 { fill: #1f6fb2; }
.series.p99 { stroke: #0b3a66; } .point.p99 { fill: #0b3a66; }
.target { stroke: #999; stroke-dasharray: 2 4; stroke-width: 1.5; }
text.legend { font-weight: 600; }
text.legend.ok { fill: #2a8a3e; } text.legend.failed { fill: #c62828; } text.legend.p50 { fill: #7aa6d6; }
text.legend.p95 { fill: #1f6fb2; } text.legend.p99 { fill: #0b3a66; } text.legend.target { fill: #777; font-weight: 400; }
table { border-collapse: collapse; font-size: 13px; margin: 0 0 12px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #eee; }
th.text, td.text { text-align: left; }
tr.all td { font-weight: 600; }
ul.warnings li { color: #8a4b00; }`;

function reportPage(v: ReportView): string {
  const s = v.summary;
  const title = `moodle-load run: ${v.site}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${runTable(v)}
<p class="note">${esc(honestLine(v.windowSec, v.reportSec))}</p>
${s.warnings.length > 0 ? `<ul class="warnings">${s.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
<h2>Requests per second, per ${v.windowSec} s window</h2>
${rateChart(v.windows, s.users.model === 'open' ? s.target_rpm / 60 : null)}
<h2>Latency per ${v.windowSec} s window</h2>
${latencyChart(v.windows)}
<h2>Per endpoint</h2>
${endpointTable(s)}
<h2>Failures by reason</h2>
${reasonTable(s)}
${serverSection(s)}
<details>
<summary>Figures per window</summary>
${windowTable(v.windows)}
</details>
</body>
</html>
`;
}

function honestLine(windowSec: number, reportSec: number): string {
  const every = reportSec === 1 ? 'once a second' : `once every ${reportSec} s`;
  const interval = reportSec === 1 ? 'a second' : `${reportSec} s`;
  return (
    'Figures streamed by the VUs (--stream-stats): counts, failure reasons, means, min and max are exact; ' +
    `percentiles come from histograms and are within ${PERCENTILE_RELATIVE_ERROR * 100}% of the exact value. ` +
    `Over time: each VU reports at most ${every}, and its report counts in the ${windowSec} s window in which the CLI ` +
    `received it, so a window is accurate to about ${interval}: what a VU had not reported yet when a window ended counts in ` +
    `the next one (the first window shows up to ${interval} of figures less, the last one, which takes the final reports, more). ` +
    'Latency is of successful attempts, as in the summary.'
  );
}

function runTable(v: ReportView): string {
  const s = v.summary;
  const u = s.users;
  const model =
    u.model === 'open'
      ? `open: target ${s.target_rpm} requests per minute (${round(s.target_rpm / 60, 2)}/s)`
      : `closed: ${u.users} users, think time ${(u.think_time_sec ?? []).join('-')} s${u.ramp_sec === null ? '' : `, ramp ${u.ramp_sec} s`}`;
  const rows: [string, string][] = [
    ['site', v.site],
    ['load model', model],
    ['duration', `${s.duration_sec} s${s.warmup_sec > 0 ? ` after a ${s.warmup_sec} s warm-up` : ''}`],
    ['concurrency', `${s.concurrency} VUs${u.users !== u.vus ? `, serving ${u.users} users` : ''}`],
    ['seed', s.seed === null ? '-' : String(s.seed)],
    ['load phase started', v.loadStartMs === null ? 'never (setup did not finish)' : new Date(v.loadStartMs).toISOString()],
    ['ran', `${s.elapsed_sec} s${s.stopped_early ? ' (stopped early: the last second of figures may be missing)' : ''}`],
    [
      'requests',
      `${s.total} (${s.success} succeeded, ${s.failures} failed), ${s.req_per_min_observed} per minute; p50/p95/p99 ${ms(s.latency_ms_p50)}/${ms(s.latency_ms_p95)}/${ms(s.latency_ms_p99)} ms`,
    ],
    ['dropped iterations', `${s.dropped_iterations}${s.stopped_early ? ' (estimated from the schedule)' : ''}`],
    ['versions', `moodle-load ${s.moodle_load_version}, k6 ${s.k6_version ?? '-'}`],
  ];
  return `<table class="run">
${rows.map(([k, val]) => `<tr><th class="text">${esc(k)}</th><td class="text">${esc(val)}</td></tr>`).join('\n')}
</table>`;
}

function ms(v: number | null): string {
  return v === null ? '-' : String(v);
}

function reasonsOf(reasons: Readonly<Record<string, number>>): string {
  return Object.entries(reasons)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
}

function endpointTable(s: Summary): string {
  const head = ['endpoint', 'requests', 'succeeded', 'failed', 'per minute', 'p50 ms', 'p95 ms', 'p99 ms', 'failures by reason'];
  const row = (cls: string, name: string, e: EndpointSummary | Summary, reasons: string) =>
    `<tr class="${cls}" data-endpoint="${esc(name)}" data-total="${e.total}"><td class="text">${esc(name)}</td>` +
    [e.total, e.success, e.failures, e.req_per_min_observed, ms(e.latency_ms_p50), ms(e.latency_ms_p95), ms(e.latency_ms_p99)]
      .map((c) => `<td>${esc(String(c))}</td>`)
      .join('') +
    `<td class="text">${esc(reasons)}</td></tr>`;
  const rows = Object.entries(s.endpoints).map(([name, e]) => row('endpoint', name, e, reasonsOf(e.failure_reasons)));
  rows.push(row('all', 'all', s, reasonsOf(s.failure_reasons)));
  return table('endpoints', head, [0, 8], rows);
}

function reasonTable(s: Summary): string {
  const rows = Object.entries(s.failure_reasons)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `<tr data-reason="${esc(r)}"><td class="text">${esc(r)}</td><td>${n}</td></tr>`);
  if (rows.length === 0) return '<p>No request failed.</p>';
  return table('reasons', ['reason', 'requests'], [0], rows);
}

const SERVER_COLUMNS: readonly [string, keyof ServerFigures][] = [
  ['footers read', 'requests'],
  ['server ms mean', 'time_ms_mean'],
  ['server ms p95', 'time_ms_p95'],
  ['DB reads mean', 'db_reads_mean'],
  ['DB reads median', 'db_reads_median'],
  ['DB writes mean', 'db_writes_mean'],
  ['DB writes median', 'db_writes_median'],
  ['DB ms mean', 'db_time_ms_mean'],
  ['RAM peak MB mean', 'ram_peak_mb_mean'],
  ['included files mean', 'included_files_mean'],
  ['session wait ms mean', 'session_wait_ms_mean'],
];

/** Moodle's performance footer figures, when the responses carried it. */
function serverSection(s: Summary): string {
  if (s.server === null) return '';
  const row = (cls: string, name: string, f: ServerFigures | null) =>
    `<tr class="${cls}"><td class="text">${esc(name)}</td>` +
    SERVER_COLUMNS.map(([, key]) => `<td>${f === null ? '-' : esc(String(round(f[key], 2)))}</td>`).join('') +
    '</tr>';
  const rows = Object.entries(s.endpoints).map(([name, e]) => row('endpoint', name, e.server));
  rows.push(row('all', 'all', s.server));
  return `<h2>Moodle's performance footer</h2>
${table('server', ['endpoint', ...SERVER_COLUMNS.map(([h]) => h)], [0], rows)}`;
}

function windowTable(windows: readonly WindowFigures[]): string {
  const rows = windows.map((w) => {
    const l = w.latency;
    const cells = [
      `${w.startSec}-${round(w.startSec + w.spanSec, 1)}`,
      w.success,
      w.failure,
      round((w.success + w.failure) / w.spanSec, 2),
      l === null ? '-' : round(l.p50, 2),
      l === null ? '-' : round(l.p95, 2),
      l === null ? '-' : round(l.p99, 2),
    ];
    return `<tr class="window" data-start-sec="${w.startSec}" data-success="${w.success}" data-failure="${w.failure}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  return table('windows', ['seconds', 'succeeded', 'failed', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms'], [], rows);
}

function table(cls: string, head: readonly string[], textColumns: readonly number[], rows: readonly string[]): string {
  const ths = head.map((h, i) => `<th${textColumns.includes(i) ? ' class="text"' : ''}>${esc(h)}</th>`).join('');
  return `<table class="${cls}">
<thead><tr>${ths}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}
