// The simulator must behave like the real Moodle pages in ../shared/moodle/fixtures, since
// the generator is tested against it. Driven with Node's fetch and the same login parser.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { extractLoginToken, hasLoginError, isLoginPage } from '../../lib/login-flow';
import { startSimulator, Simulator } from '../../sim/server';

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
  assert.match(await my.text(), /id="page-my-index"[\s\S]*"sesskey":"\w+"/);
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
    fetch(sim.url + '/login/index.php', { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: 'perfuser01', password, logintoken: token }) });
  assert.match((await post('wrong')).headers.get('location') ?? '', /loginredirect=1/);
  assert.match((await post('pass01')).headers.get('location') ?? '', /loginredirect=1/);
});

test('pages: anonymous 303 to login; missing ids 404 error pages; unknown user 200 "Invalid user"; not enrolled 303 to /enrol/', async () => {
  const anon = await get('/course/view.php?id=2');
  assert.equal(anon.status, 303);
  assert.match(anon.headers.get('location') ?? '', /\/login\/index\.php$/);
  const missing = await get('/course/view.php?id=9999');
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /data-rel="fatalerror"[\s\S]*<p class="errormessage">/);
  assert.equal((await get('/mod/forum/view.php?id=99999')).status, 404);

  const { post } = await login('pass01');
  const cookie = sessionCookie(post);
  const profile = await get('/user/profile.php?id=99999', cookie);
  assert.equal(profile.status, 200);
  assert.match(await profile.text(), /Invalid user/);
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

test('per-page latency is applied', async () => {
  sim.setLatency('/', 120);
  const t0 = Date.now();
  await get('/');
  assert.ok(Date.now() - t0 >= 115);
  sim.setLatency('/', 0);
});
