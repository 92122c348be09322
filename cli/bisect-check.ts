// moodle-load bisect-check, made for `git bisect run`: runs the load with a fixed seed and judges
// it against a baseline, figure by figure and endpoint by endpoint (analysis/bisect-verdict.ts):
// exit good, bad, skip (not the code under test: site down, no session, too many failures; or no
// clear answer within --max-repeats / --time-limit), or abort when it cannot judge at all (bad
// flags, no k6, Ctrl-C), which stops `git bisect run`. Codes: BISECT_EXIT in exit-codes.ts.
// Its flags are checked in commands/bisect-check.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baseline, judge, Limits, skipReason, Verdict, VerdictKind } from '../analysis/bisect-verdict';
import { incomparable } from '../analysis/compare';
import type { Summary } from '../lib/summary';
import type { CliOptions } from './cli-options';
import { BISECT_EXIT, EXIT } from './exit-codes';
import { judgedRun, runReport, type JudgedRun } from './judged-run';
import type { RunIo } from './run';
import { restoreSnapshot } from './site/restore';

/** Little's law (VUs = rate x time in the system) with this headroom over the p95 latency. */
const VU_HEADROOM = 2;
/** When a run dropped iterations and its p95 does not explain it, the next run gets this many times the VUs. */
const VU_GROWTH = 1.5;
/** Seed of a baseline recorded without --seed: any fixed number will do, this one is documented. */
export const DEFAULT_SEED = 1;

export interface BisectOptions {
  /** The run flags; their seed and concurrency are where the runs start from. */
  readonly run: CliOptions;
  /** Judge against this (--baseline), or record one to savePath (--save-baseline). */
  readonly baseline: Baseline | undefined;
  readonly savePath: string | undefined;
  /** Runs before the first judgement (--repeat), and in all (--max-repeats). */
  readonly firstRuns: number;
  readonly maxRuns: number;
  readonly timeLimitSec: number;
  readonly limits: Limits;
  /** A site snapshot restored before each run. */
  readonly restore: string | undefined;
  readonly keepRuns: boolean;
}

/** What the runs of one bisect-check share. */
interface Session {
  readonly o: BisectOptions;
  readonly projectRoot: string;
  readonly io: RunIo;
  readonly say: (line: string) => void;
  /** Request logs and summaries of the runs: read here, kept only with --keep-runs. */
  readonly dir: string;
  readonly seed: number;
  readonly started: number;
  readonly runs: JudgedRun[];
  vus: number;
}

/** How the runs ended: a verdict (or a baseline), a skip, or an abort already explained. */
type Outcome =
  | { readonly kind: 'judged'; readonly verdict: Verdict | undefined; readonly stopReason: string }
  | { readonly kind: 'skip'; readonly reason: string; readonly verdict: Verdict | undefined }
  | { readonly kind: 'abort' };

/** VUs for `rpm` when a request takes `latencyMs` (Little's law, with headroom). */
export function vusFor(rpm: number, latencyMs: number): number {
  return Math.ceil((rpm / 60) * (latencyMs / 1000) * VU_HEADROOM);
}

export async function runBisectCheck(projectRoot: string, o: BisectOptions, io: RunIo): Promise<number> {
  const say = (line: string) => io.stderr(`bisect-check: ${line}`);
  const seed = o.run.settings.seed ?? o.baseline?.seed ?? DEFAULT_SEED;
  const s: Session = {
    o,
    projectRoot,
    io,
    say,
    dir: mkdtempSync(join(tmpdir(), 'moodle-load-bisect-')),
    seed,
    started: Date.now(),
    runs: [],
    vus: startingVus(o, say),
  };
  try {
    return conclude(s, await runUntilDecided(s));
  } finally {
    // Request logs grow by a line per request: a bisect of many steps must not fill the disk.
    if (o.keepRuns) say(`runs kept in ${s.dir}`);
    else rmSync(s.dir, { recursive: true, force: true });
  }
}

/** The baseline's VUs, or more when its latency says the rate needs more (Little's law). */
function startingVus(o: BisectOptions, say: (line: string) => void): number {
  const { rpm, concurrency } = o.run.settings;
  if (!o.baseline) return concurrency;
  const p95 = Math.max(0, ...o.baseline.summaries.map((s) => s.latency_ms_p95 ?? 0));
  const vus = Math.max(o.baseline.vus, vusFor(rpm, p95));
  if (vus !== concurrency)
    say(
      `${vus} VUs (the baseline ran ${o.baseline.vus}; its p95 ${p95} ms at ${rpm} rpm needs ${vusFor(rpm, p95)} by Little's law with x${VU_HEADROOM} headroom)`,
    );
  return vus;
}

async function runUntilDecided(s: Session): Promise<Outcome> {
  let verdict: Verdict | undefined;
  for (let i = 1; i <= s.o.maxRuns; i++) {
    const stopReason = i > s.o.firstRuns ? outOfTime(s) : null;
    if (stopReason) return { kind: 'judged', verdict, stopReason };
    const run = await oneRun(s, i);
    if (run === null) return { kind: 'abort' };
    s.runs.push(run);
    const skipped = skipReason(run.exitCode, run.summary, s.o.limits, EXIT);
    if (skipped !== null) return { kind: 'skip', reason: `run ${i}: ${skipped}`, verdict };
    const summary = run.summary as Summary;
    const why = s.o.baseline ? incomparable(s.o.baseline.summaries[0] as Summary, summary) : null;
    if (why) {
      s.say(`cannot judge against this baseline: ${why}`);
      return { kind: 'abort' };
    }
    if (summary.dropped_iterations > 0) moreVusAfter(s, i, summary);
    if (s.o.baseline && i >= s.o.firstRuns) {
      verdict = judge(
        s.o.baseline,
        s.runs.map((r) => r.evidence),
        s.o.limits,
      );
      if (verdict.kind !== 'inconclusive') break;
      s.say(`inconclusive after ${i} run(s): ${verdict.reasons.join('; ')}`);
    }
  }
  return { kind: 'judged', verdict, stopReason: '' };
}

/** Why another run would end after --time-limit, or null. */
function outOfTime(s: Session): string | null {
  const longest = Math.max(...s.runs.map((r) => r.seconds));
  const elapsed = (Date.now() - s.started) / 1000;
  if (elapsed + longest <= s.o.timeLimitSec) return null;
  return `--time-limit ${s.o.timeLimitSec} s: another run (~${Math.round(longest)} s) would end after it (${Math.round(elapsed)} s so far)`;
}

/** What ran is still judged; the next run gets the VUs this run's latency asks for. */
function moreVusAfter(s: Session, i: number, summary: Summary): void {
  const needed = Math.max(vusFor(s.o.run.settings.rpm, summary.latency_ms_p95 ?? 0), Math.ceil(s.vus * VU_GROWTH));
  s.say(
    `run ${i}: k6 dropped ${summary.dropped_iterations} of ${summary.dropped_iterations + summary.total} iterations (too few VUs for the latency: p95 ${summary.latency_ms_p95} ms); judged on the ${summary.total} that ran${i < s.o.maxRuns ? `, next run with ${needed} VUs` : ''}`,
  );
  s.vus = needed;
}

/** Run `i`, with fresh users and (--restore) the site restored; null when the bisect must stop. */
async function oneRun(s: Session, i: number): Promise<JudgedRun | null> {
  if (s.o.restore !== undefined && !(await restoreBeforeRun(s.o.restore, s.say))) return null;
  const label = `run ${i} (${i <= s.o.firstRuns ? `of ${s.o.firstRuns}` : `repeat, at most ${s.o.maxRuns}`})`;
  return judgedRun(
    s.projectRoot,
    { run: s.o.run, dir: s.dir, name: `run-${i}`, seed: s.seed, vus: s.vus, label, say: s.say, warnUsers: i === 1 },
    s.io,
  );
}

/** --restore: the same site state for every run; a failed restore stops the bisect (128). */
async function restoreBeforeRun(snapshot: string, say: (line: string) => void): Promise<boolean> {
  try {
    await restoreSnapshot(snapshot, {}, false, say);
    return true;
  } catch (e) {
    say(`cannot judge: restoring ${snapshot} failed: ${(e as Error).message}`);
    return false;
  }
}

/** The exit code for `git bisect run`, with the verdict JSON on stdout (or the baseline saved). */
function conclude(s: Session, outcome: Outcome): number {
  if (outcome.kind === 'abort') return BISECT_EXIT.abort;
  if (outcome.kind === 'skip') {
    if (s.o.savePath === undefined) return printVerdict(s, 'skip', [outcome.reason], outcome.verdict);
    s.say(`no baseline saved: ${outcome.reason}`);
    return BISECT_EXIT.abort;
  }
  if (s.o.savePath !== undefined) return saveBaseline(s, s.o.savePath);
  const v = outcome.verdict as Verdict;
  if (v.kind !== 'inconclusive') return printVerdict(s, v.kind, v.reasons, v);
  const why = `no clear answer after ${s.runs.length} run(s)${outcome.stopReason ? ` (${outcome.stopReason})` : ` (--max-repeats ${s.o.maxRuns})`}`;
  return printVerdict(s, 'inconclusive', [why, ...v.reasons], v);
}

function saveBaseline(s: Session, path: string): number {
  const saved: Baseline = {
    format: 'moodle-load-baseline/2',
    seed: s.seed,
    vus: Math.max(...s.runs.map((r) => r.vus)),
    summaries: s.runs.map((r) => r.summary as Summary),
    runs: s.runs.map((r) => r.evidence),
  };
  writeFileSync(path, JSON.stringify(saved));
  s.say(
    `baseline of ${s.runs.length} runs saved to ${path} (seed ${s.seed}, ${saved.vus} VUs, ${Math.round((Date.now() - s.started) / 1000)} s)`,
  );
  return EXIT.ok;
}

function printVerdict(s: Session, kind: VerdictKind, reasons: readonly string[], verdict: Verdict | undefined): number {
  const shown = kind === 'inconclusive' ? 'skip' : kind;
  const exit = BISECT_EXIT[shown];
  for (const reason of reasons) s.say(`${shown}: ${reason}`);
  const json = {
    verdict: shown,
    exit,
    reasons,
    seed: s.seed,
    runs: s.runs.map(runReport),
    elapsed_sec: Math.round((Date.now() - s.started) / 1000),
    endpoints: verdict ? verdictJson(verdict) : {},
  };
  s.io.stdout(JSON.stringify(json) + '\n');
  return exit;
}

/** Per endpoint: each figure's effect (old, new, difference) and evidence (p, per-run readings, the rule). */
function verdictJson(v: Verdict) {
  const endpoints: Record<string, Record<string, unknown>> = {};
  for (const f of v.figures) {
    const { endpoint, figure, ...rest } = f;
    (endpoints[endpoint] ??= {})[figure] = rest;
  }
  return endpoints;
}
