// moodle-load bisect-check: made for `git bisect run`. Runs the load with a fixed seed and judges
// it against a baseline, figure by figure and endpoint by endpoint (analysis/bisect-verdict.ts):
// exit good, bad, skip (not the code under test: site down, no session, too many failures; or no
// clear answer within --max-repeats / --time-limit), or abort when it cannot judge at all (bad
// flags, no k6, Ctrl-C), which stops `git bisect run`. Codes: BISECT_EXIT in exit-codes.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Baseline, DEFAULT_LIMITS, evidenceFromLog, judge, Limits, RunEvidence, skipReason, Verdict, VerdictKind } from '../analysis/bisect-verdict';
import { incomparable } from '../analysis/compare';
import { BISECT_EXIT, EXIT } from './exit-codes';
import type { RequestLogRecord } from '../lib/request-log';
import { SettingsError } from '../lib/run-settings';
import type { Summary } from '../lib/summary';
import { ExtraFlags, numberFlag, parseCliArgs, usage } from './args';
import { runLoad, RunIo } from './run';
import { rotateUsers, Rotation } from './user-rotation';

/** Runs a baseline needs: its between-run spread is the floor every judgement uses. */
const MIN_BASELINE_RUNS = 2;
const DEFAULTS = { baselineRuns: 3, judgeRuns: 1, maxRepeats: 5, timeLimitSec: 900 } as const;
/** Little's law (VUs = rate x time in the system) with this headroom over the p95 latency. */
const VU_HEADROOM = 2;
/** When a run dropped iterations and its p95 does not explain it, the next run gets this many times the VUs. */
const VU_GROWTH = 1.5;
import { restoreSnapshot } from './site/restore';

const FLAGS: ExtraFlags = {
  baseline: { help: 'judge against this baseline file (made with --save-baseline on a good commit)' },
  'save-baseline': { help: 'run on a good commit and save the baseline to this file' },
  repeat: { help: `runs before the first judgement (default ${DEFAULTS.judgeRuns}; ${DEFAULTS.baselineRuns} with --save-baseline, at least ${MIN_BASELINE_RUNS})` },
  'max-repeats': { help: `while inconclusive, run again up to this many runs in all (default ${DEFAULTS.maxRepeats}), then skip` },
  'time-limit': { help: `...and stop repeating when another run would end after this many seconds (default ${DEFAULTS.timeLimitSec})` },
  'max-failure-pct': { help: `skip when a run has more failures than this % (default ${DEFAULTS_TEXT('maxFailurePct')})` },
  alpha: { help: `significance of the DB rank test, shared by the figures (default ${DEFAULTS_TEXT('alpha')})` },
  'min-effect-pct': { help: `a slowdown counts from this % of the median (default ${DEFAULTS_TEXT('minEffectPct')})` },
  'min-effect-ms': { help: `...and from this many ms (default ${DEFAULTS_TEXT('minEffectMs')})` },
  'min-db-effect': { help: `DB reads or writes per request count from this shift (default ${DEFAULTS_TEXT('minDbEffect')})` },
  time: { help: `judge time on the footer's 'server' time (when present) or the 'client' latency (default ${DEFAULTS_TEXT('timeSource')})` },
  'keep-runs': { help: "keep each run's summary and request log in the temporary folder (printed); by default it is removed", boolean: true },
  restore: { help: 'restore this site snapshot (moodle-load site snapshot) before each run' },
};

function DEFAULTS_TEXT(key: keyof Limits): string {
  return String(DEFAULT_LIMITS[key]);
}

/** Seed of a baseline recorded without --seed: any fixed number will do, this one is documented. */
const DEFAULT_SEED = 1;

function readBaseline(path: string): Baseline {
  let b: Baseline;
  try {
    b = JSON.parse(readFileSync(path, 'utf8')) as Baseline;
  } catch (e) {
    throw new SettingsError(`--baseline ${path} cannot be read (${(e as Error).message.split('\n')[0]})`);
  }
  if (b.format !== 'moodle-load-baseline/2') throw new SettingsError(`--baseline ${path} is not a baseline made by this version's bisect-check --save-baseline`);
  return b;
}

function readEvidence(logPath: string): RunEvidence {
  let text: string;
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return { endpoints: {} };
  }
  const records = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RequestLogRecord);
  return evidenceFromLog(records);
}

function readSummaryFile(path: string): Summary | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}

/** VUs for `rpm` when a request takes `latencyMs` (Little's law, with headroom). */
export function vusFor(rpm: number, latencyMs: number): number {
  return Math.ceil((rpm / 60) * (latencyMs / 1000) * VU_HEADROOM);
}

interface RunRecord {
  readonly exitCode: number;
  readonly summary: Summary | undefined;
  readonly evidence: RunEvidence;
  readonly vus: number;
  readonly seconds: number;
  /** Which block of users it logged in as. */
  readonly users: string;
}

function runReport(r: RunRecord) {
  const s = r.summary;
  return { vus: r.vus, users: r.users, seconds: Math.round(r.seconds), requests: s?.total ?? 0, failures: s?.failures ?? 0, dropped_iterations: s?.dropped_iterations ?? 0, latency_ms_p95: s?.latency_ms_p95 ?? null };
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

export async function bisectCheckCommand(projectRoot: string, argv: readonly string[], io: RunIo): Promise<number> {
  const say = (line: string) => io.stderr(`bisect-check: ${line}`);
  let parsed;
  let limits: Limits;
  let firstRuns: number;
  let maxRuns: number;
  let timeLimitSec: number;
  let baseline: Baseline | undefined;
  let savePath: string | undefined;
  try {
    parsed = parseCliArgs(argv, FLAGS);
    if (parsed.kind === 'help' || parsed.kind === 'version') {
      io.stdout(usage(FLAGS, 'moodle-load bisect-check', `Prints the runs' progress and its reasons on stderr, the verdict JSON on stdout.\nExit: ${BISECT_EXIT.good} good, ${BISECT_EXIT.bad} bad, ${BISECT_EXIT.skip} skip, ${BISECT_EXIT.abort} cannot judge (stops git bisect run).`) + '\n');
      return EXIT.ok;
    }
    const x = parsed.extra;
    const own = parsed.options.logPath !== undefined ? '--log' : parsed.options.settings.summaryPath !== undefined ? '--summary' : undefined;
    if (own) throw new SettingsError(`${own} is not for bisect-check: it writes each run's summary and request log itself, in a temporary folder (--keep-runs keeps it)`);
    if ((x.baseline === undefined) === (x['save-baseline'] === undefined)) throw new SettingsError('give either --baseline FILE (judge) or --save-baseline FILE (record on a good commit)');
    savePath = x['save-baseline'] as string | undefined;
    const wholeNumber = (flag: string, raw: string | boolean | undefined, fallback: number, min: number) => {
      const n = numberFlag(flag, raw, fallback, min);
      if (!Number.isInteger(n)) throw new SettingsError(`${flag} must be a whole number, not ${JSON.stringify(raw)}`);
      return n;
    };
    firstRuns = wholeNumber('--repeat', x.repeat, savePath ? DEFAULTS.baselineRuns : DEFAULTS.judgeRuns, savePath ? MIN_BASELINE_RUNS : 1);
    // A baseline is --repeat runs; a judgement repeats while inconclusive.
    maxRuns = savePath ? firstRuns : wholeNumber('--max-repeats', x['max-repeats'], Math.max(DEFAULTS.maxRepeats, firstRuns), firstRuns);
    timeLimitSec = numberFlag('--time-limit', x['time-limit'], DEFAULTS.timeLimitSec, 1);
    const time = x.time ?? DEFAULT_LIMITS.timeSource;
    if (time !== 'server' && time !== 'client') throw new SettingsError(`--time must be server or client, not ${JSON.stringify(time)}`);
    limits = {
      maxFailurePct: numberFlag('--max-failure-pct', x['max-failure-pct'], DEFAULT_LIMITS.maxFailurePct),
      alpha: numberFlag('--alpha', x.alpha, DEFAULT_LIMITS.alpha),
      minEffectPct: numberFlag('--min-effect-pct', x['min-effect-pct'], DEFAULT_LIMITS.minEffectPct),
      minEffectMs: numberFlag('--min-effect-ms', x['min-effect-ms'], DEFAULT_LIMITS.minEffectMs),
      minDbEffect: numberFlag('--min-db-effect', x['min-db-effect'], DEFAULT_LIMITS.minDbEffect),
      timeSource: time,
    };
    if (limits.alpha <= 0 || limits.alpha >= 1) throw new SettingsError(`--alpha must be between 0 and 1, not ${limits.alpha}`);
    if (typeof x.baseline === 'string') baseline = readBaseline(x.baseline);
    const given = parsed.options.settings.seed;
    if (baseline && given !== undefined && given !== baseline.seed) throw new SettingsError(`--seed ${given} differs from the baseline's seed ${baseline.seed}: the same URLs must be requested`);
  } catch (e) {
    if (e instanceof SettingsError) {
      say(e.message);
      return BISECT_EXIT.abort;
    }
    throw e;
  }

  const seed = parsed.options.settings.seed ?? baseline?.seed ?? DEFAULT_SEED;
  const rpm = parsed.options.settings.rpm;
  // The baseline's VUs, or more when its latency says the rate needs more (Little's law).
  const baselineP95 = Math.max(0, ...(baseline?.summaries ?? []).map((s) => s.latency_ms_p95 ?? 0));
  let vus = baseline ? Math.max(baseline.vus, vusFor(rpm, baselineP95)) : parsed.options.settings.concurrency;
  if (baseline && vus !== parsed.options.settings.concurrency) say(`${vus} VUs (the baseline ran ${baseline.vus}; its p95 ${baselineP95} ms at ${rpm} rpm needs ${vusFor(rpm, baselineP95)} by Little's law with x${VU_HEADROOM} headroom)`);
  const dir = mkdtempSync(join(tmpdir(), 'moodle-load-bisect-'));
  // Request logs and summaries of the runs: read here, not kept.
  try {
    const started = Date.now();
    const runs: RunRecord[] = [];
    let verdict: Verdict | undefined;
    let stopReason = '';

    const finish = (kind: VerdictKind, reasons: string[]): number => {
      const exit = kind === 'inconclusive' ? BISECT_EXIT.skip : BISECT_EXIT[kind];
      for (const reason of reasons) say(`${kind === 'inconclusive' ? 'skip' : kind}: ${reason}`);
      io.stdout(JSON.stringify({ verdict: kind === 'inconclusive' ? 'skip' : kind, exit, reasons, seed, runs: runs.map(runReport), elapsed_sec: Math.round((Date.now() - started) / 1000), endpoints: verdict ? verdictJson(verdict) : {} }) + '\n');
      return exit;
    };

    for (let i = 1; i <= maxRuns; i++) {
      if (i > firstRuns) {
        const longest = Math.max(...runs.map((r) => r.seconds));
        const elapsed = (Date.now() - started) / 1000;
        if (elapsed + longest > timeLimitSec) {
          stopReason = `--time-limit ${timeLimitSec} s: another run (~${Math.round(longest)} s) would end after it (${Math.round(elapsed)} s so far)`;
          break;
        }
      }
      if (typeof parsed.extra.restore === 'string' && !(await restoreBeforeRun(parsed.extra.restore, say))) return BISECT_EXIT.abort;
      const logPath = join(dir, `run-${i}.jsonl`);
      const summaryPath = join(dir, `run-${i}.json`);
      const given = parsed.options.settings;
      let rotation: Rotation = { configPath: given.configPath, block: 0, blocks: 1 };
      try {
        rotation = rotateUsers(resolve(given.configPath), vus, given.durationSec + given.warmupSec, Date.now() / 1000, dir);
      } catch {
        // An unreadable or invalid config: the run below says what is wrong with it.
      }
      if (rotation.warning && i === 1) say(`warning: ${rotation.warning}`);
      say(`run ${i} (${i <= firstRuns ? `of ${firstRuns}` : `repeat, at most ${maxRuns}`}; seed ${seed}, ${vus} VUs, users block ${rotation.block} of ${rotation.blocks})`);
      const settings = { ...given, configPath: rotation.configPath, seed, summaryPath, concurrency: vus, requestLog: true };
      const t0 = Date.now();
      const exitCode = await runLoad(projectRoot, { ...parsed.options, settings, logPath }, { stdout: () => undefined, stderr: io.stderr });
      if (rotation.configPath !== given.configPath) rmSync(rotation.configPath, { force: true });
      if (exitCode === EXIT.badInput || exitCode === EXIT.k6Missing || exitCode === EXIT.interrupted) {
        say(`cannot judge: the run ended with exit ${exitCode} (see above)`);
        return BISECT_EXIT.abort;
      }
      const summary = readSummaryFile(summaryPath);
      const run: RunRecord = { exitCode, summary, evidence: readEvidence(logPath), vus, seconds: (Date.now() - t0) / 1000, users: `block ${rotation.block} of ${rotation.blocks}` };
      runs.push(run);
      const skipped = skipReason(exitCode, summary, limits, EXIT);
      if (skipped !== null) {
        if (savePath !== undefined) {
          say(`no baseline saved: run ${i}: ${skipped}`);
          return BISECT_EXIT.abort;
        }
        return finish('skip', [`run ${i}: ${skipped}`]);
      }
      const s = summary as Summary;
      if (baseline) {
        const why = incomparable(baseline.summaries[0] as Summary, s);
        if (why) {
          say(`cannot judge against this baseline: ${why}`);
          return BISECT_EXIT.abort;
        }
      }
      if (s.dropped_iterations > 0) {
        // What ran is still judged; the next run gets the VUs this run's latency asks for.
        const needed = Math.max(vusFor(rpm, s.latency_ms_p95 ?? 0), Math.ceil(vus * VU_GROWTH));
        say(`run ${i}: k6 dropped ${s.dropped_iterations} of ${s.dropped_iterations + s.total} iterations (too few VUs for the latency: p95 ${s.latency_ms_p95} ms); judged on the ${s.total} that ran${i < maxRuns ? `, next run with ${needed} VUs` : ''}`);
        vus = needed;
      }
      if (baseline && i >= firstRuns) {
        verdict = judge(baseline, runs.map((r) => r.evidence), limits);
        if (verdict.kind !== 'inconclusive') break;
        say(`inconclusive after ${i} run(s): ${verdict.reasons.join('; ')}`);
      }
    }

    if (savePath !== undefined) {
      const saved: Baseline = { format: 'moodle-load-baseline/2', seed, vus: Math.max(...runs.map((r) => r.vus)), summaries: runs.map((r) => r.summary as Summary), runs: runs.map((r) => r.evidence) };
      writeFileSync(savePath, JSON.stringify(saved));
      say(`baseline of ${runs.length} runs saved to ${savePath} (seed ${seed}, ${saved.vus} VUs, ${Math.round((Date.now() - started) / 1000)} s)`);
      return EXIT.ok;
    }
    const v = verdict as Verdict;
    if (v.kind === 'inconclusive') return finish('inconclusive', [`no clear answer after ${runs.length} run(s)${stopReason ? ` (${stopReason})` : ` (--max-repeats ${maxRuns})`}`, ...v.reasons]);
    return finish(v.kind, v.reasons);
  } finally {
    // Request logs grow by a line per request: a bisect of many steps must not fill the disk.
    if (parsed.extra['keep-runs'] === true) say(`runs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
