// `make segments N=2 RPM=... DURATION=... CONFIG=...`: one test split across N local k6
// instances with execution segments (as the k6-operator splits it across pods). Each instance
// runs its share of the rate and of the VUs, with its own sessions; all use one seed, so
// together they request what a single instance would. k6 instances do not merge results: this
// adds their counts up and lists each instance's percentiles, which cannot be merged exactly
// from summaries (use Prometheus, or the request logs, for combined percentiles).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freshSeed } from '../lib/random';
import { evenSegments } from '../lib/segments';
import type { Summary } from '../lib/summary';
import { ROOT } from '../test/helpers/paths';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '2' },
    config: { type: 'string', default: 'config.json' },
    rpm: { type: 'string', default: '600' },
    duration: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '20' },
    'base-url': { type: 'string' },
    out: { type: 'string', multiple: true },
  },
});
const n = Number(values.instances);
if (!Number.isInteger(n) || n < 1) {
  process.stderr.write(`segments: --instances must be a whole number >= 1, not ${JSON.stringify(values.instances)}\n`);
  process.exit(2);
}
const { segments, sequence } = evenSegments(n);
const dir = mkdtempSync(join(tmpdir(), 'moodle-load-segments-'));
const seed = freshSeed();
const env = ['CONFIG=' + resolve(values.config as string), `RPM=${values.rpm}`, `DURATION=${values.duration}`, `CONCURRENCY=${values.concurrency}`, `SEED=${seed}`, 'SUMMARY_STDOUT=0', ...(values['base-url'] ? [`BASE_URL=${values['base-url']}`] : [])];

const runs = segments.map((segment, i) => {
  const summary = join(dir, `instance-${i + 1}.json`);
  const args = ['run', '--quiet', '--address', '', '--execution-segment', segment, '--execution-segment-sequence', sequence, ...env.flatMap((e) => ['-e', e]), '-e', `SUMMARY=${summary}`];
  for (const out of values.out ?? []) args.push('--out', out);
  args.push(join(ROOT, 'dist', 'scenario.js'));
  const child = spawn(join(ROOT, '.tools', 'bin', 'k6'), args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
  return new Promise<{ segment: string; code: number | null; summary: string }>((done) => child.on('close', (code) => done({ segment, code, summary })));
});
const results = await Promise.all(runs);
const summaries = results.map((r) => JSON.parse(readFileSync(r.summary, 'utf8')) as Summary);
const total = summaries.reduce((s, x) => s + x.total, 0);
const elapsed = Math.max(...summaries.map((s) => s.elapsed_sec));
const combined = {
  instances: n,
  seed,
  target_rpm: Number(values.rpm),
  total,
  success: summaries.reduce((s, x) => s + x.success, 0),
  failures: summaries.reduce((s, x) => s + x.failures, 0),
  dropped_iterations: summaries.reduce((s, x) => s + x.dropped_iterations, 0),
  req_per_min_observed: elapsed > 0 ? Math.round((total / elapsed) * 600) / 10 : 0,
  elapsed_sec: elapsed,
  per_instance: results.map((r, i) => ({
    execution_segment: r.segment,
    exit: r.code,
    summary_file: r.summary,
    total: summaries[i]?.total,
    req_per_min_observed: summaries[i]?.req_per_min_observed,
    instance_target_rpm: summaries[i]?.instance_target_rpm,
    latency_ms_p95: summaries[i]?.latency_ms_p95,
  })),
  note: 'counts and rates are sums over the instances (exact); percentiles are per instance and cannot be merged from summaries: combine in Prometheus or from request logs',
};
process.stdout.write(JSON.stringify(combined, null, 2) + '\n');
process.exit(results.every((r) => r.code === 0) ? 0 : 4);
