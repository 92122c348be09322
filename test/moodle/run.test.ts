// A plain run on the real site: sessions from the users file, and every request the summary counts is
// one nginx served (and nothing else).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countBy, isK6, isLoad, LOGIN_PATH, pathOnly, runLoad, siteIds, usersInFile, writeSiteConfig } from './site';

const CONCURRENCY = 6;

test('sessions log in from the users file; nginx served exactly the requests the summary counts', async (t) => {
  const ids = siteIds();
  assert.ok(usersInFile() >= CONCURRENCY, 'the users file has a user for every session');
  const r = await runLoad({ config: writeSiteConfig(), rpm: 360, durationSec: 15, concurrency: CONCURRENCY });
  const s = r.summary;

  // One session per VU, each a different user of the users file (Moodle's testsession=<user id>).
  assert.equal(s.sessions.attempted, CONCURRENCY);
  assert.equal(s.sessions.logged_in, CONCURRENCY);
  assert.deepEqual(s.sessions.failed_users, []);
  const k6 = r.access.filter(isK6);
  const posts = k6.filter((e) => e.method === 'POST' && pathOnly(e.uri) === LOGIN_PATH);
  // setup()'s probe logs in once before the VUs do (its session unused; scenarios/k6/login.ts).
  assert.deepEqual(
    posts.map((e) => e.status),
    Array(CONCURRENCY + 1).fill(303),
    'one successful login POST per session, plus the probe',
  );
  const tested = k6
    .map((e) => /^\/login\/index\.php\?testsession=(\d+)$/.exec(e.uri)?.[1])
    .filter((id) => id !== undefined)
    .map(Number);
  assert.equal(new Set(tested).size, CONCURRENCY, 'each session is a different user');
  for (const id of tested) assert.ok(ids.users.includes(id), `user ${id} is one of the users file`);

  // The load: what nginx served is what the summary counts, request by request.
  const load = r.access.filter(isLoad);
  t.diagnostic(`total ${s.total}, nginx load requests ${load.length}, logins ${posts.length}`);
  assert.ok(s.total >= 60, `enough requests to mean something (${s.total})`);
  assert.equal(load.length, s.total, 'nginx served the summary total');
  assert.equal(s.attempts, s.total, 'no retries asked for, so one attempt a request');
  assert.equal(s.failures, 0);
  assert.equal(s.success, load.filter((e) => e.status === 200).length, 'every success is a 200 page in nginx');
  assert.deepEqual(
    countBy(load, (e) => e.uri),
    countBy(r.log, (l) => l.path),
    'the same URLs, as often, in nginx and the request log',
  );
  for (const [name, endpoint] of Object.entries(s.endpoints)) {
    assert.equal(endpoint.total, r.log.filter((l) => l.endpoint === name).length, `${name}: total`);
  }
  // Nothing else came from k6: the load, and three requests per login (form, POST, testsession), the probe's too.
  assert.equal(k6.length, load.length + 3 * (CONCURRENCY + 1));
});
