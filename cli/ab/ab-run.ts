// The A/B loop: the good build A and the candidate B run in pairs, in the schedule's order (A B, B A,
// ...), each run after its own deploy, and the pairs are judged after each one from minPairs on
// (analysis/paired-verdict.ts). It stops at the first good or bad verdict, and at maxPairs or when the
// next pair would end after the time limit it answers inconclusive. Deploying, measuring and judging
// are handed in, so the loop runs with fakes in the tests and knows nothing of k6 or shells.
// Whatever ends it, it deploys B again when the last deploy was A's: the deploy moves the checkout,
// and `git bisect run` marks the commit checked out when the script exits, which must be the candidate.
import type { RunEvidence } from '../../analysis/bisect-verdict';
import type { Pair, PairedVerdict, PairOrder } from '../../analysis/paired-verdict';
import { median } from '../../analysis/stats';
import { BISECT_EXIT } from '../exit-codes';
import { pairOrder, sidesOf, type Side } from './schedule';

/** A run's evidence, or why the run says nothing (site down, too many failures). */
export type Measurement = { readonly evidence: RunEvidence } | { readonly skip: string };

export interface AbSteps {
  /** Deploys one side; `ok: false` (or a throw) is a failed deploy, `message` says why. */
  readonly deploy: (side: Side) => Promise<{ readonly ok: boolean; readonly message: string }>;
  /** Warms up and measures the side just deployed. */
  readonly measure: (side: Side) => Promise<Measurement>;
  readonly judge: (pairs: readonly Pair[]) => PairedVerdict;
}

/** The judge's own limits must say the same: its false-alarm rate is shared among the looks from minPairs to maxPairs. */
export interface AbLimits {
  /** Judged from this many pairs on (the judgement decides nothing on fewer). */
  readonly minPairs: number;
  readonly maxPairs: number;
  /** No pair is started that would end after this, by the longest pair so far. */
  readonly timeLimitSec: number;
}

export interface AbContext {
  /** Milliseconds, as Date.now. */
  readonly clock: () => number;
  readonly say: (line: string) => void;
  /** Stops the loop before its next step (a deploy or a run); the deploy of B at the end still runs. */
  readonly signal?: AbortSignal;
}

/** Per endpoint: successful load requests and their medians (null without samples). */
export interface EvidenceSummary {
  readonly requests: number;
  readonly endpoints: Record<string, { readonly requests: number; readonly latency_ms: number | null; readonly server_ms: number | null }>;
}

export interface PairReport {
  /** 1 for the first pair. */
  readonly pair: number;
  readonly order: PairOrder;
  readonly a: EvidenceSummary;
  readonly b: EvidenceSummary;
  /** Both deploys and both runs. */
  readonly seconds: number;
}

export type AbOutcome = 'good' | 'bad' | 'inconclusive' | 'skip' | 'abort';

export interface AbResult {
  /** For `git bisect run`: 0 good, 1 bad, 125 skip or inconclusive, 128 cannot judge. */
  readonly exitCode: number;
  readonly outcome: AbOutcome;
  /** Why it ended (the verdict's reasons for good and bad); a failed restore of B comes first. */
  readonly reasons: string[];
  /** The last judgement, with its figures and per-pair effects; null when none was made. */
  readonly verdict: PairedVerdict | null;
  readonly pairs: PairReport[];
  /** Whether B was deployed again at the end. */
  readonly restore: 'not needed' | 'done' | 'failed';
  /** From the start to the end of the final deploy. */
  readonly elapsedSec: number;
}

/** How the loop ended, before the final deploy. */
interface Ending {
  readonly outcome: AbOutcome;
  readonly reasons: string[];
}

interface Loop {
  readonly steps: AbSteps;
  readonly limits: AbLimits;
  readonly ctx: AbContext;
  readonly started: number;
  readonly pairs: Pair[];
  readonly reports: PairReport[];
  verdict: PairedVerdict | null;
  lastDeploy: Side | null;
}

const NAME: Record<Side, string> = { A: 'A (good build)', B: 'B (candidate)' };
const EXIT_OF: Record<AbOutcome, number> = {
  good: BISECT_EXIT.good,
  bad: BISECT_EXIT.bad,
  inconclusive: BISECT_EXIT.skip,
  skip: BISECT_EXIT.skip,
  abort: BISECT_EXIT.abort,
};

/** Runs pairs until a verdict, the cap or the time limit; throws only for limits that make no sense (before any step). */
export async function runAb(steps: AbSteps, limits: AbLimits, ctx: AbContext): Promise<AbResult> {
  if (!(Number.isInteger(limits.maxPairs) && limits.maxPairs >= 1 && Number.isInteger(limits.minPairs) && limits.minPairs >= 1))
    throw new RangeError(`minPairs and maxPairs must be whole numbers from 1 (got ${limits.minPairs} and ${limits.maxPairs})`);
  const loop: Loop = { steps, limits, ctx, started: ctx.clock(), pairs: [], reports: [], verdict: null, lastDeploy: null };
  let ending: Ending;
  try {
    ending = await runPairs(loop);
  } catch (e) {
    ending = { outcome: 'abort', reasons: [`cannot judge: ${errorText(e)}`] };
  }
  for (const reason of ending.reasons) ctx.say(`${ending.outcome}: ${reason}`);
  const restore = loop.lastDeploy === 'A' ? await restoreCandidate(loop) : 'not needed';
  const failedRestore = restore === 'failed';
  return {
    exitCode: failedRestore ? BISECT_EXIT.abort : EXIT_OF[ending.outcome],
    outcome: failedRestore ? 'abort' : ending.outcome,
    reasons: failedRestore ? ['the candidate B could not be deployed again at the end', ...ending.reasons] : ending.reasons,
    verdict: loop.verdict,
    pairs: loop.reports,
    restore,
    elapsedSec: (ctx.clock() - loop.started) / 1000,
  };
}

async function runPairs(loop: Loop): Promise<Ending> {
  const { limits, ctx } = loop;
  for (let i = 0; i < limits.maxPairs; i++) {
    const late = outOfTime(loop);
    if (late !== null) return inconclusive(loop, late);
    const order = pairOrder(i);
    ctx.say(`pair ${i + 1} of at most ${limits.maxPairs}: ${sidesOf(order).join(' then ')}`);
    const t0 = ctx.clock();
    const runs: Partial<Record<Side, RunEvidence>> = {};
    for (const side of sidesOf(order)) {
      const run = await deployAndMeasure(loop, side);
      if ('outcome' in run) return run;
      runs[side] = run.evidence;
    }
    const pair: Pair = { a: runs.A as RunEvidence, b: runs.B as RunEvidence, order };
    loop.pairs.push(pair);
    loop.reports.push({ pair: i + 1, order, a: summarize(pair.a), b: summarize(pair.b), seconds: (ctx.clock() - t0) / 1000 });
    if (loop.pairs.length < limits.minPairs) continue;
    const verdict = loop.steps.judge(loop.pairs);
    loop.verdict = verdict;
    if (verdict.kind !== 'inconclusive') return { outcome: verdict.kind, reasons: verdict.reasons };
    ctx.say(`inconclusive after ${loop.pairs.length} pair(s): ${verdict.reasons[0] ?? ''}${moreText(verdict.reasons.length - 1)}`);
  }
  return inconclusive(loop, `no clear answer within the cap of ${limits.maxPairs} pairs`);
}

/** One run of a side, or how the loop ends: a failed deploy or run of B is B's (skip), of A stops the judgement (abort). */
async function deployAndMeasure(loop: Loop, side: Side): Promise<{ readonly evidence: RunEvidence } | Ending> {
  const { ctx, steps } = loop;
  const stopped = () => (ctx.signal?.aborted ? aborted(side) : null);
  const before = stopped();
  if (before !== null) return before;
  loop.lastDeploy = side;
  const deployed = await deploySafely(loop, side);
  if (!deployed.ok) return sideFailed(side, `deploying ${NAME[side]} failed: ${deployed.message}`);
  ctx.say(deployed.message);
  const afterDeploy = stopped();
  if (afterDeploy !== null) return afterDeploy;
  let run: Measurement;
  try {
    run = await steps.measure(side);
  } catch (e) {
    // A run the signal stopped may end in an error (the CLI's run exits 130): the signal is the reason.
    const byTheSignal = stopped();
    if (byTheSignal !== null) return byTheSignal;
    throw e;
  }
  // A run cut short by the signal is not a whole run: it is not judged.
  const afterRun = stopped();
  if (afterRun !== null) return afterRun;
  if ('skip' in run) return sideFailed(side, `the run of ${NAME[side]} says nothing: ${run.skip}`);
  return run;
}

/** A deploy that throws, even before it returns its promise, is a failed deploy like any other. */
async function deploySafely(loop: Loop, side: Side): Promise<{ readonly ok: boolean; readonly message: string }> {
  try {
    return await loop.steps.deploy(side);
  } catch (e) {
    return { ok: false, message: errorText(e) };
  }
}

function sideFailed(side: Side, reason: string): Ending {
  if (side === 'B') return { outcome: 'skip', reasons: [reason] };
  return { outcome: 'abort', reasons: [`cannot judge: ${reason}`] };
}

const aborted = (side: Side): Ending => ({ outcome: 'abort', reasons: [`stopped by a signal in the turn of ${NAME[side]}`] });

function inconclusive(loop: Loop, why: string): Ending {
  return { outcome: 'inconclusive', reasons: [`${why} (${loop.pairs.length} pair(s) run)`, ...(loop.verdict?.reasons ?? [])] };
}

/** Why the next pair would end after the time limit, judged by the longest pair so far; null to go on. */
function outOfTime(loop: Loop): string | null {
  if (loop.reports.length === 0) return null;
  const longest = Math.max(...loop.reports.map((r) => r.seconds));
  const elapsed = (loop.ctx.clock() - loop.started) / 1000;
  if (elapsed + longest <= loop.limits.timeLimitSec) return null;
  return `the time limit of ${loop.limits.timeLimitSec} s: another pair (~${Math.round(longest)} s) would end after it (${Math.round(elapsed)} s so far)`;
}

/** The final deploy of B, whatever ended the loop; the signal no longer stops it. */
async function restoreCandidate(loop: Loop): Promise<'done' | 'failed'> {
  const { ctx } = loop;
  ctx.say(`deploying ${NAME.B} again, so that the checkout is the candidate's when this exits`);
  const deployed = await deploySafely(loop, 'B');
  loop.lastDeploy = 'B';
  if (deployed.ok) return 'done';
  const rule = '!'.repeat(72);
  ctx.say(rule);
  ctx.say(`ERROR: the final deploy of ${NAME.B} failed: ${deployed.message}`);
  ctx.say('The checkout may still be the good build A: `git bisect run` would mark the wrong commit.');
  ctx.say('Stopping the bisect (exit 128). Check out the candidate by hand before going on with `git bisect`.');
  ctx.say(rule);
  return 'failed';
}

function summarize(run: RunEvidence): EvidenceSummary {
  const endpoints: EvidenceSummary['endpoints'] = {};
  let requests = 0;
  for (const [name, e] of Object.entries(run.endpoints)) {
    requests += e.latency_ms.length;
    endpoints[name] = {
      requests: e.latency_ms.length,
      latency_ms: e.latency_ms.length > 0 ? median(e.latency_ms) : null,
      server_ms: e.server_ms.length > 0 ? median(e.server_ms) : null,
    };
  }
  return { requests, endpoints };
}

const moreText = (n: number) => (n > 0 ? ` (and ${n} more)` : '');
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
