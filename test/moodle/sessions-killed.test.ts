// The site's sessions deleted in the middle of a run: each VU's next request is a `session_lost` failure,
// the VU logs in again, and no login page is ever counted as a success (checked against nginx's log).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  countSessionFiles,
  deleteSessions,
  isK6,
  isLoad,
  LOGIN_PATH,
  pathOnly,
  runLoad,
  writeSiteConfig,
  type RequestLogLine,
} from './site';

const CONCURRENCY = 4;
const DURATION = 20;
/** Deleted when the progress line says this many seconds of load have run. */
const KILL_AT_SEC = 8;

test('sessions deleted mid-run: session_lost until the VU logs in again, never a login page as success', async (t) => {
  let killedFrom = 0;
  let killedTo = 0;
  let deleted = 0;
  const r = await runLoad({
    config: writeSiteConfig(),
    rpm: 240,
    durationSec: DURATION,
    concurrency: CONCURRENCY,
    during: async (stderrLine) => {
      await stderrLine(new RegExp(`progress: load ${KILL_AT_SEC}/`));
      assert.ok(countSessionFiles() >= CONCURRENCY, 'Moodle keeps its sessions in files in dataroot/sessions');
      killedFrom = Date.now();
      deleted = deleteSessions();
      killedTo = Date.now();
    },
  });
  const s = r.summary;
  assert.ok(deleted >= CONCURRENCY, `deleted the VUs' sessions (${deleted} files)`);

  const lost = r.log.filter((l) => l.reason === 'session_lost');
  assert.ok(lost.length >= 1, 'some VU lost its session');
  assert.equal(s.failure_reasons.session_lost, lost.length);
  assert.equal(s.failures, lost.length, 'no other failure');

  // Per VU, from the request log: before the deletion every request succeeded; a VU that had no request
  // in flight during it (PHP writes a session back when its request ends) fails its first request after it
  // with session_lost, then, logged in again, succeeds on every later one.
  const start = (l: RequestLogLine): number => Date.parse(l.time);
  const vus = new Set(r.log.map((l) => l.vu));
  let lostAndBack = 0;
  for (const vu of vus) {
    const lines = r.log.filter((l) => l.vu === vu).sort((a, b) => start(a) - start(b));
    const inFlight = lines.some((l) => start(l) <= killedTo && start(l) + l.latency_ms >= killedFrom);
    for (const l of lines.filter((l) => start(l) + l.latency_ms < killedFrom))
      assert.equal(l.outcome, 'success', `VU ${vu} before the deletion`);
    const firstAfter = lines.findIndex((l) => start(l) >= killedFrom);
    const firstLost = lines.findIndex((l) => l.reason === 'session_lost');
    if (!inFlight && firstAfter >= 0) assert.equal(firstLost, firstAfter, `VU ${vu}: its first request after the deletion is session_lost`);
    if (firstLost >= 0) {
      const later = lines.slice(firstLost + 1);
      assert.deepEqual(
        later.map((l) => l.outcome),
        Array(later.length).fill('success'),
        `VU ${vu} after logging in again`,
      );
      if (later.length > 0) lostAndBack++;
    }
    if (process.env.DEBUG_SESSIONS) {
      t.diagnostic(
        `VU ${vu} in flight ${inFlight}, deletion ${killedFrom}-${killedTo}: ${lines.map((l) => `${start(l)}+${Math.round(l.latency_ms)} ${l.reason || 'ok'}`).join(' | ')}`,
      );
    }
  }
  t.diagnostic(
    `deleted ${deleted} session files; ${vus.size} VUs, ${lost.length} session_lost, ${s.relogins.success} relogins, total ${s.total}`,
  );
  assert.equal(s.relogins.success, lostAndBack, 'each VU that lost its session and had more to do logged in again');
  assert.equal(s.relogins.failure, 0);

  // nginx: each session_lost is a 303 on a load URL (redirects are not followed, so the login page behind it
  // is never fetched as load), every success a 200; the only login pages k6 fetched are the logins.
  const load = r.access.filter(isLoad);
  assert.equal(load.length, s.total, 'nginx served the summary total');
  assert.equal(load.filter((e) => e.status === 303).length, lost.length, 'every lost session is a 303 in nginx');
  assert.equal(load.filter((e) => e.status === 200).length, s.success, 'every success is a 200 page in nginx');
  assert.equal(load.length, s.success + lost.length);
  const posts = r.access.filter((e) => isK6(e) && e.method === 'POST' && pathOnly(e.uri) === LOGIN_PATH);
  // setup()'s probe logs in once before the VUs do (its session unused; scenarios/k6/login.ts).
  assert.equal(posts.length, CONCURRENCY + 1 + s.relogins.success, 'one login POST per session and per relogin, plus the probe');
  // After the deletion began: a VU whose session file went early in it can log in again before the last file
  // is gone (the suite's earlier tests leave about 1,900 files to delete).
  assert.equal(posts.filter((e) => e.msec * 1000 > killedFrom).length, s.relogins.success, 'relogins came after the deletion began');
  const loginForms = r.access.filter((e) => isK6(e) && e.method === 'GET' && e.uri === LOGIN_PATH);
  assert.equal(loginForms.length, posts.length, 'the login form was fetched only to log in');
});
