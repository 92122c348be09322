// The bisect flow of docs/comparing-and-bisecting.md (*The whole flow*), as written, against the real test
// site: the page's shell block is run with only ML, the config and GOOD/BAD replaced, on git histories
// this test makes in the site's code tree, on throwaway branches. Each history has HISTORY_LENGTH commits
// from the good one, comment-only but for one planted at a position drawn per run (printed), of a kind:
//   shared: usleep at the top of require_login(): every page +MOODLE_BISECT_SHARED_MS ms (60), no DB change;
//   db:     two more $DB->get_record calls in course/view.php (+2 DB reads on one endpoint);
//   time:   usleep(25000) in mod/page/view.php (+25 ms on one endpoint);
//   write:  one more $DB->set_field on the user's own row in course/view.php (+1 DB write on one endpoint).
// `git bisect run` must name exactly the planted commit, with every judgement right and no skip; each
// judgement of a commit before the plant is a judgement of unchanged code, and must be good.
// CI runs `shared` and `db`; MOODLE_BISECT_KINDS=time,write (any of the four, comma-separated) runs others.
// MOODLE_BISECT_UNCHANGED=N then judges N comment-only commits more with the documented step, each of which
// must be good: for measuring the false-alarm side at length, not for CI's budget.
// The original checkout is restored (and redeployed) at the end, also after a failure.
//
// Needs: a built site (`make moodle-site`): $MOODLE_SITE/moodle-load.json and the code tree
// $MOODLE_SITE/code (a git work tree this user may write), `php` on PATH, `make build k6` done here.
// Run:   node --import tsx --test test/moodle/bisect.test.ts     (about 20 minutes)
//        MOODLE_BISECT_KINDS=time,write MOODLE_BISECT_UNCHANGED=12 node --import tsx --test test/moodle/bisect.test.ts
// Env:   MOODLE_SITE   the site's folder (default /var/tmp/moodle-load-site)
//        HEAVY_LOCK    the lock every load is run under (default /tmp/moodle-load-heavy.lock); taken per
//                      history and per unchanged judgement.
//        BISECT_SEED   the draw of the planted positions (default: the time), printed so a run can be repeated.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../helpers/paths';
import { warmSite } from './site';

const SITE = process.env.MOODLE_SITE ?? '/var/tmp/moodle-load-site';
const CODE = join(SITE, 'code');
const CONFIG = join(SITE, 'moodle-load.json');
const LOCK = process.env.HEAVY_LOCK ?? '/tmp/moodle-load-heavy.lock';
const KINDS_RUN = (process.env.MOODLE_BISECT_KINDS ?? 'shared,db')
  .split(',')
  .map((k) => k.trim())
  .filter((k) => k !== '');
const EXTRA_UNCHANGED = Number(process.env.MOODLE_BISECT_UNCHANGED ?? 0);
/**
 * The every-page slowdown planted. 15 ms (+10-17 %) is at the limit of 8 pairs on the 2-core test site (found 1 of 3
 * times), and 30 ms was once inconclusive after 8 pairs on a noisy CI machine (docs/test-site.md): CI plants 60.
 */
const SHARED_MS = Number(process.env.MOODLE_BISECT_SHARED_MS ?? 60);
const BRANCH = `moodle-load-bisect-test-${process.pid}`;
const GIT_ID = {
  GIT_AUTHOR_NAME: 'moodle-load test',
  GIT_AUTHOR_EMAIL: 'test@127.0.0.1',
  GIT_COMMITTER_NAME: 'moodle-load test',
  GIT_COMMITTER_EMAIL: 'test@127.0.0.1',
};
const MINUTE_MS = 60_000;
/** Other heavy work may hold the lock first (none does in CI): the timeouts allow for that wait. */
const LOCK_WAIT_MS = 40 * MINUTE_MS;
/** Commits after the good one: git bisect judges 2 or 3 of them. */
const HISTORY_LENGTH = 4;

const work = mkdtempSync(join(tmpdir(), 'moodle-load-bisect-site-'));
let original = '';
let originalRef = '';
let good = '';
let draw = Number(process.env.BISECT_SEED ?? Date.now() % 1_000_000);
/**
 * The plant's position in a history, 2..HISTORY_LENGTH - 1: at least one judgement of unchanged code
 * before it, and never the last commit, which `git bisect start` is told is bad (it would not be judged).
 */
function plantPosition(): number {
  draw = (draw * 1103515245 + 12345) % 2147483648;
  return 2 + (draw % (HISTORY_LENGTH - 2));
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: CODE, encoding: 'utf8', env: { ...process.env, ...GIT_ID } }).trim();
}

/** The documented flow's shell block, with this site's values put in; split into its setup and its bisect. */
function documentedFlow(): { setup: string; bisect: string } {
  const page = readFileSync(join(ROOT, 'docs', 'comparing-and-bisecting.md'), 'utf8');
  // Fenced blocks, by their fences (a closing fence is not the next block's opening).
  const blocks: string[] = [];
  let open: string[] | null = null;
  for (const line of page.split('\n')) {
    if (line.startsWith('```')) {
      if (open) blocks.push(open.join('\n') + '\n');
      open = open ? null : [];
    } else open?.push(line);
  }
  const block = blocks.find((b) => b.includes('git bisect start') && b.includes('git bisect run node'));
  assert.ok(block, 'docs/comparing-and-bisecting.md has the bisect flow');
  const text = block
    .replace(/^ML=.*$/m, `ML=${ROOT}`)
    .replace(/\$ML\/config\.json/g, CONFIG)
    .replace(/^GOOD=\S+ BAD=\S+/m, 'GOOD=${GOOD:?} BAD=${BAD:?}');
  const at = text.indexOf('git bisect start');
  assert.ok(
    at > 0 && text.includes('GOOD=${GOOD:?}') && text.includes('--deploy'),
    `the documented flow has the expected shape:\n${block}`,
  );
  return { setup: text.slice(0, at), bisect: text.slice(at) };
}

interface Shell {
  code: number | null;
  out: string;
  seconds: number;
}

/** Runs a shell script in the code tree under the heavy lock; output kept for the report. */
function shell(script: string, env: Record<string, string>, timeoutMs: number): Promise<Shell> {
  const t0 = Date.now();
  return new Promise((done) => {
    const child = spawn('flock', [LOCK, 'bash', '-c', script], {
      cwd: CODE,
      env: { ...process.env, ...GIT_ID, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

/** A PHP line inserted after the opening tag of a file, committed. */
function commit(file: string, line: string, message: string): string {
  const path = join(CODE, file);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.startsWith('<?php\n'), `${file} starts with <?php`);
  writeFileSync(path, text.replace('<?php\n', `<?php\n${line}\n`));
  git('commit', '-q', '-am', message);
  return git('rev-parse', 'HEAD');
}

/** A line inserted after the first line matching `anchor`, committed. */
function plantAfter(file: string, anchor: RegExp, line: string, message: string): string {
  const path = join(CODE, file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.findIndex((l) => anchor.test(l));
  assert.ok(at >= 0, `${file} has ${anchor}`);
  lines.splice(at + 1, 0, line);
  writeFileSync(path, lines.join('\n'));
  git('commit', '-q', '-am', message);
  return git('rev-parse', 'HEAD');
}

const COMMENT_FILES = ['course/view.php', 'mod/page/view.php', 'mod/forum/view.php', 'my/index.php', 'user/profile.php', 'lib/weblib.php'];
const comment = (i: number) =>
  commit(
    COMMENT_FILES[i % COMMENT_FILES.length] as string,
    `// moodle-load bisect test: comment ${i}, no code change.`,
    `comment only ${i}`,
  );

/** The regressions a history can plant, each a commit that changes nothing else. */
const PLANTS: Record<string, () => string> = {
  shared: () =>
    plantAfter(
      'lib/moodlelib.php',
      /^function require_login\(\$courseorid = null/,
      `    usleep(${SHARED_MS * 1000}); // moodle-load bisect test: +${SHARED_MS} ms on every page`,
      `require_login: ${SHARED_MS} ms slower (every page)`,
    ),
  db: () =>
    plantAfter(
      'course/view.php',
      /^require_login\(\$course\);/,
      "$DB->get_record('user', ['id' => $USER->id]); $DB->get_record('user', ['id' => $USER->id]); // moodle-load bisect test: +2 DB reads",
      'course view: two more user reads',
    ),
  time: () =>
    plantAfter(
      'mod/page/view.php',
      /^require_course_login\(\$course, true, \$cm\);/,
      'usleep(25000); // moodle-load bisect test: +25 ms',
      'page view: 25 ms slower',
    ),
  write: () =>
    plantAfter(
      'course/view.php',
      /^require_login\(\$course\);/,
      "$DB->set_field('user', 'lastip', getremoteaddr(), ['id' => $USER->id]); // moodle-load bisect test: +1 DB write",
      'course view: one more user update',
    ),
};

/** A history of `length` commits from the good commit on a throwaway branch; `plant` makes commit number `at`. */
function history(name: string, length: number, at: number, plant: () => string): { commits: string[]; planted: string } {
  git('checkout', '-q', '-B', `${BRANCH}-${name}`, good);
  const commits: string[] = [];
  let planted = '';
  for (let i = 1; i <= length; i++) {
    const sha = i === at ? plant() : comment(i);
    if (i === at) planted = sha;
    commits.push(sha);
  }
  git('checkout', '-q', good);
  return { commits, planted };
}

/** git bisect's log: each judgement as [sha, good|bad|skip]. */
function judgements(log: string): [string, string][] {
  return [...log.matchAll(/^git bisect (good|bad|skip) ([0-9a-f]{40})$/gm)].map((m) => [m[2] as string, m[1] as string]);
}

interface StepJson {
  verdict: string;
  elapsed_sec: number;
  pairs: unknown[];
  b: { rev: string };
}
const stepsOf = (out: string) => [...out.matchAll(/^\{"verdict".*$/gm)].map((m) => JSON.parse(m[0]) as StepJson);

const flow = documentedFlow();
process.stderr.write(`the documented flow, as run:\n${flow.setup}${flow.bisect}\n`);
const report: string[] = [`plant positions drawn with BISECT_SEED=${draw}`];
/** Judgements of code without a regression, from every history: each must be good. */
const unchangedJudgements: string[] = [];

before(() => {
  assert.ok(existsSync(CONFIG), `no test site: ${CONFIG} is missing (make moodle-site)`);
  assert.equal(git('status', '--porcelain', '--untracked-files=no'), '', 'the site code tree has no local changes');
  originalRef = git('rev-parse', '--abbrev-ref', 'HEAD');
  original = git('rev-parse', 'HEAD');
  good = original;
});

after(async () => {
  // Back to the original checkout and its deployment, whatever happened.
  if (original === '') return;
  try {
    git('bisect', 'reset');
  } catch {
    // not bisecting
  }
  git('checkout', '-q', '-f', originalRef === 'HEAD' ? original : originalRef);
  for (const name of git('branch', '--list', `${BRANCH}-*`)
    .split('\n')
    .map((b) => b.replace(/^[*+ ]+/, '').trim())
    .filter(Boolean))
    git('branch', '-q', '-D', name);
  await shell('php admin/cli/upgrade.php --non-interactive >/dev/null && php admin/cli/purge_caches.php', {}, LOCK_WAIT_MS + 5 * MINUTE_MS);
  // Purged caches make the next test's first requests take seconds: leave the site warm, as it was found.
  await warmSite();
  assert.equal(git('rev-parse', 'HEAD'), original);
  process.stderr.write(`bisect on the real site:\n  ${report.join('\n  ')}\n`);
});

async function bisect(kind: string): Promise<void> {
  assert.ok(PLANTS[kind], `MOODLE_BISECT_KINDS: no kind ${kind} (${Object.keys(PLANTS).join(', ')})`);
  const at = plantPosition();
  const h = history(kind, HISTORY_LENGTH, at, PLANTS[kind]);
  const r = await shell(
    `${flow.setup}\n${flow.bisect.replace('git bisect reset', 'git bisect log > "$WORK/bisect.log"; git bisect reset')}`,
    { GOOD: good, BAD: h.commits.at(-1) as string, WORK: work },
    LOCK_WAIT_MS + 40 * MINUTE_MS,
  );
  const log = existsSync(join(work, 'bisect.log')) ? readFileSync(join(work, 'bisect.log'), 'utf8') : '';
  const steps = judgements(log);
  const verdicts = stepsOf(r.out);
  report.push(
    `${kind} (commit ${at} of ${HISTORY_LENGTH}): ${Math.round(r.seconds)} s, ${steps.length} judgements (${steps.map(([, v]) => v).join(' ')}), pairs per step ${verdicts.map((v) => v.pairs.length).join(' ')}, step seconds ${verdicts.map((v) => v.elapsed_sec).join(' ')}`,
  );
  process.stderr.write(`${report.at(-1)}\n${verdicts.map((v) => JSON.stringify(v)).join('\n')}\n`);
  assert.equal(r.code, 0, r.out);
  assert.match(
    r.out,
    new RegExp(`^${h.planted} is the first bad commit`, 'm'),
    `git bisect names the planted commit ${h.planted}:\n${log}\n${r.out}`,
  );
  // Every judgement right: good before the plant, bad from it on, never a skip.
  const plantedAt = h.commits.indexOf(h.planted);
  for (const [sha, v] of steps) {
    const i = h.commits.indexOf(sha);
    if (i < 0) continue; // the start points given to `git bisect start`
    if (i < plantedAt) unchangedJudgements.push(v);
    assert.equal(v, i < plantedAt ? 'good' : 'bad', `${sha} (commit ${i + 1}) judged ${v}:\n${r.out}`);
  }
  // Each step judged the commit git checked out; the planted one was among them, and found bad.
  for (const v of verdicts) assert.ok(h.commits.includes(v.b.rev), `a step judged ${v.b.rev}, a commit of the history`);
  assert.deepEqual(
    verdicts.filter((v) => v.b.rev === h.planted).map((v) => v.verdict),
    ['bad'],
    'the planted commit was judged, bad',
  );
}

const KINDS: Record<string, string> = {
  shared: `+${SHARED_MS} ms on every page (require_login), no DB change`,
  db: '+2 DB reads on course view, nothing else',
  time: '+25 ms on page view, no DB change',
  write: '+1 DB write on course view, nothing else',
};

for (const kind of KINDS_RUN)
  test(`git bisect run names the commit that adds ${KINDS[kind]}`, { timeout: LOCK_WAIT_MS + 45 * MINUTE_MS }, async () => {
    await bisect(kind);
  });

test('unchanged code: every judgement of a commit before the plant is good', { timeout: 4 * LOCK_WAIT_MS }, async () => {
  if (EXTRA_UNCHANGED > 0) {
    // Comment-only commits judged one by one with the documented step.
    const h = history('none', EXTRA_UNCHANGED, 0, () => '');
    for (const c of h.commits) {
      const step = flow.bisect.match(/^git bisect run (.*)$/m)?.[1] as string;
      const r = await shell(
        `${flow.setup}\ngit checkout -q ${c}\n${step}; code=$?; git checkout -q ${good}; exit $code`,
        { GOOD: good, BAD: good },
        LOCK_WAIT_MS + 15 * MINUTE_MS,
      );
      const v = stepsOf(r.out)[0];
      report.push(`unchanged ${c.slice(0, 8)}: exit ${r.code}, ${v?.pairs.length ?? '?'} pairs, ${v?.elapsed_sec ?? '?'} s`);
      process.stderr.write(`${report.at(-1)}\n${JSON.stringify(v)}\n`);
      unchangedJudgements.push(r.code === 0 ? 'good' : `exit ${r.code}`);
    }
  }
  report.push(`unchanged code, all histories: ${unchangedJudgements.length} judgements (${unchangedJudgements.join(' ')})`);
  // Each history's plant comes after at least one commit that git bisect must judge good.
  assert.ok(
    unchangedJudgements.length >= KINDS_RUN.length + EXTRA_UNCHANGED,
    `judgements of unchanged code: ${unchangedJudgements.length}`,
  );
  assert.ok(
    unchangedJudgements.every((v) => v === 'good'),
    unchangedJudgements.join(' '),
  );
});
