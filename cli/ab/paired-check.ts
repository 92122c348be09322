// A side-by-side judgement (bisect-check --good/--deploy, and ab): the A/B loop of ab-run.ts with its
// steps made real. Deploy: the user's shell command per side (deploy.ts). Measure: one judged run of
// the load (judged-run.ts) with the same seed and VUs on both sides. Judge: the paired verdict
// (analysis/paired-verdict.ts). Ctrl-C and SIGTERM stop the loop between steps; the candidate B is
// deployed again before it exits whatever ended it (ab-run.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipReason } from '../../analysis/bisect-verdict';
import type { PairedLimits } from '../../analysis/paired-verdict';
import { judgePairs } from '../../analysis/paired-verdict';
import type { CliOptions } from '../cli-options';
import { BISECT_EXIT, EXIT } from '../exit-codes';
import { judgedRun, type JudgedRun } from '../judged-run';
import { preflight, type RunIo } from '../run';
import { runAb, type AbResult, type AbSteps, type Measurement } from './ab-run';
import { runDeploy } from './deploy';
import type { Side } from './schedule';
import { pairedJson } from './paired-report';

export interface PairedOptions {
  /** The command's name, as the lines on stderr start. */
  readonly command: string;
  /** The run flags: the same load on both sides. */
  readonly run: CliOptions;
  readonly seed: number;
  /** Each side's deploy command template and the revision its {rev} stands for. */
  readonly deploy: Readonly<Record<Side, string>>;
  readonly revs: Readonly<Record<Side, string>>;
  /** Where the deploy commands run. */
  readonly cwd: string;
  readonly deployTimeoutSec: number;
  readonly limits: PairedLimits;
  readonly timeLimitSec: number;
  readonly keepRuns: boolean;
}

/** One measured run, with its side and pair, for the report. */
export interface SideRun {
  readonly side: Side;
  readonly run: JudgedRun;
}

/** Runs pairs until a verdict; prints the verdict JSON on stdout and returns the exit code for `git bisect run`. */
export async function runPairedCheck(projectRoot: string, o: PairedOptions, io: RunIo): Promise<number> {
  const say = (line: string) => io.stderr(`${o.command}: ${line}`);
  // Nothing is deployed while the flags, the config or k6 cannot run a load: the checkout stays the candidate's.
  if (typeof preflight(projectRoot, o.run.settings, io) === 'number') {
    say('cannot judge, and nothing was deployed');
    return BISECT_EXIT.abort;
  }
  const dir = mkdtempSync(join(tmpdir(), 'moodle-load-ab-'));
  const runs: SideRun[] = [];
  const stop = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) say('stopping after this step; the candidate B is deployed again before exit');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: AbResult;
  try {
    say(
      `A: ${describeSide(o, 'A')}; B: ${describeSide(o, 'B')}; ${o.limits.minPairs} to ${o.limits.maxPairs} pairs, at most ${o.timeLimitSec} s`,
    );
    const limits = { minPairs: o.limits.minPairs, maxPairs: o.limits.maxPairs, timeLimitSec: o.timeLimitSec };
    result = await runAb(steps(projectRoot, o, { dir, say, io, runs }), limits, { clock: Date.now, say, signal: stop.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  io.stdout(JSON.stringify(pairedJson(o, result, runs)) + '\n');
  // A failed deploy or run is looked into with its log: kept then, as with --keep-runs.
  const keep = o.keepRuns || result.outcome === 'skip' || result.outcome === 'abort';
  if (keep) say(`runs and deploy log kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  return result.exitCode;
}

const describeSide = (o: PairedOptions, side: Side) => (o.deploy.A === o.deploy.B ? `rev ${o.revs[side]}` : `\`${o.deploy[side]}\``);

interface StepContext {
  readonly dir: string;
  readonly say: (line: string) => void;
  readonly io: RunIo;
  readonly runs: SideRun[];
}

function steps(projectRoot: string, o: PairedOptions, c: StepContext): AbSteps {
  const logPath = join(c.dir, 'deploy.log');
  return {
    deploy: (side) => runDeploy({ template: o.deploy[side], side, rev: o.revs[side], logPath, timeoutSec: o.deployTimeoutSec, cwd: o.cwd }),
    measure: async (side): Promise<Measurement> => {
      const n = c.runs.length + 1;
      const run = await judgedRun(
        projectRoot,
        {
          run: o.run,
          dir: c.dir,
          name: `run-${n}-${side}`,
          seed: o.seed,
          vus: o.run.settings.concurrency,
          label: `run ${n}: ${side}`,
          say: c.say,
          warnUsers: n === 1,
        },
        c.io,
      );
      if (run === null) throw new Error(`run ${n} (${side}) could not be made (see above)`);
      c.runs.push({ side, run });
      const skipped = skipReason(run.exitCode, run.summary, o.limits, EXIT);
      if (skipped !== null) return { skip: skipped };
      const dropped = run.summary?.dropped_iterations ?? 0;
      if (dropped > 0) c.say(`run ${n} (${side}): k6 dropped ${dropped} iterations (too few VUs for the latency); judged on what ran`);
      return { evidence: run.evidence };
    },
    judge: (pairs) => judgePairs(pairs, o.limits),
  };
}
