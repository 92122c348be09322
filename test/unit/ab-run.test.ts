// The A/B loop with fakes for the deploy, the run and the judgement (every call recorded in order),
// and the deploy module with real bash commands.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RunEvidence } from '../../analysis/bisect-verdict';
import type { Pair, PairedVerdict } from '../../analysis/paired-verdict';
import { runAb, type AbLimits, type AbResult, type Measurement } from '../../cli/ab/ab-run';
import { deployCommand, deployer, QUOTED_LINES, runDeploy, templateProblem } from '../../cli/ab/deploy';
import { pairOrder, schedule, sidesOf, type Side } from '../../cli/ab/schedule';

const DEPLOY_MS = 10_000;
const MEASURE_MS = 60_000;

type Kind = PairedVerdict['kind'];

interface Script {
  /** Verdict kind by the number of pairs judged (default inconclusive). */
  readonly verdicts?: Readonly<Record<number, Kind>>;
  /** Deploy number (1 for the first) that fails, or throws. */
  readonly failDeploy?: number;
  readonly throwDeploy?: number;
  /** Measure number (1 for the first) that throws, skips, or aborts the controller while it runs. */
  readonly throwMeasure?: number;
  readonly skipMeasure?: number;
  readonly abortInMeasure?: number;
  readonly abortInDeploy?: number;
}

/** A run's evidence names its side and the measure number, so a pair's a and b can be traced back. */
const evidence = (side: Side, n: number): RunEvidence => ({
  endpoints: { [`${side}${n}`]: { latency_ms: [n, n + 2], server_ms: [n], db_reads: [], db_writes: [] } },
});

class Fake {
  readonly calls: string[] = [];
  readonly said: string[] = [];
  readonly judged: string[][] = [];
  readonly controller = new AbortController();
  private ms = 1_000_000;
  private deploys = 0;
  private measures = 0;

  constructor(private readonly script: Script = {}) {}

  run(limits: Partial<AbLimits> = {}): Promise<AbResult> {
    return runAb(
      {
        deploy: (side) => this.deploy(side),
        measure: (side) => this.measure(side),
        judge: (pairs) => this.judge(pairs),
      },
      { minPairs: 3, maxPairs: 8, timeLimitSec: 3600, ...limits },
      { clock: () => this.ms, say: (line) => this.said.push(line), signal: this.controller.signal },
    );
  }

  /** Not async: a throw comes before any promise, the harder case for the loop to catch. */
  private deploy(side: Side): Promise<{ ok: boolean; message: string }> {
    const n = ++this.deploys;
    this.calls.push(`deploy ${side}`);
    this.ms += DEPLOY_MS;
    if (n === this.script.abortInDeploy) this.controller.abort();
    if (n === this.script.throwDeploy) throw new Error(`deploy ${n} threw`);
    return Promise.resolve(
      n === this.script.failDeploy ? { ok: false, message: `exit 3 (deploy ${n})` } : { ok: true, message: `deployed ${side}` },
    );
  }

  private async measure(side: Side): Promise<Measurement> {
    const n = ++this.measures;
    this.calls.push(`measure ${side}`);
    this.ms += MEASURE_MS;
    if (n === this.script.abortInMeasure) this.controller.abort();
    if (n === this.script.throwMeasure) throw new Error(`k6 crashed in run ${n}`);
    if (n === this.script.skipMeasure) return { skip: 'the site was unreachable' };
    return { evidence: evidence(side, n) };
  }

  private judge(pairs: readonly Pair[]): PairedVerdict {
    this.calls.push(`judge ${pairs.length}`);
    this.judged.push(pairs.map((p) => `${p.order}:${Object.keys(p.a.endpoints)[0]}/${Object.keys(p.b.endpoints)[0]}`));
    const kind = this.script.verdicts?.[pairs.length] ?? 'inconclusive';
    return { kind, reasons: [`fake ${kind} at ${pairs.length}`], figures: [], pairs: pairs.length };
  }
}

/** The calls of whole runs in schedule order: deploy then measure, side by side. */
const runs = (sides: readonly Side[]) => sides.flatMap((s) => [`deploy ${s}`, `measure ${s}`]);

function assertEndsOnB(fake: Fake): void {
  const deploys = fake.calls.filter((c) => c.startsWith('deploy'));
  assert.equal(deploys.at(-1), 'deploy B', `the last deploy is the candidate's: ${fake.calls.join(', ')}`);
}

test('schedule: ABBA, pair 1 A then B, pair 2 B then A', () => {
  assert.deepEqual(schedule(3), ['A', 'B', 'B', 'A', 'A', 'B']);
  assert.deepEqual(schedule(4).join(''), 'ABBAABBA');
  assert.deepEqual([0, 1, 2, 3].map(pairOrder), ['AB', 'BA', 'AB', 'BA']);
  assert.deepEqual(sidesOf('BA'), ['B', 'A']);
  assert.throws(() => pairOrder(-1), RangeError);
  assert.throws(() => pairOrder(1.5), RangeError);
  // A drift of +1 per run position: B minus A over pairs 1 and 2 sums to 0.
  const position = (side: Side, pair: number) => 2 * pair + sidesOf(pairOrder(pair)).indexOf(side);
  assert.equal(position('B', 0) - position('A', 0) + (position('B', 1) - position('A', 1)), 0);
});

test('3 pairs to the cap: deploys and runs in the order A B B A A B, judged once from minPairs, pairs built by side', async () => {
  const fake = new Fake();
  const r = await fake.run({ maxPairs: 3 });
  assert.deepEqual(fake.calls, [...runs(['A', 'B', 'B', 'A', 'A', 'B']), 'judge 3']);
  assert.deepEqual(fake.judged, [['AB:A1/B2', 'BA:A4/B3', 'AB:A5/B6']]);
  assert.equal(r.exitCode, 125);
  assert.equal(r.outcome, 'inconclusive');
  assert.match(r.reasons[0] as string, /cap of 3 pairs \(3 pair\(s\) run\)/);
  assert.equal(r.reasons[1], 'fake inconclusive at 3', 'the last judgement says what was undecided');
  assert.equal(r.restore, 'not needed');
  assert.deepEqual(
    r.pairs.map((p) => [p.pair, p.order, p.seconds, Object.keys(p.a.endpoints)[0], p.b.requests]),
    [
      [1, 'AB', 140, 'A1', 2],
      [2, 'BA', 140, 'A4', 2],
      [3, 'AB', 140, 'A5', 2],
    ],
  );
  assert.deepEqual(r.pairs[0]?.a.endpoints.A1, { requests: 2, latency_ms: 2, server_ms: 1 });
  assert.equal(r.elapsedSec, 420);
  assert.deepEqual(fake.said.slice(0, 4), ['pair 1 of at most 3: A then B', 'deployed A', 'deployed B', 'pair 2 of at most 3: B then A']);
  assertEndsOnB(fake);
});

test('good at pair 4 (B A): stops there, then deploys B again; exit 0 with the verdict', async () => {
  const fake = new Fake({ verdicts: { 4: 'good' } });
  const r = await fake.run();
  assert.deepEqual(fake.calls, [...runs(schedule(3)), 'judge 3', ...runs(['B', 'A']), 'judge 4', 'deploy B']);
  assert.equal(r.exitCode, 0);
  assert.equal(r.outcome, 'good');
  assert.deepEqual(r.reasons, ['fake good at 4']);
  assert.equal(r.verdict?.kind, 'good');
  assert.equal(r.restore, 'done');
  assert.equal(r.pairs.length, 4);
  assert.equal(r.elapsedSec, 4 * 140 + 10, 'the final deploy counts');
  assertEndsOnB(fake);
});

test('bad at pair 3 (A B): stops at once, B is already deployed; exit 1', async () => {
  const fake = new Fake({ verdicts: { 3: 'bad' } });
  const r = await fake.run();
  assert.deepEqual(fake.calls, [...runs(schedule(3)), 'judge 3']);
  assert.equal(r.exitCode, 1);
  assert.equal(r.outcome, 'bad');
  assert.equal(r.restore, 'not needed');
  assertEndsOnB(fake);
});

test('a verdict before minPairs is never asked for: a judge that would say good at once is first called at minPairs', async () => {
  const fake = new Fake({ verdicts: { 1: 'good', 2: 'good', 3: 'good' } });
  const r = await fake.run({ minPairs: 3 });
  assert.deepEqual(
    fake.calls.filter((c) => c.startsWith('judge')),
    ['judge 3'],
  );
  assert.equal(r.exitCode, 0);
});

test('inconclusive at the cap of 4 pairs: ends on A, so B is deployed again; exit 125', async () => {
  const fake = new Fake();
  const r = await fake.run({ maxPairs: 4 });
  assert.deepEqual(fake.calls, [...runs(schedule(3)), 'judge 3', ...runs(['B', 'A']), 'judge 4', 'deploy B']);
  assert.equal(r.exitCode, 125);
  assert.equal(r.restore, 'done');
  assert.match(r.reasons[0] as string, /cap of 4 pairs/);
  assertEndsOnB(fake);
});

test('time limit: no pair is started that would end after it (pairs of 140 s, limit 400 s: two pairs)', async () => {
  const fake = new Fake();
  const r = await fake.run({ minPairs: 2, timeLimitSec: 400 });
  assert.deepEqual(fake.calls, [...runs(schedule(2)), 'judge 2', 'deploy B']);
  assert.equal(r.exitCode, 125);
  assert.equal(r.outcome, 'inconclusive');
  assert.match(r.reasons[0] as string, /time limit of 400 s: another pair \(~140 s\) would end after it \(280 s so far\)/);
  assert.equal(r.elapsedSec, 290);
  assertEndsOnB(fake);
  // At 420 s the third pair fits.
  const longer = new Fake();
  await longer.run({ minPairs: 2, maxPairs: 3, timeLimitSec: 420 });
  assert.deepEqual(longer.calls, [...runs(schedule(2)), 'judge 2', ...runs(['A', 'B']), 'judge 3']);
});

test('a failed deploy of A cannot judge (128), and B is deployed again; in the first step as later', async () => {
  const first = new Fake({ failDeploy: 1 });
  const r = await first.run();
  assert.deepEqual(first.calls, ['deploy A', 'deploy B']);
  assert.equal(r.exitCode, 128);
  assert.equal(r.outcome, 'abort');
  assert.match(r.reasons[0] as string, /^cannot judge: deploying A \(good build\) failed: exit 3 \(deploy 1\)$/);
  assertEndsOnB(first);

  const later = new Fake({ failDeploy: 4 });
  const r2 = await later.run();
  assert.deepEqual(later.calls, [...runs(['A', 'B', 'B']), 'deploy A', 'deploy B']);
  assert.equal(r2.exitCode, 128);
  assert.equal(r2.pairs.length, 1, 'the half pair is not reported as a pair');
  assertEndsOnB(later);
});

test('a failed deploy of B is the candidate skipped (125); it was the last deploy, nothing is deployed after it', async () => {
  const fake = new Fake({ failDeploy: 2 });
  const r = await fake.run();
  assert.deepEqual(fake.calls, ['deploy A', 'measure A', 'deploy B']);
  assert.equal(r.exitCode, 125);
  assert.equal(r.outcome, 'skip');
  assert.match(r.reasons[0] as string, /^deploying B \(candidate\) failed: exit 3 \(deploy 2\)$/);
  assert.equal(r.restore, 'not needed');
  assertEndsOnB(fake);
});

test('a deploy that throws counts as a failed deploy', async () => {
  const fake = new Fake({ throwDeploy: 1 });
  const r = await fake.run();
  assert.deepEqual(fake.calls, ['deploy A', 'deploy B']);
  assert.equal(r.exitCode, 128);
  assert.match(r.reasons[0] as string, /deploy 1 threw/);
});

test('a run that says nothing: for B a skip (125), for A cannot judge (128, B deployed again)', async () => {
  const b = new Fake({ skipMeasure: 2 });
  const rb = await b.run();
  assert.deepEqual(b.calls, runs(['A', 'B']));
  assert.equal(rb.exitCode, 125);
  assert.match(rb.reasons[0] as string, /run of B \(candidate\) says nothing: the site was unreachable/);
  const a = new Fake({ skipMeasure: 4 });
  const ra = await a.run();
  assert.deepEqual(a.calls, [...runs(['A', 'B', 'B', 'A']), 'deploy B']);
  assert.equal(ra.exitCode, 128);
  assertEndsOnB(a);
});

test('measure throwing: cannot judge (128) with the error, and B is deployed again', async () => {
  const fake = new Fake({ throwMeasure: 4 });
  const r = await fake.run();
  assert.deepEqual(fake.calls, [...runs(['A', 'B', 'B', 'A']), 'deploy B']);
  assert.equal(r.exitCode, 128);
  assert.equal(r.outcome, 'abort');
  assert.deepEqual(r.reasons, ['cannot judge: k6 crashed in run 4']);
  assert.ok(fake.said.includes('abort: cannot judge: k6 crashed in run 4'), fake.said.join('\n'));
  assertEndsOnB(fake);
});

test('abort signal in the middle: the run it cut short is not judged, no step follows but the deploy of B', async () => {
  const fake = new Fake({ abortInMeasure: 4 });
  const r = await fake.run();
  assert.deepEqual(fake.calls, [...runs(['A', 'B', 'B', 'A']), 'deploy B']);
  assert.equal(r.exitCode, 128);
  assert.equal(r.pairs.length, 1);
  assert.match(r.reasons[0] as string, /stopped by a signal/);
  assertEndsOnB(fake);
  // A run the signal stopped can end in an error (the CLI's run exits 130): still the signal's abort, not the error's.
  const thrown = new Fake({ abortInMeasure: 1, throwMeasure: 1 });
  const r1 = await thrown.run();
  assert.deepEqual(thrown.calls, [...runs(['A']), 'deploy B']);
  assert.equal(r1.exitCode, 128);
  assert.deepEqual(r1.reasons, ['stopped by a signal in the turn of A (good build)']);
  assertEndsOnB(thrown);
  // During a deploy: the deploy ends (the fake's returns), its run never starts.
  const inDeploy = new Fake({ abortInDeploy: 3 });
  const r2 = await inDeploy.run();
  assert.deepEqual(inDeploy.calls, [...runs(['A', 'B']), 'deploy B']);
  assert.equal(r2.exitCode, 128);
  assert.equal(r2.restore, 'not needed', 'the deploy it stopped after was B');
});

test('a final deploy of B that fails: said loudly, exit 128 whatever the verdict was', async () => {
  const fake = new Fake({ verdicts: { 4: 'good' }, failDeploy: 9 });
  const r = await fake.run();
  assert.deepEqual(fake.calls, [...runs(schedule(3)), 'judge 3', ...runs(['B', 'A']), 'judge 4', 'deploy B']);
  assert.equal(r.exitCode, 128);
  assert.equal(r.outcome, 'abort');
  assert.equal(r.restore, 'failed');
  assert.equal(r.verdict?.kind, 'good', 'the verdict is still reported');
  assert.match(r.reasons[0] as string, /could not be deployed again/);
  assert.ok(
    fake.said.some((l) => /^ERROR: the final deploy of B \(candidate\) failed: exit 3 \(deploy 9\)$/.test(l)),
    fake.said.join('\n'),
  );
  assert.ok(fake.said.some((l) => l.includes('would mark the wrong commit')));
});

test('limits that make no sense are refused before any step', async () => {
  const fake = new Fake();
  await assert.rejects(fake.run({ maxPairs: 0 }), RangeError);
  await assert.rejects(fake.run({ minPairs: 1.5 }), RangeError);
  assert.deepEqual(fake.calls, []);
});

// The deploy module, with real bash.
const dir = mkdtempSync(join(tmpdir(), 'moodle-load-ab-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let logs = 0;
const logPath = () => join(dir, `deploy-${++logs}.log`);

test('{rev} and {side} become quoted expansions of their variables; bash ${...} is left alone; templates are checked', () => {
  assert.equal(
    deployCommand('git checkout {rev} && echo {side} ${rev} "{rev}" "at {side}"'),
    'git checkout "${MOODLE_LOAD_REV}" && echo "${MOODLE_LOAD_SIDE}" ${rev} "${MOODLE_LOAD_REV}" "at "${MOODLE_LOAD_SIDE}""',
  );
  assert.equal(templateProblem('git checkout {rev} && php admin/cli/upgrade.php'), null);
  assert.equal(templateProblem('git checkout "{rev}"'), null);
  assert.equal(templateProblem('./deploy.sh "$MOODLE_LOAD_REV"'), null);
  assert.match(templateProblem("git checkout '{rev}'") ?? '', /without single quotes/);
  assert.match(templateProblem('php admin/cli/purge_caches.php') ?? '', /same code for both sides/);
  assert.match(templateProblem('echo ${rev}') ?? '', /same code for both sides/, "bash's own ${rev} is no placeholder");
  assert.match(templateProblem('  ') ?? '', /empty/);
});

test('deploy: {rev} reaches the command as its value, in quotes or not, and runs nothing it holds; output goes to the log', async () => {
  const log = logPath();
  const marker = join(dir, 'injected');
  const rev = `v1 it's "$(touch ${marker})" \`touch ${marker}\`; touch ${marker}`;
  const r = await runDeploy({
    template: 'printf "<%s>\\n" {rev} "{rev}" "in {side} quotes" {side}; echo "env $MOODLE_LOAD_SIDE" >&2',
    side: 'A',
    rev,
    logPath: log,
    timeoutSec: 10,
  });
  assert.equal(r.ok, true, r.message);
  assert.equal(r.exitCode, 0);
  assert.equal(existsSync(marker), false, 'the revision ran no command');
  const text = readFileSync(log, 'utf8');
  assert.ok(text.includes(`<${rev}>\n<${rev}>\n<in A quotes>\n<A>\nenv A\n`), text);
  assert.ok(text.includes(`deploy A (rev ${rev}): printf`), 'the header names the side, the revision and the template');
  assert.match(r.message, /^deploy A \(rev v1 .*\) done: exit 0, \d+\.\d s \(log: [^)]*\)$/, 'nothing quoted when it worked');
});

test('deploy: a failing command returns its exit code and its last lines; the log keeps every line', async () => {
  const log = logPath();
  writeFileSync(log, 'an earlier deploy said this\n');
  const deploy = deployer(
    'for i in $(seq 1 30); do echo line $i {side}; done; echo oops >&2; exit 3',
    { A: 'good', B: 'cand' },
    {
      logPath: log,
      timeoutSec: 10,
    },
  );
  const r = await deploy('B');
  assert.equal(r.ok, false);
  assert.equal(r.exitCode, 3);
  assert.equal(r.timedOut, false);
  assert.equal(r.lastLines.length, QUOTED_LINES);
  assert.equal(r.lastLines.at(-1), 'oops');
  assert.equal(r.lastLines[0], `line ${31 - QUOTED_LINES + 1} B`);
  assert.match(r.message, /^deploy B \(rev cand\) failed: exit 3, .*its last lines: line 22 B \| .* \| line 30 B \| oops$/);
  assert.ok(!r.message.includes('line 21 B'));
  const text = readFileSync(log, 'utf8');
  assert.ok(text.startsWith('an earlier deploy said this\n') && text.includes('line 1 B\n'), 'appended, whole');
});

test('deploy: a command that outlives the timeout is killed with everything it started', async () => {
  const log = logPath();
  const pidFile = join(dir, 'sleeper.pid');
  const t0 = Date.now();
  const r = await runDeploy({
    template: `echo starting {side}; sleep 30 & echo $! > '${pidFile}'; wait`,
    side: 'B',
    rev: 'slow',
    logPath: log,
    timeoutSec: 0.5,
    killGraceMs: 200,
  });
  const took = Date.now() - t0;
  assert.equal(r.ok, false);
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, null);
  assert.ok(took < 5_000, `returned after ${took} ms`);
  assert.match(r.message, /timed out after 0\.5 s \(killed\).*its last lines: starting B$/);
  const sleeper = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(sleeper > 0);
  assert.equal(alive(sleeper), false, `the sleep under bash (pid ${sleeper}) is gone too`);
});

test('deploy: a directory that does not exist fails without starting, and says so', async () => {
  const r = await runDeploy({ template: 'true {rev}', side: 'A', rev: 'x', logPath: logPath(), timeoutSec: 5, cwd: join(dir, 'nowhere') });
  assert.equal(r.ok, false);
  assert.equal(r.exitCode, null);
  assert.match(r.message, /did not start: no directory .*nowhere/);
});

/** Running (a zombie left for a container's init to reap is not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
