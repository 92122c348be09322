// The side-by-side judgement's flags (bisect-check --good/--deploy and ab): one-line errors in the
// command's style (exit 128), the options they make, the commits they name in a throwaway git
// checkout, and the verdict JSON built from a hand-made result.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Command } from 'commander';
import type { PairedFigureVerdict } from '../../analysis/paired-verdict';
import type { AbResult } from '../../cli/ab/ab-run';
import type { PairedOptions, SideRun } from '../../cli/ab/paired-check';
import { pairedJson } from '../../cli/ab/paired-report';
import { abCommand } from '../../cli/commands/ab';
import { bisectCheckCommand, bisectMode } from '../../cli/commands/bisect-check';
import { checkedOutCommit, commitOf, DEFAULT_DEPLOY_TIMEOUT_SEC, DEFAULT_SEED } from '../../cli/commands/judge-flags';
import { CliContext, CommandExit } from '../../cli/flags';
import type { Summary } from '../../lib/summary';
import { throwsMessage } from '../helpers/assert';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'moodle-load-judge-flags-'));
  dirs.push(d);
  return d;
}

/** A git checkout with two commits (good, then the candidate, checked out) and a tag on the good one. */
function twoCommits(): { repo: string; good: string; candidate: string; git: (...args: string[]) => string } {
  const repo = tempDir();
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo, encoding: 'utf8' }).trim();
  git('init', '-q');
  const commit = (text: string) => {
    writeFileSync(join(repo, 'code.php'), text);
    git('add', 'code.php');
    git('commit', '-q', '-m', text);
    return git('rev-parse', 'HEAD');
  };
  const good = commit('good');
  git('tag', '-a', 'v1', '-m', 'release 1');
  return { repo, good, candidate: commit('candidate'), git };
}

const RUN = ['--config', 'c', '--rpm', '1', '--duration', '1'];
const TEMPLATE = 'git checkout -q {rev} && php admin/cli/upgrade.php --non-interactive';

function context(argv: string[]): CliContext & { out: string[] } {
  const out: string[] = [];
  return { projectRoot: '', io: { stdout: (t) => out.push(t), stderr: (t) => out.push(t) }, argv, exitCode: 0, out };
}

/** Runs a command through commander as the CLI does: its exit code and its one error line, if any. */
async function run(build: (ctx: CliContext) => Command, argv: string[]): Promise<{ code: number; line?: string }> {
  const ctx = context(argv);
  try {
    await build(ctx).parseAsync(argv, { from: 'user' });
    return { code: ctx.exitCode };
  } catch (e) {
    if (!(e instanceof CommandExit)) throw e;
    return { code: e.exitCode, line: e.line };
  }
}

/** bisect-check's flags parsed without running it, for bisectMode. */
function parsedBisect(argv: string[]): Command {
  const cmd = bisectCheckCommand(context(argv)).action(() => undefined);
  cmd.parse(argv, { from: 'user' });
  return cmd;
}

test('ab: --a and --b needed, the pairs and the limits checked: one line each, exit 128', async () => {
  const ab = (...flags: string[]) => run(abCommand, [...RUN, ...flags]);
  const both = ['--a', 'deploy A', '--b', 'deploy B'];
  const cases: [string[], string][] = [
    [['--a', 'deploy A'], 'ab: --b CMD is needed: the shell command that deploys that side'],
    [['--b', 'deploy B'], 'ab: --a CMD is needed: the shell command that deploys that side'],
    [['--a', '  ', '--b', 'deploy B'], 'ab: --a CMD is needed: the shell command that deploys that side'],
    [[...both, '--min-pairs', '1'], 'ab: --min-pairs must be at least 2 (one pair shows no noise to weigh the effect against), not 1'],
    [[...both, '--max-pairs', '2', '--min-pairs', '3'], 'ab: --max-pairs 2 is below --min-pairs 3'],
    [[...both, '--max-pairs', '2'], 'ab: --max-pairs 2 is below --min-pairs 3'],
    [[...both, '--min-pairs', '2.5'], 'ab: --min-pairs must be a whole number, not "2.5"'],
    [[...both, '--max-pairs', '0'], 'ab: --max-pairs must be a number of at least 1, not "0"'],
    [[...both, '--deploy-timeout', '0'], 'ab: --deploy-timeout must be a number of at least 1, not "0"'],
    [[...both, '--time-limit', 'soon'], 'ab: --time-limit must be a number of at least 1, not "soon"'],
    [[...both, '--alpha', '1'], 'ab: --alpha must be between 0 and 1, not 1'],
    [[...both, '--time', 'wall'], 'ab: --time must be server or client, not "wall"'],
    [[...both, '--min-pair', '3'], 'ab: unknown flag --min-pair (did you mean --min-pairs?); see --help'],
    [
      [...both, '--summary', 's.json'],
      "ab: --summary is not for ab: it writes each run's summary and request log itself, in a temporary folder (--keep-runs keeps it)",
    ],
  ];
  for (const [flags, line] of cases) assert.deepEqual(await ab(...flags), { code: 128, line }, flags.join(' '));
});

test('bisect-check side by side: --good and --deploy go together, a template must name {rev}, no baseline flags', () => {
  const { repo, good } = twoCommits();
  const mode =
    (...flags: string[]) =>
    () =>
      bisectMode(parsedBisect([...RUN, ...flags]), repo);
  throwsMessage(mode('--good', good), /^--good needs --deploy CMD: how to deploy a revision in this checkout$/);
  throwsMessage(mode('--deploy', TEMPLATE), /^--deploy needs --good REV: the known-good revision to measure beside the candidate$/);
  throwsMessage(mode('--good', good, '--deploy', ' '), /^--deploy: the deploy command is empty$/);
  throwsMessage(
    mode('--good', good, '--deploy', 'git checkout -q main && make'),
    /^--deploy: the deploy command names neither \{rev\} nor \{side\} \(nor \$MOODLE_LOAD_REV \/ \$MOODLE_LOAD_SIDE\): it would deploy the same code for both sides$/,
  );
  throwsMessage(
    mode('--good', good, '--deploy', "git checkout -q '{rev}'"),
    /^--deploy: write \{rev\} and \{side\} without single quotes around them: in single quotes they stay as written$/,
  );
  for (const [flag, value] of [
    ['--baseline', 'b.json'],
    ['--save-baseline', 'b.json'],
    ['--repeat', '2'],
    ['--max-repeats', '3'],
    ['--restore', 'snap.dump'],
  ] as const)
    throwsMessage(
      mode('--good', good, '--deploy', TEMPLATE, flag, value),
      new RegExp(`^${flag} is for judging against a saved baseline, not side by side \\(--good, --deploy\\)$`),
    );
  throwsMessage(
    mode('--good', 'no-such-rev', '--deploy', TEMPLATE),
    new RegExp(`^--good no-such-rev is not a commit of the checkout in ${repo}$`),
  );
  throwsMessage(mode('--good', good, '--deploy', TEMPLATE, '--min-pairs', '1'), /^--min-pairs must be at least 2/);
  throwsMessage(mode('--good', good, '--deploy', TEMPLATE, '--log', 'x.jsonl'), /^--log is not for bisect-check/);
  const elsewhere = tempDir();
  throwsMessage(
    () => bisectMode(parsedBisect([...RUN, '--good', good, '--deploy', TEMPLATE]), elsewhere),
    new RegExp(`^--deploy: ${elsewhere} is not a git checkout \\(git rev-parse HEAD failed\\)`),
  );
});

test('bisect-check through commander: the same errors as one line prefixed bisect-check, exit 128', async () => {
  assert.deepEqual(await run(bisectCheckCommand, [...RUN, '--good', 'HEAD~1']), {
    code: 128,
    line: 'bisect-check: --good needs --deploy CMD: how to deploy a revision in this checkout',
  });
  assert.deepEqual(await run(bisectCheckCommand, [...RUN, '--good', 'HEAD~1', '--deploy', 'make deploy']), {
    code: 128,
    line: 'bisect-check: --deploy: the deploy command names neither {rev} nor {side} (nor $MOODLE_LOAD_REV / $MOODLE_LOAD_SIDE): it would deploy the same code for both sides',
  });
  assert.deepEqual(await run(bisectCheckCommand, [...RUN, '--good', 'HEAD~1', '--deploy', TEMPLATE, '--max-pairs', '2']), {
    code: 128,
    line: 'bisect-check: --max-pairs 2 is below --min-pairs 3',
  });
});

test('bisect-check side by side: A is --good as a commit, B the checked-out commit, one template for both; defaults', () => {
  const { repo, good, candidate } = twoCommits();
  const mode = bisectMode(parsedBisect([...RUN, '--good', 'v1', '--deploy', TEMPLATE]), repo);
  assert.equal(mode.kind, 'paired');
  const o = mode.options;
  assert.equal(o.command, 'bisect-check');
  assert.deepEqual(o.revs, { A: good, B: candidate }, 'an annotated tag resolves to its commit');
  assert.deepEqual(o.deploy, { A: TEMPLATE, B: TEMPLATE });
  assert.equal(o.cwd, repo);
  assert.equal(o.seed, DEFAULT_SEED);
  assert.equal(o.deployTimeoutSec, DEFAULT_DEPLOY_TIMEOUT_SEC);
  assert.equal(o.timeLimitSec, 900);
  assert.equal(o.keepRuns, false);
  assert.deepEqual([o.limits.minPairs, o.limits.maxPairs, o.limits.beta, o.limits.alpha], [3, 8, 0.05, 0.01]);

  const given = bisectMode(
    parsedBisect([
      ...RUN,
      '--good',
      good.slice(0, 10),
      '--deploy',
      'deploy.sh "$MOODLE_LOAD_REV"',
      '--seed',
      '9',
      '--min-pairs',
      '2',
      '--max-pairs',
      '2',
      '--deploy-timeout',
      '30',
      '--time-limit',
      '120',
      '--alpha',
      '0.05',
      '--keep-runs',
    ]),
    repo,
  );
  assert.equal(given.kind, 'paired');
  const g = given.options;
  assert.deepEqual(g.revs, { A: good, B: candidate }, 'a short id resolves to the full one');
  assert.deepEqual(
    [g.seed, g.limits.minPairs, g.limits.maxPairs, g.deployTimeoutSec, g.timeLimitSec, g.limits.alpha, g.keepRuns],
    [9, 2, 2, 30, 120, 0.05, true],
  );
  assert.equal(bisectMode(parsedBisect([...RUN, '--save-baseline', 'b.json']), repo).kind, 'baseline', 'without --good and --deploy');
});

test('checkedOutCommit and commitOf: full commit ids from HEAD, names, short ids and tags; anything else refused', () => {
  const { repo, good, candidate, git } = twoCommits();
  assert.match(candidate, /^[0-9a-f]{40}$/);
  assert.equal(checkedOutCommit(repo), candidate);
  const sub = join(repo, 'admin', 'cli');
  mkdirSync(sub, { recursive: true });
  assert.equal(checkedOutCommit(sub), candidate, 'from a folder of the checkout');
  for (const rev of ['HEAD~1', 'v1', good, good.slice(0, 8), `${candidate}^`]) assert.equal(commitOf(rev, '--good', repo), good, rev);
  assert.equal(commitOf('HEAD', '--good', repo), candidate);
  for (const rev of ['no-such-rev', 'HEAD~5', 'HEAD:code.php', 'HEAD^{tree}', '--all', ''])
    throwsMessage(
      () => commitOf(rev, '--good', repo),
      new RegExp(`^--good ${rev.replace(/[\^{}~]/g, '\\$&')} is not a commit of the checkout in ${repo}$`),
    );
  git('checkout', '-q', good);
  assert.equal(checkedOutCommit(repo), good, 'a detached HEAD, as git bisect leaves it');
  const empty = tempDir();
  execFileSync('git', ['init', '-q'], { cwd: empty });
  throwsMessage(() => checkedOutCommit(empty), new RegExp(`^--deploy: ${empty} is not a git checkout`));
});

const figure = (over: Partial<PairedFigureVerdict>): PairedFigureVerdict => ({
  endpoint: '(all endpoints)',
  figure: 'server_ms',
  state: 'bad',
  pairs: [],
  estimate: null,
  estimate_pct: null,
  estimate_ms: null,
  lower: null,
  upper: null,
  upper_ms: null,
  p: null,
  p_sign_flip: null,
  alpha: 0.01,
  rule: 'a rule',
  ...over,
});

test('pairedJson: the verdict, both sides, pairs, runs and per endpoint and figure the evidence, rounded', () => {
  const o = {
    seed: 4,
    revs: { A: 'a'.repeat(40), B: 'b'.repeat(40) },
    deploy: { A: 'deploy {rev}', B: 'deploy {rev}' },
  } as unknown as PairedOptions;
  const together = figure({
    estimate: 0.5766554,
    estimate_pct: 78.004999,
    estimate_ms: 40.0049,
    lower: { value: 75.12345, level: 0.9995 },
    upper: { value: Infinity, level: 0.95 },
    upper_ms: { value: 41.256, level: 0.95 },
    p: 3.2168e-7,
    p_sign_flip: 0.125,
    alpha: 0.000166666666,
    rule: 'bad: ...',
    pairs: [
      { pair: 0, order: 'AB', effect: 0.57666, pct: 77.9666, ms: 40.0011, a_ms: 51.287000000000006, others_pct: null, n_a: 5, n_b: 5 },
      { pair: 1, order: 'BA', effect: 0.5761, pct: 77.8777, ms: 39.996, a_ms: 51.3825, others_pct: -0.004999, n_a: 5, n_b: 5 },
    ],
  });
  const reads = figure({
    endpoint: '/course/view.php',
    figure: 'db_reads',
    estimate: 3,
    lower: { value: 3, level: 0.99999 },
    upper: { value: 3, level: 0.95 },
    p: 0,
    p_sign_flip: 0.25,
    alpha: 0.0001,
    pairs: [{ pair: 0, order: 'AB', effect: 3, pct: null, ms: null, a_ms: null, others_pct: null, n_a: 31, n_b: 30 }],
  });
  const time = figure({ endpoint: '/course/view.php', figure: 'server_ms', state: 'not judged', rule: 'no pair' });
  const summary = { total: 151, failures: 2, dropped_iterations: 3, latency_ms_p95: 55.52 } as Summary;
  const runs: SideRun[] = [
    { side: 'A', run: { exitCode: 0, summary, evidence: { endpoints: {} }, vus: 10, seconds: 6.6, users: 'block 1 of 2' } },
    { side: 'B', run: { exitCode: 6, summary: undefined, evidence: { endpoints: {} }, vus: 10, seconds: 0.4, users: 'block 2 of 2' } },
  ];
  const endpoints = {
    '/my/': { requests: 30, latency_ms: 52.8655, server_ms: 51.287000000000006 },
    '/course/view.php': { requests: 9, latency_ms: null, server_ms: null },
  };
  const rounded = {
    '/my/': { requests: 30, latency_ms: 52.87, server_ms: 51.29 },
    '/course/view.php': { requests: 9, latency_ms: null, server_ms: null },
  };
  const result: AbResult = {
    exitCode: 1,
    outcome: 'bad',
    reasons: ['(all endpoints): server_ms bad: ...'],
    verdict: { kind: 'bad', reasons: [], figures: [reads, time, together], pairs: 2 },
    pairs: [{ pair: 1, order: 'AB', a: { requests: 39, endpoints }, b: { requests: 39, endpoints }, seconds: 12.5 }],
    restore: 'done',
    elapsedSec: 100.49,
  };
  const json = pairedJson(o, result, runs);
  assert.deepEqual(Object.keys(json), [
    'verdict',
    'exit',
    'reasons',
    'design',
    'seed',
    'a',
    'b',
    'pairs',
    'runs',
    'restore',
    'elapsed_sec',
    'endpoints',
  ]);
  assert.deepEqual(
    { ...json, endpoints: undefined },
    {
      verdict: 'bad',
      exit: 1,
      reasons: ['(all endpoints): server_ms bad: ...'],
      design: 'paired',
      seed: 4,
      a: { rev: 'a'.repeat(40), deploy: 'deploy {rev}' },
      b: { rev: 'b'.repeat(40), deploy: 'deploy {rev}' },
      pairs: [{ pair: 1, order: 'AB', a: { requests: 39, endpoints: rounded }, b: { requests: 39, endpoints: rounded }, seconds: 13 }],
      runs: [
        { side: 'A', vus: 10, users: 'block 1 of 2', seconds: 7, requests: 151, failures: 2, dropped_iterations: 3, latency_ms_p95: 55.52 },
        { side: 'B', vus: 10, users: 'block 2 of 2', seconds: 0, requests: 0, failures: 0, dropped_iterations: 0, latency_ms_p95: null },
      ],
      restore: 'done',
      elapsed_sec: 100,
      endpoints: undefined,
    },
  );
  assert.deepEqual(Object.keys(json.endpoints), ['/course/view.php', '(all endpoints)']);
  assert.deepEqual(Object.keys(json.endpoints['/course/view.php'] ?? {}), ['db_reads', 'server_ms']);
  assert.deepEqual(json.endpoints['(all endpoints)']?.server_ms, {
    state: 'bad',
    estimate: 0.58,
    estimate_pct: 78,
    estimate_ms: 40,
    lower: { value: 75.12, level: 0.9995 },
    upper: { value: null, level: 0.95 },
    upper_ms: { value: 41.26, level: 0.95 },
    p: 3.22e-7,
    p_sign_flip: 0.125,
    alpha: 0.000167,
    rule: 'bad: ...',
    pairs: [
      { pair: 1, order: 'AB', effect: 0.58, pct: 77.97, ms: 40, a_ms: 51.29, others_pct: null, n_a: 5, n_b: 5 },
      { pair: 2, order: 'BA', effect: 0.58, pct: 77.88, ms: 40, a_ms: 51.38, others_pct: -0, n_a: 5, n_b: 5 },
    ],
  });
  assert.deepEqual(json.endpoints['/course/view.php']?.db_reads, {
    state: 'bad',
    estimate: 3,
    estimate_pct: null,
    estimate_ms: null,
    lower: { value: 3, level: 0.99999 },
    upper: { value: 3, level: 0.95 },
    upper_ms: null,
    p: 0,
    p_sign_flip: 0.25,
    alpha: 0.0001,
    rule: 'a rule',
    pairs: [{ pair: 1, order: 'AB', effect: 3, pct: null, ms: null, a_ms: null, others_pct: null, n_a: 31, n_b: 30 }],
  });
  assert.equal(json.endpoints['/course/view.php']?.server_ms?.state, 'not judged');
  // JSON as printed: no NaN or Infinity turned into null behind the reader's back, none left to print.
  assert.doesNotMatch(JSON.stringify(json), /Infinity|NaN/);

  const none = pairedJson(o, { ...result, exitCode: 128, outcome: 'abort', verdict: null, pairs: [], restore: 'failed' }, []);
  assert.deepEqual([none.verdict, none.exit, none.endpoints, none.pairs, none.runs, none.restore], ['abort', 128, {}, [], [], 'failed']);
});
