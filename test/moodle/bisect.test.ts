// The bisect flow of docs/comparing-and-bisecting.md (*The whole flow*), as written, against the real test
// site: the page's shell block is run with only ML, the config, GOOD/BAD and /tmp/ replaced, on git
// histories this test makes in the site's code tree, on throwaway branches:
//   db:    6 commits, the 3rd adds two $DB->get_record calls to course/view.php (+2 DB reads, nothing else);
//   time:  6 commits, the 5th adds usleep(25000) to mod/page/view.php (+25 ms, no DB change);
//   none: 7 comment-only commits, each judged by the page's step script: all must be good.
// Every judgement of code without a regression (those 7, and the good side of the two bisects: 1 and 2 with
// git's midpoints) must be good, and there must be at least 10 of them.
// `git bisect run` must name exactly the planted commit, with no skip and no wrong judgement.
// The original checkout is restored (and redeployed) at the end, also after a failure.
//
// Needs: a built site (`make moodle-site`): $MOODLE_SITE/moodle-load.json and the code tree
// $MOODLE_SITE/code (a git work tree this user may write), `php` on PATH, `make build k6` done here.
// Run:   node --import tsx --test test/moodle/bisect.test.ts     (about 12 minutes)
// Env:   MOODLE_SITE   the site's folder (default /var/tmp/moodle-load-site)
//        HEAVY_LOCK    the lock every load is run under (default /tmp/moodle-load-heavy.lock); taken per
//                      phase (baseline, each history, half of the unchanged one), each under 10 minutes.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../helpers/paths';

const SITE = process.env.MOODLE_SITE ?? '/var/tmp/moodle-load-site';
const CODE = join(SITE, 'code');
const CONFIG = join(SITE, 'moodle-load.json');
const LOCK = process.env.HEAVY_LOCK ?? '/tmp/moodle-load-heavy.lock';
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

const work = mkdtempSync(join(tmpdir(), 'moodle-load-bisect-site-'));
let original = '';
let originalRef = '';
let good = '';

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: CODE, encoding: 'utf8', env: { ...process.env, ...GIT_ID } }).trim();
}

/** The documented flow, split at its "# 1.", "# 2.", "# 3." comments, with this site's values put in. */
function documentedFlow(): { setup: string; baseline: string; step: string; bisect: string } {
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
  const block = blocks.find((b) => b.includes('git bisect run /tmp/bisect-step.sh'));
  assert.ok(block, 'docs/comparing-and-bisecting.md has the bisect flow');
  // /tmp/ first (a path of its own, not the end of /var/tmp/), then the values that may contain it.
  const text = block
    .replace(/(?<![\w.-])\/tmp\//g, `${work}/`)
    .replace(/^ML=.*$/m, `ML=${ROOT}`)
    .replace(/\$ML\/config\.json/g, CONFIG)
    .replace(/^GOOD=\S+ BAD=\S+/m, 'GOOD=${GOOD:?} BAD=${BAD:?}');
  const [setup, baseline, step, bisect] = text.split(/^# [123]\. .*$/m) as [string, string, string, string];
  assert.ok(
    setup.includes('GOOD=${GOOD:?}') && bisect?.includes('git bisect run'),
    `the documented flow has the expected shape:\n${block}`,
  );
  return { setup, baseline, step, bisect };
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

const flow = documentedFlow();
process.stderr.write(`the documented flow, as run:\n${flow.setup}# 1.${flow.baseline}# 2.${flow.step}# 3.${flow.bisect}\n`);
const report: string[] = [];
/** Judgements of code without a regression, from every history: each must be good. */
const unchangedJudgements: string[] = [];
/** At least this many judgements of unchanged code, all good: a false alarm sends a bisect to the wrong commit. */
const MIN_UNCHANGED_JUDGEMENTS = 10;

before(async () => {
  assert.ok(existsSync(CONFIG), `no test site: ${CONFIG} is missing (make moodle-site)`);
  assert.equal(git('status', '--porcelain', '--untracked-files=no'), '', 'the site code tree has no local changes');
  originalRef = git('rev-parse', '--abbrev-ref', 'HEAD');
  original = git('rev-parse', 'HEAD');
  good = original;
  // 1. The baseline on the good commit, as written.
  const r = await shell(flow.setup + flow.baseline, { GOOD: good, BAD: good }, LOCK_WAIT_MS + 10 * MINUTE_MS);
  assert.equal(r.code, 0, r.out);
  report.push(`baseline: ${Math.round(r.seconds)} s`);
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
  assert.equal(git('rev-parse', 'HEAD'), original);
  process.stderr.write(`bisect on the real site:\n  ${report.join('\n  ')}\n`);
});

async function bisect(name: string, length: number, at: number, plant: () => string): Promise<void> {
  const h = history(name, length, at, plant);
  const r = await shell(
    `${flow.setup}\n${flow.step}\n${flow.bisect.replace('git bisect reset', 'git bisect log > "$WORK/bisect.log"; git bisect reset')}`,
    { GOOD: good, BAD: h.commits.at(-1) as string, WORK: work },
    LOCK_WAIT_MS + 10 * MINUTE_MS,
  );
  const log = readFileSync(join(work, 'bisect.log'), 'utf8');
  const steps = judgements(log);
  const verdicts = [...r.out.matchAll(/^\{"verdict".*$/gm)].map(
    (m) => JSON.parse(m[0]) as { verdict: string; elapsed_sec: number; runs: unknown[] },
  );
  report.push(
    `${name}: ${Math.round(r.seconds)} s, ${steps.length} judgements (${steps.map(([, v]) => v).join(' ')}), runs per step ${verdicts.map((v) => v.runs.length).join(' ')}, step seconds ${verdicts.map((v) => v.elapsed_sec).join(' ')}`,
  );
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
}

test(
  'git bisect run names the commit that adds 2 DB reads to course view (and nothing else)',
  { timeout: LOCK_WAIT_MS + 12 * MINUTE_MS },
  async () => {
    await bisect('db', 6, 3, () =>
      plantAfter(
        'course/view.php',
        /^require_login\(\$course\);/,
        "$DB->get_record('user', ['id' => $USER->id]); $DB->get_record('user', ['id' => $USER->id]); // moodle-load bisect test: +2 DB reads",
        'course view: two more user reads',
      ),
    );
  },
);

test(
  'git bisect run names the commit that makes the page view 25 ms slower (no DB change)',
  { timeout: LOCK_WAIT_MS + 12 * MINUTE_MS },
  async () => {
    await bisect('time', 6, 5, () =>
      plantAfter(
        'mod/page/view.php',
        /^require_course_login\(\$course, true, \$cm\);/,
        'usleep(25000); // moodle-load bisect test: +25 ms',
        'page view: 25 ms slower',
      ),
    );
  },
);

test(
  'unchanged code (7 comment-only commits, and the good side of both bisects): the documented step script says good every time, at least 10 times',
  { timeout: 2 * LOCK_WAIT_MS + 20 * MINUTE_MS },
  async () => {
    const h = history('none', 7, 0, () => '');
    const codes: number[] = [];
    const seconds: number[] = [];
    // Two halves, so the heavy lock is never held for more than about 5 minutes.
    for (const half of [h.commits.slice(0, 4), h.commits.slice(4)]) {
      const script = `${flow.setup}\n${flow.step}\nfor c in ${half.join(' ')}; do git checkout -q $c; s=$(date +%s); ${work}/bisect-step.sh > "$WORK/step-$c.json"; echo "step $c exit $? $(( $(date +%s) - s )) s"; done; git checkout -q ${good}`;
      const r = await shell(script, { GOOD: good, BAD: good, WORK: work }, LOCK_WAIT_MS + 10 * MINUTE_MS);
      assert.equal(r.code, 0, r.out);
      for (const m of r.out.matchAll(/^step [0-9a-f]+ exit (\d+) (\d+) s$/gm)) {
        codes.push(Number(m[1]));
        seconds.push(Number(m[2]));
      }
    }
    report.push(`unchanged: exits ${codes.join(' ')}, step seconds ${seconds.join(' ')}`);
    assert.equal(codes.length, h.commits.length);
    assert.deepEqual(codes, Array(h.commits.length).fill(0), `every judgement of unchanged code is good: ${codes.join(' ')}`);
    for (const c of codes) unchangedJudgements.push(c === 0 ? 'good' : `exit ${c}`);
    report.push(`unchanged code, all histories: ${unchangedJudgements.length} judgements (${unchangedJudgements.join(' ')})`);
    assert.ok(
      unchangedJudgements.length >= MIN_UNCHANGED_JUDGEMENTS,
      `at least ${MIN_UNCHANGED_JUDGEMENTS} judgements of unchanged code: ${unchangedJudgements.length}`,
    );
    assert.ok(
      unchangedJudgements.every((v) => v === 'good'),
      unchangedJudgements.join(' '),
    );
  },
);
