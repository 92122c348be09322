// `make segments N=2 RPM=... DURATION=... CONFIG=...`: one test split across N local k6
// instances with execution segments (as the k6-operator splits it across pods). Each instance
// runs its share of the rate and of the VUs, with its own sessions; all use one seed, so
// together they request what a single instance would. k6 instances do not merge results: this
// adds their counts up and lists each instance's percentiles, which cannot be merged exactly
// from summaries (use Prometheus, or the request logs, for combined percentiles).
//
// Takes moodle-load's run flags (cli/args.ts) plus --instances, and starts k6 the way the CLI
// does (cli/k6-invocation.ts); the flags that make one file or one progress stream per run
// (--summary, --log, --report, --progress) are refused in one line, and --stream-stats (its
// figures go to the CLI's own run, which segments does not use).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfigText } from '../lib/config';
import { resolveBeside } from '../lib/paths';
import { freshSeed } from '../lib/random';
import { SettingsError } from '../lib/run-settings';
import { evenSegments } from '../lib/segments';
import type { Summary } from '../lib/summary';
import { ExtraFlags, numberFlag, parseCliArgs, usage } from '../cli/args';
import { EXIT, exitCodeForRun } from '../cli/exit-codes';
import { findK6, K6MissingError, PINNED_K6_VERSION } from '../cli/k6-binary';
import { k6Invocation } from '../cli/k6-invocation';
import { K6Run } from '../cli/k6/k6-run';

process.setSourceMapsEnabled(true);

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const FLAGS: ExtraFlags = { instances: { help: 'k6 instances, each one execution segment (default 2)' } };
/** Run flags that mean one file or stream per run: each instance has its own, so they are refused. */
const PER_RUN_FLAGS = ['--summary', '--log', '--report', '--progress', '--stream-stats'];
const say = (line: string) => process.stderr.write(`segments: ${line}\n`);

async function segments(argv: readonly string[]): Promise<number> {
  let parsed;
  let n: number;
  try {
    const refused = argv.find((a) => PER_RUN_FLAGS.includes(a.split('=')[0] as string));
    if (refused?.startsWith('--stream-stats')) throw new SettingsError('--stream-stats is not for segments: each instance writes its summary with k6\'s own figures');
    if (refused) throw new SettingsError(`${refused.split('=')[0]} is not for segments: each instance writes its own summary (listed in per_instance) and logs to stderr`);
    parsed = parseCliArgs(argv, FLAGS);
    if (parsed.kind !== 'run') {
      process.stdout.write(usage(FLAGS, 'make segments (tools/run-segments.ts)', 'Prints the combined counts as JSON on stdout.') + '\n');
      return EXIT.ok;
    }
    n = numberFlag('--instances', parsed.extra.instances, 2, 1);
    if (!Number.isInteger(n)) throw new SettingsError(`--instances must be a whole number >= 1, not ${JSON.stringify(parsed.extra.instances)}`);
    const configPath = resolve(parsed.options.settings.configPath);
    parseConfigText(readFileSync(configPath, 'utf8'), (f) => readFileSync(resolveBeside(configPath, f), 'utf8'));
  } catch (e) {
    if (e instanceof SettingsError || e instanceof ConfigError) {
      say(e.message);
      return EXIT.badInput;
    }
    if ((e as NodeJS.ErrnoException).code) {
      say(`config: file cannot be read (${(e as NodeJS.ErrnoException).code})`);
      return EXIT.badInput;
    }
    throw e;
  }
  let k6: string;
  try {
    k6 = findK6(ROOT, process.env);
  } catch (e) {
    if (!(e instanceof K6MissingError)) throw e;
    say(e.message);
    return EXIT.k6Missing;
  }

  const { segments: parts, sequence } = evenSegments(n);
  const dir = mkdtempSync(join(tmpdir(), 'moodle-load-segments-'));
  const given = parsed.options.settings;
  const seed = given.seed ?? freshSeed();
  const runs = parts.map(async (segment, i) => {
    const summaryPath = join(dir, `instance-${i + 1}.json`);
    const settings = { ...given, configPath: resolve(given.configPath), seed, summaryPath, channel: true, summaryToStdout: false, k6Version: PINNED_K6_VERSION };
    const invocation = k6Invocation({ projectRoot: ROOT, settings, outputs: parsed.options.outputs, segment: { segment, sequence }, baseEnv: process.env });
    const run = new K6Run({ k6, invocation, onText: (line) => process.stderr.write(`instance ${i + 1}: ${line}\n`) });
    return { segment, summaryPath, result: await run.done };
  });
  const results = await Promise.all(runs);
  const exits = results.map((r) => exitCodeForRun(r.result.exitCode, r.result.interrupted, r.result.end));
  const summaries = results.map((r) => r.result.end?.summary);
  const present = summaries.filter((s): s is Summary => s !== undefined);
  const total = present.reduce((s, x) => s + x.total, 0);
  const elapsed = Math.max(0, ...present.map((s) => s.elapsed_sec));
  const combined = {
    instances: n,
    seed,
    target_rpm: given.rpm,
    total,
    success: present.reduce((s, x) => s + x.success, 0),
    failures: present.reduce((s, x) => s + x.failures, 0),
    dropped_iterations: present.reduce((s, x) => s + x.dropped_iterations, 0),
    req_per_min_observed: elapsed > 0 ? Math.round((total / elapsed) * 600) / 10 : 0,
    elapsed_sec: elapsed,
    per_instance: results.map((r, i) => ({
      execution_segment: r.segment,
      exit: exits[i],
      summary_file: summaries[i] ? r.summaryPath : null,
      total: summaries[i]?.total,
      req_per_min_observed: summaries[i]?.req_per_min_observed,
      instance_target_rpm: summaries[i]?.instance_target_rpm,
      latency_ms_p95: summaries[i]?.latency_ms_p95,
    })),
    note: 'counts and rates are sums over the instances (exact); percentiles are per instance and cannot be merged from summaries: combine in Prometheus or from request logs',
  };
  process.stdout.write(JSON.stringify(combined, null, 2) + '\n');
  if (present.length < results.length) say(`${results.length - present.length} instance(s) wrote no summary: the counts cover the others only`);
  return exits.find((e) => e !== EXIT.ok) ?? EXIT.ok;
}

process.exitCode = await segments(process.argv.slice(2));
