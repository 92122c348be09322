// The simulator must behave like the real Moodle pages in fixtures/moodle-4.5.6 and like a real
// site's noise, since the generator is tested against it. Driven with Node's fetch and the same
// login parser. (The pages themselves are held to the captures in test/unit/sim-pages.test.ts.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { median } from '../../analysis/stats';
import { extractLoginToken, hasLoginError, isLoginPage } from '../../lib/login-flow';
import { parsePerfFooter, PerfInfo } from '../../lib/perf-footer';
import { PAGE_FIGURES } from '../../sim/figures';
import { SimOptions, startSimulator, Simulator } from '../../sim/server';

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ notEnrolledCourses: [7] });
});
after(() => sim.close());

async function get(path: string, cookie = ''): Promise<Response> {
  return fetch(sim.url + path, { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

function sessionCookie(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('MoodleSession='));
  return set ? (set.split(';')[0] as string) : '';
}

async function login(password: string): Promise<{ post: Response; cookie: string; page: Response }> {
  const page = await get('/login/index.php');
  const cookie = sessionCookie(page);
  const token = extractLoginToken(await page.clone().text()) ?? '';
  const post = await fetch(sim.url + '/login/index.php', {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'perfuser01', password, logintoken: token, anchor: '' }),
  });
  return { post, cookie, page };
}

test('login page: 200, new MoodleSession, a 32-character token in both forms', async () => {
  const res = await get('/login/index.php');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('set-cookie') ?? '', /^MoodleSession=\w+; path=\/; HttpOnly/);
  const html = await res.text();
  assert.ok(isLoginPage(html));
  assert.equal(extractLoginToken(html)?.length, 32);
  assert.equal(html.match(/name="logintoken"/g)?.length, 2);
});

test('a good login: 303 to ?testsession=N with a regenerated session id, then 303 to /my/', async () => {
  const { post, cookie } = await login('pass01');
  assert.equal(post.status, 303);
  assert.match(post.headers.get('location') ?? '', /\/login\/index\.php\?testsession=\d+$/);
  assert.equal(post.headers.get('x-redirect-by'), 'Moodle');
  const fresh = sessionCookie(post);
  assert.ok(fresh && fresh !== cookie, 'session id regenerated at login');
  assert.match(post.headers.getSetCookie().join(';'), /MOODLEID1_=/);
  const old = await get('/my/', cookie);
  assert.equal(old.status, 303, 'the pre-login session id is dead');
  const testsession = new URL(post.headers.get('location') as string);
  const test = await get(testsession.pathname + testsession.search, fresh);
  assert.equal(test.status, 303);
  assert.match(test.headers.get('location') ?? '', /\/my\/$/);
  const my = await get('/my/', fresh);
  assert.equal(my.status, 200);
  const html = await my.text();
  assert.ok(html.includes('<body  id="page-my-index"'), 'dashboard body id');
  assert.ok(/M\.cfg = \{"wwwroot":[^\n]*"sesskey":"\w{10}"/.test(html), 'M.cfg carries a 10-character sesskey');
});

test('a wrong password: 303 to ?loginredirect=1, no new session, the page shows "Invalid login"', async () => {
  const { post, cookie } = await login('wrong');
  assert.equal(post.status, 303);
  assert.match(post.headers.get('location') ?? '', /\?loginredirect=1$/);
  assert.equal(sessionCookie(post), '');
  const page = await get('/login/index.php?loginredirect=1', cookie);
  assert.ok(hasLoginError(await page.text()));
});

test('the token is single-use: replaying it fails even with the right password', async () => {
  const page = await get('/login/index.php');
  const cookie = sessionCookie(page);
  const token = extractLoginToken(await page.text()) ?? '';
  const post = (password: string) =>
    fetch(sim.url + '/login/index.php', {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'perfuser01', password, logintoken: token }),
    });
  assert.match((await post('wrong')).headers.get('location') ?? '', /loginredirect=1/);
  assert.match((await post('pass01')).headers.get('location') ?? '', /loginredirect=1/);
});

test('pages: anonymous 303 to login; missing ids 404 error pages; unknown user 200 "Invalid user"; not enrolled 303 to /enrol/', async () => {
  const anon = await get('/course/view.php?id=2');
  assert.equal(anon.status, 303);
  assert.match(anon.headers.get('location') ?? '', /\/login\/index\.php$/);
  const missing = await get('/course/view.php?id=9999');
  assert.equal(missing.status, 404);
  assert.ok(
    (await missing.text()).includes(
      '<div data-rel="fatalerror" class="box py-3 errorbox alert alert-danger"><p class="errormessage">Can&#039;t find data record in database table course.</p>',
    ),
  );
  assert.equal((await get('/mod/forum/view.php?id=99999')).status, 404);

  const { post } = await login('pass01');
  const cookie = sessionCookie(post);
  const profile = await get('/user/profile.php?id=99999', cookie);
  assert.equal(profile.status, 200);
  assert.match(await profile.text(), /<div class="alert alert-danger alert-block[^>]*>\s*Invalid user/);
  const enrol = await get('/course/view.php?id=7', cookie);
  assert.equal(enrol.status, 303);
  assert.match(enrol.headers.get('location') ?? '', /\/enrol\/index\.php\?id=7$/);
  assert.equal((await get('/course/view.php?id=2', cookie)).status, 200);
});

test('killing sessions sends logged-in users back to the login page; counters count per page', async () => {
  sim.resetStats();
  const { post } = await login('pass01');
  const cookie = sessionCookie(post);
  assert.equal((await get('/my/', cookie)).status, 200);
  await fetch(sim.url + '/__sim/kill-sessions', { method: 'POST' });
  assert.equal((await get('/my/', cookie)).status, 303);
  const stats = (await (await fetch(sim.url + '/__sim/stats')).json()) as { pages: Record<string, number> };
  assert.deepEqual(stats.pages, { '/login/index.php': 2, '/my/': 2 });
});

test('a fixed per-page delay is applied (a lower bound only: timers never fire early by Date.now)', async () => {
  sim.setLatency('/', 120);
  const t0 = Date.now();
  await get('/');
  assert.ok(Date.now() - t0 >= 115);
  sim.setLatency('/', 0);
});

/** Logs perfuser01 in on `target` and returns the session cookie. */
async function loginOn(target: Simulator): Promise<string> {
  const page = await fetch(target.url + '/login/index.php', { redirect: 'manual' });
  const cookie = sessionCookie(page);
  const token = extractLoginToken(await page.text()) ?? '';
  const post = await fetch(target.url + '/login/index.php', {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'perfuser01', password: 'pass01', logintoken: token, anchor: '' }),
  });
  return sessionCookie(post);
}

/** The footers of `count` requests, one after another in one session, on a fresh simulator. */
async function footers(options: SimOptions, path: string, count: number): Promise<PerfInfo[]> {
  const target = await startSimulator({ perfFooter: true, ...options });
  try {
    const cookie = await loginOn(target);
    const out: PerfInfo[] = [];
    for (let i = 0; i < count; i++) {
      const res = await fetch(target.url + path, { headers: { cookie } });
      assert.equal(res.status, 200);
      out.push(parsePerfFooter(await res.text()) as PerfInfo);
    }
    return out;
  } finally {
    await target.close();
  }
}

test(
  'real-site noise: single requests vary, the per-page median is the measured one, and a seed repeats a run exactly',
  { timeout: 60_000 },
  async () => {
    const N = 150;
    for (const [path, page] of [
      ['/course/view.php?id=3', 'course'],
      ['/mod/forum/view.php?id=12', 'forum'],
    ] as const) {
      const a = await footers({ seed: 7 }, path, N);
      const b = await footers({ seed: 7 }, path, N);
      const reads = a.map((f) => f.dbReads);
      assert.deepEqual(
        b.map((f) => f.dbReads),
        reads,
        `${page}: same seed, same reads request by request`,
      );
      assert.equal(median(reads), PAGE_FIGURES[page].reads, `${page}: median reads`);
      assert.ok(new Set(reads).size >= 4, `${page}: single requests vary (${[...new Set(reads)].sort()})`);
      assert.ok(
        reads.every((r) => r >= PAGE_FIGURES[page].reads - 3 && r <= PAGE_FIGURES[page].reads + 11),
        `${page}: within -3..+11`,
      );
      const writes = a.map((f) => f.dbWrites);
      assert.ok(
        writes.every((w) => w >= 0 && w <= 3),
        `${page}: writes 0..3`,
      );
      assert.equal(median(writes), PAGE_FIGURES[page].writes, `${page}: median writes`);
      assert.ok((writes[0] as number) > PAGE_FIGURES[page].writes, `${page}: the first request after login updates lastaccess`);
      // Server time: drawn per request (log-normal around 1 ms by default), so it varies too.
      assert.ok(new Set(a.map((f) => f.timeMs.toFixed(1))).size > 5, `${page}: server time varies`);
    }
    const other = (await footers({ seed: 8 }, '/course/view.php?id=3', N)).map((f) => f.dbReads);
    assert.notDeepEqual(
      other,
      (await footers({ seed: 7 }, '/course/view.php?id=3', N)).map((f) => f.dbReads),
      'another seed, other draws',
    );
    assert.equal(median(other), PAGE_FIGURES.course.reads, 'and the same median');
  },
);

test(
  '--exact: every request does the median; a planted regression adds its reads and time to that page only',
  { timeout: 30_000 },
  async () => {
    const exact = await footers({ exact: true }, '/course/view.php?id=3', 5);
    assert.deepEqual(
      exact.map((f) => [f.dbReads, f.dbWrites]),
      Array(5).fill([PAGE_FIGURES.course.reads, PAGE_FIGURES.course.writes]),
    );
    const slow = await footers({ exact: true, regressions: { course: { reads: 2, ms: 40 } } }, '/course/view.php?id=3', 5);
    assert.deepEqual(
      slow.map((f) => f.dbReads),
      Array(5).fill(PAGE_FIGURES.course.reads + 2),
    );
    assert.ok(
      slow.every((f) => f.timeMs >= 40),
      'the extra time is in the server time',
    );
    const forum = await footers({ exact: true, regressions: { course: { reads: 2, ms: 40 } } }, '/mod/forum/view.php?id=12', 3);
    assert.deepEqual(
      forum.map((f) => f.dbReads),
      Array(3).fill(PAGE_FIGURES.forum.reads),
      'other pages unchanged',
    );
    assert.ok(forum.every((f) => f.timeMs < 40));
  },
);

test("Moodle's session lock: concurrent requests in one session queue; other sessions do not wait", { timeout: 30_000 }, async () => {
  const DELAY_MS = 60;
  const target = await startSimulator({ perfFooter: true, exact: true, latencyMs: { '/my/': DELAY_MS } });
  try {
    const [one, two] = [await loginOn(target), await loginOn(target)];
    target.resetStats();
    const t0 = performance.now();
    const pagesOfOne = await Promise.all(
      Array.from({ length: 4 }, () => fetch(target.url + '/my/', { headers: { cookie: one } }).then((r) => r.text())),
    );
    const serial = performance.now() - t0;
    // Four requests of DELAY_MS each, one after the other (a lower bound: timers never fire early).
    assert.ok(serial >= 4 * DELAY_MS, `one session: ${serial.toFixed(0)} ms for 4 requests`);
    const waits = pagesOfOne.map((html) => parsePerfFooter(html)?.sessionWaitMs as number).sort((a, b) => a - b);
    assert.equal(waits[0], 0, 'the first request does not wait');
    assert.ok((waits[3] as number) >= 2 * DELAY_MS, `the last one waited for the others (${waits})`);
    assert.equal(target.stats().sessionLockWaits, 3);
    assert.equal(target.stats().maxConcurrentPerSession, 4);

    target.resetStats();
    await Promise.all([one, two].map((cookie) => fetch(target.url + '/my/', { headers: { cookie } }).then((r) => r.text())));
    assert.equal(target.stats().sessionLockWaits, 0, 'two sessions run side by side');
  } finally {
    await target.close();
  }
});
