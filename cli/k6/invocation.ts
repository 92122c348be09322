// The one place that turns run settings into k6's command line and environment. The run, and
// through it bisect-check and the demo, and `make segments` all start k6 with this, so a run
// flag means the same thing everywhere.
import { join } from 'node:path';
import { RunSettings, settingsToEnv } from '../../lib/run-settings';

/** k6's web dashboard, which the CLI's progress lines follow (and --report exports). */
export interface DashboardSettings {
  readonly port: number;
  readonly periodSec: number;
  /** --report: the HTML file k6 writes at the end. */
  readonly exportPath?: string;
}

export interface K6InvocationInput {
  readonly projectRoot: string;
  readonly settings: RunSettings;
  /** k6 --out values, in order. */
  readonly outputs: readonly string[];
  readonly dashboard?: DashboardSettings;
  /** One execution segment of a split test ("0:1/2"), the whole sequence ("0,1/2,1") and the instance's number (from 1). */
  readonly segment?: { readonly segment: string; readonly sequence: string; readonly instanceId: number };
  /** The environment k6 inherits (k6 reads its own K6_* options from it). */
  readonly baseEnv: NodeJS.ProcessEnv;
}

export interface K6Invocation {
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Go's garbage-collection target for k6 (GOGC) when the caller's shell sets none. Go's default,
 * 100, collects whenever the heap has grown by its live size; each response body k6 reads is a
 * fresh 20-540 KB buffer, so at high rates collection took ~40% of k6's CPU (profile in
 * BENCHMARKS.md). 200 collects half as often: more rate and a shorter tail for more memory
 * (BENCHMARKS.md, "GOGC"). GOGC=100 or GOMEMLIMIT in the shell overrides it.
 */
export const K6_GOGC = '200';

export function scenarioPath(projectRoot: string): string {
  return join(projectRoot, 'dist', 'scenario.js');
}

export function k6Invocation(input: K6InvocationInput): K6Invocation {
  const { settings, dashboard } = input;
  // JSON log lines: request-log records are picked out of them, the rest shown as text.
  // k6's REST API is off: it serves setup() data, and would let anyone on the machine change the run.
  // The script sees only the -e variables below, not the caller's shell: the CLI has checked
  // every setting, and a stray shell variable must not change or stop the run.
  const args = ['run', '--quiet', '--no-usage-report', '--address', '', '--log-format', 'json', '--include-system-env-vars=false'];
  for (const [key, value] of Object.entries(settingsToEnv(settings))) args.push('-e', `${key}=${value}`);
  // --stream-stats: the VUs report their own figures (lib/stats-stream.ts); without a summary or
  // thresholds k6 keeps none of its samples, so its memory stays flat however long the run.
  if (settings.streamStats) args.push('--summary-mode=disabled', '--no-thresholds');
  // instance_id, as the k6-operator tags its runners: outputs keep each instance's series apart.
  if (input.segment)
    args.push(
      '--execution-segment',
      input.segment.segment,
      '--execution-segment-sequence',
      input.segment.sequence,
      '--tag',
      `instance_id=${input.segment.instanceId}`,
    );
  for (const out of input.outputs) args.push('--out', out);
  args.push(scenarioPath(input.projectRoot));

  const env: NodeJS.ProcessEnv = {
    ...input.baseEnv,
    GOGC: input.baseEnv.GOGC ?? K6_GOGC,
    K6_NO_USAGE_REPORT: 'true',
    K6_AUTO_EXTENSION_RESOLUTION: 'false',
    // The CLI reads the script's console lines (request log, failed attempts, --stream-stats)
    // on k6's stderr: a K6_CONSOLE_OUTPUT file in the caller's shell would take them away.
    K6_CONSOLE_OUTPUT: undefined,
    // Prometheus remote write: trends as native histograms, which add up across instances, so the
    // Grafana dashboard's percentiles are of all of them (histogram_quantile over the sum). With
    // them off in the shell, trend statistics (each instance's own) instead.
    K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: input.baseEnv.K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM ?? 'true',
    K6_PROMETHEUS_RW_TREND_STATS: input.baseEnv.K6_PROMETHEUS_RW_TREND_STATS ?? 'p(50),p(95),p(99),avg,max,count',
  };
  if (dashboard) {
    Object.assign(env, {
      K6_WEB_DASHBOARD: 'true',
      K6_WEB_DASHBOARD_HOST: '127.0.0.1',
      K6_WEB_DASHBOARD_PORT: String(dashboard.port),
      K6_WEB_DASHBOARD_PERIOD: `${dashboard.periodSec}s`,
      K6_WEB_DASHBOARD_OPEN: 'false',
      // Submetrics the progress line reads (moodle_reqs{outcome:success}, ...).
      K6_WEB_DASHBOARD_TAGS: 'outcome',
      ...(dashboard.exportPath ? { K6_WEB_DASHBOARD_EXPORT: dashboard.exportPath } : {}),
    });
  } else {
    // A K6_WEB_DASHBOARD=true in the caller's shell would make every instance bind the same port.
    env.K6_WEB_DASHBOARD = 'false';
  }
  return { args, env };
}
