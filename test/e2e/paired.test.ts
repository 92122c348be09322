// The side-by-side judgement end to end: `ab` and `bisect-check --good/--deploy` run the real CLI and
// k6 against the simulator, whose builds are installed by the deploy commands (POST /__sim/deploy).
// Each deploy also appends its side to a file, so the test sees the order of the deploys and which
// build is installed when the CLI exits. The simulator runs `exact` without drift: every request of a
// page takes its median time, so a build's effect is the same in every pair and the verdicts are
// decided at the third pair (--min-pairs 3); --max-pairs 4 only bounds the time of a test gone wrong.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { schedule, type Side } from '../../cli/ab/schedule';
import { startSimulator, Simulator } from '../../sim/server';
import { CLI, LOAD_PAGES, start, tempDir, writeConfig, type Finished } from '../helpers/e2e';

/** Every page's server time on A; B's shared slowdown is 80% of it, far above the 10% and 5 ms minimum. */
const BASE_MS = 50;
const SLOW_MS = 40;
const COURSE = '/course/view.php?id={courseid}';
const ALL = '(all endpoints)';
const URLS = [
  { path: '/my/' },
  { path: COURSE },
  { path: '/mod/forum/view.php?id={cmid}' },
  { path: '/mod/page/view.php?id={cmid}' },
  { path: '/user/profile.php?id={userid}' },
];
// 50 requests/s over 5 endpoints: 17-22 per endpoint and run with the fixed seed (10 needed). The login
// phase is --login-timeout long (its 5 s default is most of a short run): a login is 4 requests of 50-90 ms.
const LOAD = ['--rpm', '3000', '--duration', '2', '--warmup', '1', '--concurrency', '10', '--login-timeout', '2'];
const PAIRS = ['--min-pairs', '3', '--max-pairs', '4'];
/** A judgement of 3 to 4 pairs: a run takes 5-6 s here, 15 on a busy machine. */
const JUDGEMENT_MS = 150_000;

let sim: Simulator;
let dir: string;
let config: string;
/** The deploy script: appends its side to the deploy log, then installs the build given by a query. */
let deployScript: string;
let deployLog: string;

before(async () => {
  sim = await startSimulator({ perfFooter: true, exact: true, latencyMs: { '*': BASE_MS } });
  dir = tempDir();
  config = writeConfig(dir, sim, sim.users, { urls: URLS });
  deployScript = join(dir, 'deploy.mjs');
  writeFileSync(
    deployScript,
    [
      "import { appendFileSync } from 'node:fs';",
      'const [side, query, log] = process.argv.slice(2);',
      "appendFileSync(log, side + '\\n');",
      `const res = await fetch('${sim.url}/__sim/deploy?' + query, { method: 'POST' });`,
      'const body = await res.text();',
      'console.log(body);',
      'if (!res.ok) process.exit(1);',
    ].join('\n'),
  );
});
after(() => sim.close());

let testNo = 0;
beforeEach(() => {
  sim.deploy({ sharedSlowdownMs: 0, regressions: {} });
  sim.resetStats();
  deployLog = join(dir, `deploys-${++testNo}.log`);
});

/** A deploy command installing the build `query` (as POST /__sim/deploy takes it), logging {side}. */
const deploy = (query: string) => `"${process.execPath}" ${deployScript} "{side}" '${query}' ${deployLog}`;

/** The sides deployed so far, in order. */
function deployed(): Side[] {
  if (!existsSync(deployLog)) return [];
  return readFileSync(deployLog, 'utf8').trim().split('\n') as Side[];
}

/** The deploys of `pairs` pairs, and the final deploy of B when the last was A's. */
function deploysOf(pairs: number): Side[] {
  const sides = schedule(pairs);
  return sides.at(-1) === 'A' ? [...sides, 'B'] : sides;
}

function cli(args: readonly string[], timeoutMs: number, cwd?: string) {
  return start(process.execPath, [CLI, ...args], { timeoutMs, cwd });
}

async function ab(a: string, b: string, ...extra: string[]): Promise<Finished> {
  return cli(['ab', '--config', config, ...LOAD, ...PAIRS, '--a', a, '--b', b, ...extra], JUDGEMENT_MS).done;
}

/** Load requests the simulator served (warm-up included), and that the report counts (load phase only). */
function checkCounted(report: { runs: { requests: number; failures: number }[] }): void {
  const served = LOAD_PAGES.reduce((sum, p) => sum + (sim.stats().pages[p] ?? 0), 0) + (sim.stats().pages['/mod/page/view.php'] ?? 0);
  const counted = report.runs.reduce((sum, r) => sum + r.requests, 0);
  assert.ok(counted > 0 && counted <= served, `the report counts ${counted} requests, the simulator served ${served}`);
  for (const r of report.runs) assert.equal(r.failures, 0, JSON.stringify(r));
}

test(
  'ab: B slower on every page is bad (exit 1), named on every endpoint together; B is the build left installed',
  { timeout: JUDGEMENT_MS + 10_000 },
  async () => {
    const { code, stdout, stderr } = await ab(deploy('shared_ms=0'), deploy(`shared_ms=${SLOW_MS}`));
    assert.equal(code, 1, stderr);
    const report = JSON.parse(stdout);
    assert.equal(report.verdict, 'bad');
    assert.equal(report.exit, 1);
    assert.equal(report.design, 'paired');
    assert.equal(report.pairs.length, 3, 'a slowdown this clear is decided at the first look');
    assert.equal(report.runs.length, 6);
    assert.deepEqual(
      report.runs.map((r: { side: Side }) => r.side),
      schedule(3),
    );
    const together = report.endpoints[ALL].server_ms;
    assert.equal(together.state, 'bad', JSON.stringify(together));
    assert.ok(together.estimate_ms > SLOW_MS - 5 && together.estimate_ms < SLOW_MS + 5, JSON.stringify(together));
    assert.equal(together.pairs.length, 3);
    // The slowdown is every page's: no single endpoint is slower than the others.
    assert.equal(report.reasons.length, 1, report.reasons.join('\n'));
    assert.match(report.reasons[0], /^\(all endpoints\): server_ms bad: \+\d+\.\d % \(\+\d+\.\d ms\) over 3 pair\(s\)/);
    assert.match(stderr, /ab: bad: \(all endpoints\): server_ms bad/);
    for (const { path } of URLS) assert.notEqual(report.endpoints[path].server_ms.state, 'bad', path);
    assert.equal(report.restore, 'not needed', 'the last run was B');
    // Every figure of the pairs rounded to 2 decimals, as the rest of the report.
    for (const p of report.pairs)
      for (const e of Object.values<{ latency_ms: number; server_ms: number }>({ ...p.a.endpoints, ...p.b.endpoints }))
        for (const v of [e.latency_ms, e.server_ms]) assert.equal(Math.round(v * 100) / 100, v, JSON.stringify(p));
    assert.deepEqual(deployed(), deploysOf(3));
    assert.equal(sim.stats().sharedSlowdownMs, SLOW_MS, "B's build is installed");
    checkCounted(report);
  },
);

test('ab: the same build on both sides is good (exit 0)', { timeout: JUDGEMENT_MS + 10_000 }, async () => {
  const same = deploy('shared_ms=0&regress=');
  const { code, stdout, stderr } = await ab(same, same);
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout);
  assert.equal(report.verdict, 'good');
  assert.equal(report.exit, 0);
  assert.match(report.reasons[0], /^every figure shown below its minimum effect/);
  assert.equal(report.endpoints[ALL].server_ms.state, 'good');
  const pairs = report.pairs.length;
  assert.ok(pairs >= 3, `judged from the third pair on: ${pairs}`);
  assert.deepEqual(deployed(), deploysOf(pairs));
  assert.equal(report.restore, pairs % 2 === 0 ? 'done' : 'not needed');
  checkCounted(report);
});

test("ab: 3 more DB reads on one page of B is bad, named on that endpoint's db_reads", { timeout: JUDGEMENT_MS + 10_000 }, async () => {
  const { code, stdout, stderr } = await ab(deploy('regress='), deploy('regress=course:reads=+3'));
  assert.equal(code, 1, stderr);
  const report = JSON.parse(stdout);
  assert.equal(report.verdict, 'bad');
  assert.equal(report.reasons.length, 1, report.reasons.join('\n'));
  assert.match(report.reasons[0], /^\/course\/view\.php\?id=\{courseid\}: db_reads bad: \+3\.00 reads over 3 pair\(s\)/);
  const reads = report.endpoints[COURSE].db_reads;
  assert.equal(reads.state, 'bad');
  assert.equal(reads.estimate, 3);
  assert.deepEqual(
    reads.pairs.map((p: { effect: number }) => p.effect),
    [3, 3, 3],
  );
  for (const { path } of URLS) {
    assert.notEqual(report.endpoints[path].server_ms.state, 'bad', path);
    assert.equal(report.endpoints[path].db_writes.state, 'good', path);
    if (path !== COURSE) assert.equal(report.endpoints[path].db_reads.state, 'good', path);
  }
  assert.notEqual(report.endpoints[ALL].server_ms.state, 'bad');
  assert.deepEqual(deployed(), deploysOf(3));
  checkCounted(report);
});

/** A git checkout with two commits, each naming the build it deploys in build.txt: good, then the candidate. */
function twoCommits(goodBuild: string, candidateBuild: string): { repo: string; good: string; candidate: string } {
  const repo = tempDir();
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo, encoding: 'utf8' }).trim();
  git('init', '-q');
  const commit = (build: string, message: string) => {
    writeFileSync(join(repo, 'build.txt'), build + '\n');
    git('add', 'build.txt');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  return { repo, good: commit(goodBuild, 'good'), candidate: commit(candidateBuild, 'candidate') };
}

test(
  'bisect-check --good: a slower candidate is bad (exit 1); the candidate is checked out and deployed at the end',
  { timeout: JUDGEMENT_MS + 10_000 },
  async () => {
    const { repo, good, candidate } = twoCommits('shared_ms=0', `shared_ms=${SLOW_MS}`);
    // The deploy checks {rev} out and installs the build that commit names.
    const template = `git checkout -q {rev} && "${process.execPath}" ${deployScript} "{side}" "$(cat build.txt)" ${deployLog}`;
    const { code, stdout, stderr } = await cli(
      ['bisect-check', '--config', config, ...LOAD, ...PAIRS, '--good', 'HEAD~1', '--deploy', template],
      JUDGEMENT_MS,
      repo,
    ).done;
    assert.equal(code, 1, stderr);
    const report = JSON.parse(stdout);
    assert.equal(report.verdict, 'bad');
    assert.deepEqual([report.a.rev, report.b.rev], [good, candidate], '--good resolved to its commit, B is HEAD');
    assert.deepEqual([report.a.deploy, report.b.deploy], [template, template]);
    assert.equal(report.endpoints[ALL].server_ms.state, 'bad');
    assert.match(stderr, new RegExp(`bisect-check: deploy A \\(rev ${good}\\) done`));
    assert.deepEqual(deployed(), deploysOf(report.pairs.length));
    assert.equal(deployed().at(-1), 'B');
    assert.equal(sim.stats().sharedSlowdownMs, SLOW_MS, "the candidate's build is installed");
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    assert.equal(git('rev-parse', 'HEAD'), candidate, 'git bisect marks what is checked out: the candidate');
    assert.equal(git('status', '--porcelain'), '', 'nothing written into the checkout');
    checkCounted(report);
  },
);

test(
  "a failed deploy of B is B's fault (125, skip); a failed deploy of A cannot judge (128), B deployed at the end",
  { timeout: 60_000 },
  async () => {
    const failing = (query: string) => `${deploy(query)} && echo "upgrade: the database is newer than the code" >&2 && exit 3`;
    const skipped = await ab(deploy('shared_ms=0'), failing(`shared_ms=${SLOW_MS}`));
    assert.equal(skipped.code, 125, skipped.stderr);
    const skip = JSON.parse(skipped.stdout);
    assert.equal(skip.verdict, 'skip');
    assert.equal(skip.reasons.length, 1);
    assert.match(
      skip.reasons[0],
      /^deploying B \(candidate\) failed: deploy B \(rev B\) failed: exit 3, .*the database is newer than the code/,
    );
    assert.match(skipped.stderr, /ab: skip: deploying B \(candidate\) failed/);
    assert.deepEqual(deployed(), ['A', 'B'], 'A deployed and run, then B failed: nothing more');
    assert.equal(skip.runs.length, 1);
    assert.equal(skip.restore, 'not needed');
    assert.match(skipped.stderr, /ab: runs and deploy log kept in \S+/);

    sim.deploy({ sharedSlowdownMs: 0 });
    sim.resetStats();
    deployLog = join(dir, `deploys-${testNo}-a.log`);
    const aborted = await ab(failing('shared_ms=0'), deploy(`shared_ms=${SLOW_MS}`));
    assert.equal(aborted.code, 128, aborted.stderr);
    const abort = JSON.parse(aborted.stdout);
    assert.equal(abort.verdict, 'abort');
    assert.match(abort.reasons[0], /^cannot judge: deploying A \(good build\) failed: deploy A \(rev A\) failed: exit 3/);
    assert.equal(abort.restore, 'done');
    assert.deepEqual(abort.runs, []);
    assert.deepEqual(deployed(), ['A', 'B']);
    assert.equal(sim.stats().sharedSlowdownMs, SLOW_MS, "B's build is installed again");
    assert.deepEqual(sim.stats().pages, {}, 'no load was sent');
  },
);

test('bad input: one line naming the flag, exit 128, no request sent and nothing deployed', { timeout: 60_000 }, async () => {
  const { repo, good } = twoCommits('shared_ms=0', `shared_ms=${SLOW_MS}`);
  const template = `"${process.execPath}" ${deployScript} {rev} 'shared_ms=0' ${deployLog}`;
  const bisect = ['bisect-check', '--config', config, ...LOAD];
  const abArgs = ['ab', '--config', config, ...LOAD];
  const cases: [string[], RegExp][] = [
    [[...bisect, '--good', good], /^bisect-check: --good needs --deploy CMD/],
    [[...bisect, '--deploy', template], /^bisect-check: --deploy needs --good REV/],
    [
      [...bisect, '--good', good, '--deploy', deploy('shared_ms=0').replace('{side}', 'A')],
      /^bisect-check: --deploy: the deploy command names neither \{rev\} nor \{side\}/,
    ],
    [
      [...bisect, '--good', good, '--deploy', `echo '{rev}'; ${template}`],
      /^bisect-check: --deploy: write \{rev\} and \{side\} without single quotes/,
    ],
    [[...bisect, '--good', 'no-such-rev', '--deploy', template], /^bisect-check: --good no-such-rev is not a commit of the checkout in /],
    [
      [...bisect, '--good', good, '--deploy', template, '--baseline', 'b.json'],
      /^bisect-check: --baseline is for judging against a saved baseline, not side by side/,
    ],
    [[...bisect, '--good', good, '--deploy', template, '--min-pairs', '1'], /^bisect-check: --min-pairs must be at least 2/],
    [[...abArgs, '--a', template], /^ab: --b CMD is needed/],
    [[...abArgs, '--b', template], /^ab: --a CMD is needed/],
    [[...abArgs, '--a', template, '--b', template, '--min-pairs', '1'], /^ab: --min-pairs must be at least 2/],
    [[...abArgs, '--a', template, '--b', template, '--max-pairs', '2', '--min-pairs', '3'], /^ab: --max-pairs 2 is below --min-pairs 3/],
    [[...abArgs, '--a', template, '--b', template, '--log', 'x.jsonl'], /^ab: --log is not for ab/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await cli(args, 20_000, repo).done;
    const what = args.slice(args.indexOf('--login-timeout') + 2).join(' ');
    assert.equal(code, 128, `${what}: ${stderr}`);
    assert.match(stderr, message, what);
    assert.equal(stderr.trimEnd().split('\n').length, 1, `one line: ${stderr}`);
    assert.equal(stdout, '', what);
  }
  assert.deepEqual(sim.stats().pages, {}, 'no request reached the simulator');
  assert.deepEqual(deployed(), [], 'no deploy ran');
});

test('SIGINT during the first run: exit 128 with the JSON, and B deployed at the end', { timeout: 60_000 }, async () => {
  const run = cli(
    [
      'ab',
      '--config',
      config,
      ...LOAD,
      '--duration',
      '30',
      '--progress',
      '1',
      '--a',
      deploy('shared_ms=0'),
      '--b',
      deploy(`shared_ms=${SLOW_MS}`),
    ],
    50_000,
  );
  await run.waitForStderr(/progress: load [1-9]\//);
  assert.deepEqual(deployed(), ['A']);
  run.child.kill('SIGINT');
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 128, stderr);
  const report = JSON.parse(stdout);
  assert.equal(report.verdict, 'abort');
  assert.equal(report.exit, 128);
  assert.equal(report.restore, 'done');
  assert.deepEqual(report.pairs, []);
  assert.deepEqual(report.reasons, ['stopped by a signal in the turn of A (good build)']);
  assert.match(stderr, /ab: stopping after this step; the candidate B is deployed again before exit/);
  assert.deepEqual(deployed(), ['A', 'B']);
  assert.equal(sim.stats().sharedSlowdownMs, SLOW_MS, "B's build is installed");
});
