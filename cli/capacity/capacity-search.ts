// The capacity search: one run per step through the run command's machinery, each step's summary in
// the work folder, judged as it ends; it stops at the first step that breaks a limit, after the
// last step, or at Ctrl-C, and always ends with the JSON of the steps done. Running a step is
// handed in, so the loop runs with fakes in the tests and knows nothing of k6.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatMs,
  formatPct,
  judgeStep,
  stepFigures,
  type BrokenLimit,
  type CapacityBy,
  type CapacityLimits,
  type StepFigures,
  type StepLoad,
} from '../../analysis/capacity-verdict';
import { round } from '../../lib/round';
import type { Summary } from '../../lib/summary';
import type { CliOptions } from '../cli-options';
import { EXIT } from '../exit-codes';
import { runLoad, type RunIo } from '../run';

export interface CapacityPlan {
  readonly by: CapacityBy;
  readonly start: number;
  readonly step: number;
  readonly max: number;
  readonly loads: readonly StepLoad[];
  /** Each step's run options, checked by the run's own validator; the summary path is set per step here. */
  readonly runs: readonly CliOptions[];
  readonly limits: CapacityLimits;
  readonly workDir: string;
  /** --report FILE.html: the capacity report (written by the caller from the result). */
  readonly reportPath: string | undefined;
}

/** What running one step gives back: the run's exit code and its summary, when one was written. */
export interface StepRun {
  readonly exitCode: number;
  readonly summary: Summary | undefined;
}

export type RunStep = (options: CliOptions) => Promise<StepRun>;

export type StepOutcome = 'held' | 'broke' | 'interrupted' | 'failed';

/** A step's figures (StepFigures) and what the search made of it. */
export interface StepReport extends StepFigures {
  /** 1 for the first step. */
  readonly step: number;
  readonly users: number;
  readonly vus: number;
  /** Target requests per minute; null in the closed model (--think-time), where the users set the rate. */
  readonly rpm: number | null;
  readonly verdict: StepOutcome;
  readonly broke_on: BrokenLimit[];
  readonly reasons: string[];
  readonly exit_code: number;
  readonly summary_path: string;
}

/** A step as last_held and first_broken name it. */
export interface StepRef {
  readonly step: number;
  readonly value: number;
  readonly rps: number;
  readonly worst_p95_ms: number | null;
}

export type SearchOutcome = 'broke' | 'held_to_max' | 'interrupted' | 'failed';

export interface CapacityResult {
  readonly by: CapacityBy;
  readonly outcome: SearchOutcome;
  readonly settings: Record<string, unknown>;
  readonly limits: { readonly max_p95_ms: number | null; readonly max_failure_pct: number | null; readonly max_dropped_pct: number };
  readonly steps: StepReport[];
  readonly last_held: StepRef | null;
  readonly first_broken: StepRef | null;
  readonly notes: string[];
  readonly work_dir: string;
  readonly report_path: string | null;
}

export interface SearchContext {
  readonly say: (line: string) => void;
  /** Stops the search before its next step; the step running is stopped by the run itself (Ctrl-C reaches k6). */
  readonly signal?: AbortSignal;
}

/** The steps, one after another, until one breaks, the last is done, or the signal stops it. */
export async function searchCapacity(plan: CapacityPlan, runStep: RunStep, ctx: SearchContext): Promise<CapacityResult> {
  const steps: StepReport[] = [];
  const notes: string[] = [];
  /** The runs' own warnings, said once each with the steps they came in. */
  const warnings = new Map<string, number[]>();
  const total = plan.loads.length;
  let outcome: SearchOutcome = 'held_to_max';
  for (const [i, load] of plan.loads.entries()) {
    if (ctx.signal?.aborted) {
      outcome = 'interrupted';
      notes.push(`stopped by a signal before step ${i + 1} of ${total}`);
      break;
    }
    const summaryPath = join(plan.workDir, `step-${String(i + 1).padStart(2, '0')}.json`);
    const base = plan.runs[i] as CliOptions;
    const options: CliOptions = { ...base, settings: { ...base.settings, summaryPath }, reportPath: undefined, logPath: undefined };
    ctx.say(`step ${i + 1} of ${total}: ${describeLoad(plan.by, load)} for ${base.settings.durationSec} s`);
    const run = await runStep(options);
    const report = stepReport(i + 1, load, plan, run, summaryPath);
    steps.push(report);
    ctx.say(`step ${i + 1} of ${total}: ${verdictLine(report)}`);
    notes.push(...stepNotes(report));
    for (const w of run.summary?.warnings ?? []) warnings.set(w, [...(warnings.get(w) ?? []), i + 1]);
    if (report.verdict === 'interrupted') {
      outcome = 'interrupted';
      notes.push(`stopped by a signal during step ${i + 1}: its figures cover what ran and were not judged`);
      break;
    }
    if (report.verdict === 'failed') {
      outcome = 'failed';
      notes.push(`step ${i + 1} ended with exit ${run.exitCode} (see stderr): the search stopped there`);
      break;
    }
    if (report.verdict === 'broke') {
      outcome = 'broke';
      break;
    }
  }
  const lastHeld = [...steps].reverse().find((s) => s.verdict === 'held');
  const firstBroken = steps.find((s) => s.verdict === 'broke');
  for (const [w, at] of warnings) notes.push(`step${at.length > 1 ? 's' : ''} ${at.join(', ')}: ${w}`);
  notes.push(...searchNotes(plan, outcome, lastHeld, firstBroken));
  return {
    by: plan.by,
    outcome,
    settings: settingsOf(plan),
    limits: {
      max_p95_ms: plan.limits.maxP95Ms ?? null,
      max_failure_pct: plan.limits.maxFailurePct ?? null,
      max_dropped_pct: plan.limits.maxDroppedPct,
    },
    steps,
    last_held: lastHeld ? refOf(plan.by, lastHeld) : null,
    first_broken: firstBroken ? refOf(plan.by, firstBroken) : null,
    notes,
    work_dir: plan.workDir,
    report_path: plan.reportPath ?? null,
  };
}

/** The exit code of a search: 0 when it finished (a limit broke or every step held), else the step's. */
export function exitCodeOf(result: CapacityResult): number {
  if (result.outcome === 'interrupted') return EXIT.interrupted;
  if (result.outcome === 'failed') return result.steps[result.steps.length - 1]?.exit_code ?? EXIT.k6Failed;
  return EXIT.ok;
}

/** A step as the runs report it: runLoad with the summary read back from the step's file. */
export function realStep(projectRoot: string, io: RunIo): RunStep {
  return async (options) => {
    const exitCode = await runLoad(projectRoot, options, { stdout: () => undefined, stderr: stepLines(io) });
    return { exitCode, summary: readSummary(options.settings.summaryPath as string) };
  };
}

/** What a step prints of a plain run's end: not its per-endpoint table nor its file (the step's verdict and the JSON say them). */
const LEFT_OUT = [/^endpoint\s+total\s/, /^moodle-load: summary saved to /];

function stepLines(io: RunIo): (line: string) => void {
  return (line) => {
    if (!LEFT_OUT.some((re) => re.test(line))) io.stderr(line);
  };
}

function readSummary(path: string): Summary | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}

export function describeLoad(by: CapacityBy, load: StepLoad): string {
  const vus = `${load.vus} VU${load.vus === 1 ? '' : 's'}`;
  if (by === 'users') return `${load.users} users (${vus})`;
  return `${load.rpm} rpm (${vus}, ${load.users} users)`;
}

const EMPTY_FIGURES = {
  requests: 0,
  rps: 0,
  failures: 0,
  failure_pct: 0,
  dropped: 0,
  dropped_pct: 0,
  p50_ms: null,
  p95_ms: null,
  p99_ms: null,
  worst_endpoint: null,
  worst_p95_ms: null,
  endpoints: {},
  start_delay_ms_p95: null,
} as const;

function stepReport(step: number, load: StepLoad, plan: CapacityPlan, run: StepRun, summaryPath: string): StepReport {
  const figures = run.summary ? stepFigures(run.summary) : EMPTY_FIGURES;
  const rounded = {
    ...figures,
    rps: round(figures.rps, 2),
    failure_pct: round(figures.failure_pct, 3),
    dropped_pct: round(figures.dropped_pct, 3),
  };
  const head = { step, users: load.users, vus: load.vus, rpm: load.rpm > 0 ? load.rpm : null };
  const tail = { exit_code: run.exitCode, summary_path: summaryPath };
  if (run.exitCode === EXIT.interrupted) return { ...head, ...rounded, verdict: 'interrupted', broke_on: [], reasons: [], ...tail };
  if (run.exitCode !== EXIT.ok || run.summary === undefined)
    return { ...head, ...rounded, verdict: 'failed', broke_on: [], reasons: [`the run ended with exit ${run.exitCode}`], ...tail };
  const verdict = judgeStep(figures, plan.limits);
  return { ...head, ...rounded, ...verdict, ...tail };
}

/** "held: p95 412 ms (worst endpoint: /course/view.php?id={courseid}), failures 0.0 %, dropped 0". */
export function verdictLine(s: StepReport): string {
  const figures = `p95 ${formatMs(s.worst_p95_ms)} ms (worst endpoint: ${s.worst_endpoint ?? 'none'}), failures ${formatPct(s.failure_pct)} %, dropped ${s.dropped}, ${round(s.rps, 1)} req/s`;
  if (s.verdict === 'held') return `held: ${figures}`;
  if (s.verdict === 'broke') return `broke: ${s.reasons.join('; ')} (${figures})`;
  if (s.verdict === 'interrupted') return `interrupted, not judged: ${figures}`;
  return `failed (exit ${s.exit_code}), not judged`;
}

function stepNotes(s: StepReport): string[] {
  const notes: string[] = [];
  if (s.dropped > 0 && s.verdict !== 'failed' && !s.broke_on.includes('p95_ms') && !s.broke_on.includes('failure_pct'))
    notes.push(
      `step ${s.step}: k6 dropped ${s.dropped} iterations (every VU was busy) while latency and failures were within their limits: the client, not the site, may have been short; raise --concurrency`,
    );
  return notes;
}

function searchNotes(
  plan: CapacityPlan,
  outcome: SearchOutcome,
  lastHeld: StepReport | undefined,
  firstBroken: StepReport | undefined,
): string[] {
  const unit = plan.by === 'users' ? 'users' : 'rpm';
  const value = (s: StepReport) => (plan.by === 'users' ? s.users : (s.rpm ?? 0));
  if (outcome === 'held_to_max') return [`no limit broke up to --max ${plan.max} ${unit}: every step held; raise --max to look further`];
  if (outcome !== 'broke' || firstBroken === undefined) return [];
  if (lastHeld === undefined) return [`the first step (${value(firstBroken)} ${unit}) broke already: start lower (--start)`];
  const low = value(lastHeld);
  const high = value(firstBroken);
  if (high - low <= 1) return [`the limit lies between ${low} and ${high} ${unit}`];
  const finer = Math.max(1, Math.round((high - low) / 4));
  return [`the limit lies between ${low} and ${high} ${unit}; to narrow it: --start ${low} --step ${finer} --max ${high}`];
}

function refOf(by: CapacityBy, s: StepReport): StepRef {
  return { step: s.step, value: by === 'users' ? s.users : (s.rpm ?? 0), rps: s.rps, worst_p95_ms: s.worst_p95_ms };
}

function settingsOf(plan: CapacityPlan): Record<string, unknown> {
  const s = plan.runs[0]?.settings;
  return {
    config: s?.configPath ?? null,
    start: plan.start,
    step: plan.step,
    max: plan.max,
    values: plan.loads.map((l) => l.value),
    step_duration_sec: s?.durationSec ?? null,
    warmup_sec: s?.warmupSec ?? null,
    think_time_sec: s?.thinkTimeSec ?? null,
    concurrency: s === undefined ? null : plan.by === 'users' ? Math.max(...plan.loads.map((l) => l.vus)) : s.concurrency,
    seed: s?.seed ?? null,
  };
}
