// Journeys that write, on the real site (make moodle-site): what the summary says a run created
// and completed is what Moodle's database gained, exactly; a step that meets an error ends its
// journey with that step's reason and creates nothing; a restore puts the counts back.
// Run alone under the shared lock: flock /tmp/moodle-load-heavy.lock node --import tsx --test test/moodle/journeys.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { COUNTING_MODES, runCli, tempDir } from '../helpers/e2e';
import { SITE_DIR } from './site';

const DB = process.env.MOODLE_SITE_DB ?? 'moodle_load';
const CODE = join(SITE_DIR, 'code');
const JOURNEYS_CONFIG = join(SITE_DIR, 'moodle-load-journeys.json');
const dir = tempDir();
const SNAPSHOT = join(dir, 'before-journeys.dump');

interface JourneyIds {
  readonly quiz: number;
  readonly assigns: readonly number[];
  readonly forum: number;
  readonly discussions: readonly number[];
}
const ids = (JSON.parse(readFileSync(join(SITE_DIR, 'ids.json'), 'utf8')) as { journeys: JourneyIds }).journeys;

function sql(query: string): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-A', '-t', '-d', DB, '-c', query], { encoding: 'utf8' }).trim();
}

/** Moodle's own counts of what the journeys write, in the journeys' modules. */
function counts(): Record<string, number> {
  const instance = (cmid: number) => `(SELECT instance FROM mdl_course_modules WHERE id = ${cmid})`;
  const assigns = ids.assigns.map(instance).join(',');
  const row = sql(`SELECT
      (SELECT COUNT(*) FROM mdl_quiz_attempts WHERE quiz = ${instance(ids.quiz)}),
      (SELECT COUNT(*) FROM mdl_quiz_attempts WHERE quiz = ${instance(ids.quiz)} AND state = 'finished'),
      (SELECT COUNT(*) FROM mdl_forum_posts p JOIN mdl_forum_discussions d ON d.id = p.discussion WHERE d.forum = ${instance(ids.forum)}),
      (SELECT COUNT(*) FROM mdl_forum_discussions WHERE forum = ${instance(ids.forum)}),
      (SELECT COUNT(*) FROM mdl_assign_submission WHERE assignment IN (${assigns}) AND status = 'submitted' AND latest = 1)`);
  const [attempts, finished, posts, discussions, submitted] = row.split('|').map(Number);
  return { attempts, finished, posts, discussions, submitted } as Record<string, number>;
}

function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] as number) - (before[k] as number)]));
}

function configWith(extra: Record<string, unknown>): string {
  const config = JSON.parse(readFileSync(JOURNEYS_CONFIG, 'utf8')) as Record<string, unknown>;
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ ...config, users_file: join(SITE_DIR, config.users_file as string), ...extra }), { mode: 0o600 });
  return path;
}

async function run(config: string, args: readonly string[]): Promise<any> {
  const r = await runCli(['--config', config, '--summary', join(dir, 'summary.json'), ...args], 180_000).done;
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function cli(args: readonly string[]): Promise<void> {
  const r = await runCli(args, 180_000).done;
  assert.equal(r.code, 0, `moodle-load ${args.join(' ')}: ${r.stderr}`);
}

let start: Record<string, number>;
before(async () => {
  start = counts();
  await cli(['site', 'snapshot', '--out', SNAPSHOT, '--moodle-dir', CODE]);
});
after(async () => {
  await cli(['site', 'restore', SNAPSHOT]);
});

test(
  'a mixed run of the four built-in journeys: what the summary says was completed and created is what the database gained',
  { timeout: 240_000 },
  async () => {
    const before = counts();
    const summary = await run(configWith({}), ['--rpm', '60', '--duration', '40', '--concurrency', '8', '--seed', '2701']);
    const gained = delta(counts(), before);
    const j = summary.journeys;
    for (const name of ['quiz_attempt', 'forum_reply', 'forum_discussion', 'assign_submission']) {
      assert.ok(j[name].completed >= 1, `${name}: ${JSON.stringify(j[name])}`);
      assert.equal(j[name].failed, 0, `${name} failures: ${JSON.stringify(j[name].failure_reasons)}`);
      for (const [step, s] of Object.entries<any>(j[name].steps)) {
        assert.ok(s.requests >= j[name].completed, `${name}.${step} requests ${s.requests}`);
        assert.ok(s.latency_ms_p50 > 0, `${name}.${step} latency`);
        assert.ok(s.db_reads_median > 0, `${name}.${step} DB reads`);
      }
    }
    const created = summary.journeys_created;
    assert.deepEqual(gained, {
      attempts: created.quiz_attempts,
      finished: j.quiz_attempt.completed,
      posts: j.forum_reply.completed + j.forum_discussion.completed,
      discussions: j.forum_discussion.completed,
      submitted: j.assign_submission.completed,
    });
    assert.equal(created.quiz_attempts_finished, j.quiz_attempt.completed);
    assert.equal(created.forum_posts, gained.posts);
    assert.equal(created.forum_discussions, gained.discussions);
    assert.equal(created.assign_submissions, gained.submitted);
    // The post steps wrote to the database, as Moodle's footer says.
    assert.ok(j.forum_reply.steps.post.db_writes_median > 0);
  },
);

test(
  "a step that meets Moodle's error ends its journey with that step's reason and Moodle's words; nothing is counted as created",
  { timeout: 120_000 },
  async () => {
    const before = counts();
    const d = ids.discussions[0] as number;
    const config = configWith({
      urls: [],
      journeys: [
        {
          name: 'empty_reply',
          steps: [
            { name: 'discussion', path: `/mod/forum/discuss.php?d=${d}`, take: { reply: { match: 'post\\.php\\?reply=(\\d+)' } } },
            { name: 'form', path: '/mod/forum/post.php?reply={reply}' },
            { name: 'post', submit: '#mformforum', fields: { 'message[text]': '' }, button: 'submitbutton', creates: ['forum_posts'] },
          ],
        },
        {
          name: 'missing_quiz',
          steps: [
            { name: 'quiz', path: `/mod/quiz/view.php?id=${ids.quiz}` },
            { name: 'view', path: '/mod/quiz/view.php?id=987654' },
          ],
        },
      ],
    });
    const errors = join(dir, 'errors.jsonl');
    const summary = await run(config, ['--rpm', '60', '--duration', '10', '--concurrency', '2', '--seed', '7', '--errors', errors]);
    const j = summary.journeys;
    assert.ok(j.empty_reply.failed >= 1 && j.missing_quiz.failed >= 1, JSON.stringify(j));
    assert.equal(j.empty_reply.completed, 0);
    assert.equal(j.missing_quiz.completed, 0);
    assert.deepEqual(j.empty_reply.failure_reasons, { 'post: form_error': j.empty_reply.failed });
    assert.deepEqual(Object.keys(j.missing_quiz.failure_reasons).length, 1);
    assert.match(Object.keys(j.missing_quiz.failure_reasons)[0] as string, /^view: (moodle_error|http_4xx)$/);
    assert.deepEqual(summary.journeys_created, { forum_posts: 0 });
    assert.deepEqual(delta(counts(), before), { attempts: 0, finished: 0, posts: 0, discussions: 0, submitted: 0 });
    const records = readFileSync(errors, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(
      records.some((r) => r.endpoint === 'empty_reply.post' && /Post message cannot be empty/.test(r.error)),
      JSON.stringify(records.slice(0, 3)),
    );
    assert.ok(records.some((r) => r.endpoint === 'missing_quiz.view' && r.error.length > 0));
  },
);

test(
  'a journey whose first page is not on the site stops the run before any load, in one line naming it (exit 2); nothing is written',
  { timeout: 120_000 },
  async () => {
    const before = counts();
    const config = configWith({ journeys: [{ journey: 'quiz_attempt', params: { quiz: 987654 } }] });
    const r = await runCli(
      ['--config', config, '--summary', join(dir, 'summary.json'), '--rpm', '60', '--duration', '10', '--concurrency', '2'],
      120_000,
    ).done;
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => /a journey cannot run on this site/.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, /config journeys\[0\] \(quiz_attempt\): step view: (http_4xx|moodle_error): \S/);
    assert.equal(JSON.parse(r.stdout).total, 0);
    assert.deepEqual(delta(counts(), before), { attempts: 0, finished: 0, posts: 0, discussions: 0, submitted: 0 });
  },
);

test(
  'journeys split over 2 instances (make segments): the merged summary says what the database gained',
  { timeout: 240_000 },
  async () => {
    const before = counts();
    const path = join(dir, 'segments.json');
    const r = await runCli(
      [
        'segments',
        '--instances',
        '2',
        '--config',
        configWith({}),
        '--summary',
        path,
        '--rpm',
        '60',
        '--duration',
        '30',
        '--concurrency',
        '8',
        '--seed',
        '2702',
      ],
      200_000,
    ).done;
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    const gained = delta(counts(), before);
    assert.equal(summary.merged.instances, 2);
    const j = summary.journeys;
    const completed = (name: string) => j[name].completed as number;
    assert.ok(
      Object.keys(j).reduce((n, name) => n + completed(name), 0) >= 2,
      `journeys completed: ${JSON.stringify(Object.fromEntries(Object.entries<any>(j).map(([k, v]) => [k, [v.completed, v.failure_reasons]])))}`,
    );
    const created = summary.journeys_created;
    assert.deepEqual(gained, {
      attempts: created.quiz_attempts,
      finished: completed('quiz_attempt'),
      posts: completed('forum_reply') + completed('forum_discussion'),
      discussions: completed('forum_discussion'),
      submitted: completed('assign_submission'),
    });
    assert.deepEqual(
      [created.quiz_attempts_finished, created.forum_posts, created.forum_discussions, created.assign_submissions],
      [gained.finished, gained.posts, gained.discussions, gained.submitted],
    );
    // Each instance's summary counted its own share; the merged one is their sum.
    const parts = [1, 2].map((i) => JSON.parse(readFileSync(join(dir, `segments-instance-${i}.json`), 'utf8')));
    for (const name of Object.keys(j))
      assert.equal(parts[0].journeys[name].started + parts[1].journeys[name].started, j[name].started, name);
  },
);

// The VUs counting (the default), then k6 counting (--no-stream-stats): each user starts a new attempt the second time (the
// quiz allows any number).
for (const [how, flags] of COUNTING_MODES)
  test(
    `an exam start of 100 users${how}: every attempt is reported, and each one the summary says started and finished is in the database`,
    { timeout: 300_000 },
    async () => {
      const before = counts();
      const config = configWith({ urls: [], journeys: [{ journey: 'quiz_attempt', params: { quiz: ids.quiz } }] });
      const summary = await run(config, [
        ...flags,
        '--exam-window',
        '20',
        '--duration',
        '150',
        '--concurrency',
        '100',
        '--rpm',
        '60',
        '--seed',
        '100',
      ]);
      const gained = delta(counts(), before);
      const exam = summary.exam;
      assert.equal(exam.users, 100);
      assert.equal(exam.started + exam.not_started, 100, JSON.stringify(exam));
      assert.ok(exam.late <= exam.started);
      assert.ok(
        exam.start_ms_p50 > 0 && exam.start_ms_p50 <= exam.start_ms_p95 && exam.start_ms_p95 <= exam.start_ms_p99,
        JSON.stringify(exam),
      );
      const quiz = summary.journeys.quiz_attempt;
      assert.equal(quiz.started, 100);
      assert.equal(gained.finished, quiz.completed, JSON.stringify({ gained, quiz: quiz.failure_reasons }));
      assert.equal(gained.attempts, summary.journeys_created.quiz_attempts);
      assert.equal(summary.journeys_created.quiz_attempts, exam.started);
      console.log(`exam start of 100 users in 20 s${how}: ${JSON.stringify(exam)}; completed ${quiz.completed}`);
    },
  );

test('a restore afterwards puts every count back as before the runs', { timeout: 240_000 }, async () => {
  assert.notDeepEqual(counts(), start, 'the runs above wrote nothing');
  await cli(['site', 'restore', SNAPSHOT]);
  assert.deepEqual(counts(), start);
});
