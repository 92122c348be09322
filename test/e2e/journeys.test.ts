// The built-in journeys against the simulator with the real k6: what the summary says the run
// created is what the simulator counted, a planted form error fails the journey without writing,
// and a bad journey config stops before any request.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator, SimUser } from '../../sim/server';
import { COUNTING_MODES, runCli, tempDir, writeConfig } from '../helpers/e2e';

/** One user per VU: two VUs of one user would continue each other's quiz attempt, as in Moodle. */
const USERS: SimUser[] = Array.from({ length: 6 }, (_, i) => ({ username: `perfuser0${i + 1}`, password: `pass0${i + 1}` }));
/** Assignments enough that no VU comes back to one it submitted (a submitted one cannot be edited). */
const ASSIGNMENTS = Array.from({ length: 100 }, (_, i) => 301 + i);

const QUIZ = { journey: 'quiz_attempt', params: { quiz: 300 } };
const REPLY = { journey: 'forum_reply', params: { forum: 306 } };
const DISCUSSION = { journey: 'forum_discussion', params: { forum: 306 } };
const ASSIGN = { journey: 'assign_submission', params: { assign: ASSIGNMENTS } };

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ users: USERS, perfFooter: true });
});
after(() => sim.close());

/** A simulator with nothing written: for runs that repeat another's seed, so its draws, on the same users. */
async function newSimulator(): Promise<void> {
  await sim.close();
  sim = await startSimulator({ users: USERS, perfFooter: true });
}

function fresh(): void {
  sim.resetStats();
  sim.killSessions();
  sim.failJourneyPost(0);
}

/** A run of `moodle-load [command] --config ... args`; `make segments` takes no --progress (its instances log to stderr). */
async function run(extra: Record<string, unknown>, args: string[], timeoutMs = 30_000, command: string[] = []) {
  const dir = tempDir();
  const config = writeConfig(dir, sim, USERS, extra);
  const progress = command.length === 0 ? ['--progress', '1'] : [];
  const result = await runCli([...command, '--config', config, '--summary', join(dir, 'summary.json'), ...progress, ...args], timeoutMs)
    .done;
  return { ...result, config };
}

// The same run three ways: the VUs counting (the default), k6 counting, and two instances merged.
const MIXED_RUNS: [string, string[], string[]][] = [
  ['', [], []],
  [" (--no-stream-stats: k6's summary)", [], ['--no-stream-stats']],
  [' (segments, 2 instances merged)', ['segments'], ['--instances', '2']],
];
for (const [how, command, flags] of MIXED_RUNS)
  test(`mixed run${how}: what the summary says the journeys created is what the simulator counted`, { timeout: 90_000 }, async () => {
    await mixedRun(command, flags);
  });

async function mixedRun(command: string[], flags: string[]): Promise<void> {
  // The same seed draws the same assignments, and a submitted one cannot be edited again.
  await newSimulator();
  const { code, stdout, stderr } = await run(
    { urls: [{ path: '/my/', weight: 4 }], journeys: [QUIZ, REPLY, DISCUSSION, ASSIGN] },
    // A fixed seed fixes which iteration is which journey (the plan is a function of seed and iteration): each comes.
    [...flags, '--rpm', '120', '--duration', '8', '--concurrency', '6', '--seed', '11'],
    75_000,
    command,
  );
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  const created = sim.stats().created;
  const j = summary.journeys;
  for (const name of ['quiz_attempt', 'forum_reply', 'forum_discussion', 'assign_submission']) {
    assert.equal(j[name].failed, 0, `${name} failed: ${JSON.stringify(j[name].failure_reasons)}`);
    assert.ok(j[name].completed > 0, `${name} completed none`);
    for (const [step, s] of Object.entries<any>(j[name].steps)) {
      assert.ok(s.requests > 0, `${name}.${step} has requests`);
      assert.ok(s.latency_ms_p50 !== null && s.latency_ms_p95 !== null, `${name}.${step} has latency`);
      assert.ok(s.db_reads_median !== null, `${name}.${step} has DB reads`);
    }
  }
  // No warm-up: completed journeys are all the journeys that wrote.
  assert.equal(j.quiz_attempt.completed, created.quiz_attempts_finished);
  assert.equal(j.forum_discussion.completed, created.forum_discussions);
  assert.equal(j.forum_reply.completed, created.forum_posts - created.forum_discussions);
  assert.equal(j.assign_submission.completed, created.assign_submissions);
  assert.deepEqual(summary.journeys_created, {
    assign_submissions: created.assign_submissions,
    forum_discussions: created.forum_discussions,
    forum_posts: created.forum_posts,
    quiz_attempts: created.quiz_attempts,
    quiz_attempts_finished: created.quiz_attempts_finished,
  });
  assert.equal(created.quiz_attempts, created.quiz_attempts_finished, 'every attempt started was finished');
  assert.equal(created.assign_drafts, created.assign_submissions, 'every draft was submitted');
  const views = Object.values<any>(summary.endpoints);
  assert.equal(views.length, 1);
  assert.ok(views[0].success > 0 && views[0].failures === 0, `the page views ran beside the journeys: ${JSON.stringify(views[0])}`);
}

test('a planted form error fails the journey at its post, and nothing is written', { timeout: 40_000 }, async () => {
  fresh();
  const n = 3;
  sim.failJourneyPost(n);
  const { code, stdout, stderr } = await run({ urls: [], journeys: [REPLY] }, ['--rpm', '120', '--duration', '4', '--concurrency', '2']);
  assert.equal(code, 0, stderr);
  const reply = JSON.parse(stdout).journeys.forum_reply;
  assert.deepEqual(reply.failure_reasons, { 'post: form_error': n });
  assert.equal(reply.failed, n);
  assert.equal(reply.steps.post.failures, n);
  assert.ok(reply.started > n, `started ${reply.started}`);
  const created = sim.stats().created;
  assert.equal(created.forum_posts, reply.completed, 'the failed posts wrote nothing');
  assert.match(stderr, /journey forum_reply failed at step post: form_error: Post message cannot be empty/);
});

test('bad journey config: one line naming the field, exit 2, no request', { timeout: 40_000 }, async () => {
  fresh();
  const cases: [unknown, RegExp][] = [
    [
      { journey: 'quiz_atempt', params: { quiz: 300 } },
      /journeys\[0\]\.journey is not a known journey: "quiz_atempt" \(did you mean quiz_attempt\?\)/,
    ],
    [{ name: 'mine', steps: [{ name: 'a', path: '/my/' }, { name: 'b' }] }, /journeys\[0\]\.steps\[1\] needs a path .* or submit/],
    [
      { name: 'mine', steps: [{ name: 'a', path: '/mod/forum/discuss.php?d={discussion}' }] },
      /journeys\[0\]\.steps\[0\]\.path uses \{discussion\}/,
    ],
  ];
  for (const [journey, message] of cases) {
    const { code, stdout, stderr, config } = await run({ journeys: [journey] }, ['--rpm', '60', '--duration', '1']);
    assert.equal(code, 2, stderr);
    assert.equal(stdout, '');
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0] as string, /^moodle-load: config: /);
    assert.match(lines[0] as string, message);
    assert.ok((lines[0] as string).endsWith(`(in ${config})`), lines[0]);
  }
  assert.deepEqual(sim.stats().pages, {});
  assert.ok(Object.values(sim.stats().created).every((n) => n === 0));
});

test(
  'a journey whose first page or form does not fit the site stops the run before any load: exit 2, one line naming the step and field; nothing written',
  { timeout: 60_000 },
  async () => {
    const cases: [unknown, RegExp][] = [
      [
        {
          name: 'typo',
          steps: [
            { name: 'forum', path: '/mod/forum/view.php?id=306' },
            { name: 'post', submit: '#mformforum', fields: { 'mesage[text]': 'x' } },
          ],
        },
        /journeys\[0\] \(typo\): step post: form #mformforum on \/mod\/forum\/view\.php has no field mesage\[text\]/,
      ],
      [{ journey: 'quiz_attempt', params: { quiz: 99999 } }, /journeys\[0\] \(quiz_attempt\): step view: (http_4xx|moodle_error): /],
    ];
    for (const [journey, message] of cases) {
      fresh();
      const { code, stderr } = await run({ urls: [{ path: '/my/' }], journeys: [journey] }, [
        '--rpm',
        '600',
        '--duration',
        '3',
        '--concurrency',
        '2',
      ]);
      assert.equal(code, 2, stderr);
      const lines = stderr.split('\n').filter((l) => /a journey cannot run on this site/.test(l));
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0] as string, message);
      // setup() opened the journey's first page; the load (here the dashboard) never started.
      assert.equal(sim.stats().pages['/my/'] ?? 0, 0, JSON.stringify(sim.stats().pages));
      assert.ok(Object.values(sim.stats().created).every((n) => n === 0));
    }
  },
);

test(
  "a journey's first page failing once in setup() is tried again: the run goes on; failing twice stops it",
  { timeout: 60_000 },
  async () => {
    const args = ['--rpm', '600', '--duration', '2', '--concurrency', '2'];
    const extra = { urls: [{ path: '/my/' }], journeys: [REPLY] };
    fresh();
    // The login page never takes a planted fault: the first page that does is the journey check's.
    sim.failNext(1, 503);
    const once = await run(extra, args);
    assert.equal(once.code, 0, once.stderr);
    assert.ok(JSON.parse(once.stdout).total > 0);
    fresh();
    sim.failNext(2, 503);
    const twice = await run(extra, args);
    assert.equal(twice.code, 2, twice.stderr);
    assert.match(twice.stderr, /a journey cannot run on this site: config journeys\[0\] \(forum_reply\): step forum: http_5xx: /);
    assert.equal(sim.stats().pages['/my/'] ?? 0, 0);
  },
);

for (const [how, flags] of COUNTING_MODES)
  test(`an exam start${how}: each user's attempt is counted once, as the simulator saw it`, { timeout: 60_000 }, async () => {
    // A user with an attempt in progress continues it instead of starting one.
    await newSimulator();
    const { code, stdout, stderr } = await run({ urls: [], journeys: [QUIZ] }, [
      ...flags,
      '--exam-window',
      '3',
      '--duration',
      '12',
      '--concurrency',
      '6',
      '--rpm',
      '60',
      '--seed',
      '5',
    ]);
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    const created = sim.stats().created;
    assert.equal(summary.exam.users, 6);
    assert.equal(summary.exam.started + summary.exam.not_started, 6, JSON.stringify(summary.exam));
    assert.equal(summary.exam.started, created.quiz_attempts);
    assert.equal(summary.journeys.quiz_attempt.completed, created.quiz_attempts_finished);
    assert.ok(created.quiz_attempts_finished >= 5, JSON.stringify(created));
    assert.ok(summary.exam.start_ms_p50 > 0 && summary.exam.start_ms_p99 >= summary.exam.start_ms_p50, JSON.stringify(summary.exam));
    assert.equal(summary.dropped_iterations, 0);
  });
