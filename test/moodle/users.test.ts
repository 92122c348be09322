// Many users from a few VUs on the real site (--users, --think-time): each user its own session in
// Moodle's own session store (mdl_sessions), every request checked against nginx's log, and sessions
// killed in Moodle's store logged in again per user, not per VU.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { arrivalMs, thinkMs } from '../../lib/user-schedule';
import {
  countBy,
  isK6,
  isLoad,
  LOGIN_PATH,
  pathOnly,
  runLoad,
  SESSIONS_DIR,
  usersInFile,
  writeSiteConfig,
  type AccessEntry,
  type RunResult,
  type Summary,
} from './site';

const DB = process.env.MOODLE_SITE_DB ?? 'moodle_load';
/** setup()'s probe logs in one session of its own before the users do, and leaves it alive (scenarios/k6/login.ts). */
const PROBE_SESSIONS = 1;

function sql(query: string): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-A', '-t', '-F', ',', '-d', DB, '-c', query], {
    encoding: 'utf8',
  }).trim();
}

/** The highest row id of Moodle's session store: rows above it were made later (a sequence). */
function sessionMark(): number {
  return Number(sql('SELECT COALESCE(MAX(id), 0) FROM mdl_sessions'));
}

interface SessionRow {
  readonly id: number;
  readonly sid: string;
  readonly userid: number;
  readonly timecreated: number;
  readonly timemodified: number;
}

/**
 * Logged-in sessions (userid > 0) Moodle made after `mark` and still holds: one per successful login
 * (manager::login_user() destroys the guest session and adds one for the user), gone once destroyed.
 */
function sessionsSince(mark: number): SessionRow[] {
  const out = sql(`SELECT id, sid, userid, timecreated, timemodified FROM mdl_sessions WHERE id > ${mark} AND userid > 0 ORDER BY id`);
  return out === ''
    ? []
    : out.split('\n').map((line) => {
        const [id, sid, userid, created, modified] = line.split(',');
        return { id: Number(id), sid: sid as string, userid: Number(userid), timecreated: Number(created), timemodified: Number(modified) };
      });
}

/**
 * Kills the sessions made after `mark` as Moodle's file session handler destroys one
 * (\core\session\file::destroy(): its file, then its row in mdl_sessions). Returns the killed rows.
 */
function killSessionsSince(mark: number): SessionRow[] {
  const rows = sessionsSince(mark);
  for (const r of rows) {
    try {
      unlinkSync(join(SESSIONS_DIR, `sess_${r.sid}`));
    } catch {
      // no file (Moodle's destroy() skips it the same way)
    }
  }
  sql(`DELETE FROM mdl_sessions WHERE id IN (${rows.map((r) => r.id).join(',')})`);
  return rows;
}

/** The summary's parts this file reads beyond site.ts's. */
interface UsersSummary extends Summary {
  readonly users: {
    readonly model: string;
    readonly users: number;
    readonly vus: number;
    readonly think_time_sec: [number, number] | null;
    readonly ramp_sec: number | null;
    readonly logged_in_at_end: number;
    readonly logins: number;
    readonly sessions_lost: number;
    readonly never_logged_in: number;
    readonly start_delay_ms_p50: number | null;
    readonly start_delay_ms_p95: number | null;
    readonly start_delay_ms_max: number | null;
  };
  readonly dropped_iterations: number;
}

/** A URL template of the config as a pattern of the URIs nginx logs for it. */
function templatePattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '\\d+');
  return new RegExp(`^${escaped}$`);
}

/**
 * Every load request nginx served, per endpoint of the summary: its total, its 200s as successes
 * and the rest as failures; and nothing else was load. Returns nginx's load entries.
 */
function assertEndpointsMatchNginx(r: RunResult): AccessEntry[] {
  const s = r.summary;
  const load = r.access.filter(isLoad);
  let matched = 0;
  for (const [name, e] of Object.entries(s.endpoints)) {
    const pattern = templatePattern(e.path);
    const served = load.filter((a) => pattern.test(a.uri));
    matched += served.length;
    const ok = served.filter((a) => a.status === 200).length;
    assert.deepEqual(
      { total: e.total, success: e.success, failures: e.failures },
      { total: served.length, success: ok, failures: served.length - ok },
      `${name}: the summary and nginx (statuses ${JSON.stringify(countBy(served, (a) => String(a.status)))})`,
    );
    assert.equal(e.attempts, e.total, `${name}: one attempt a request (no retries asked for)`);
  }
  assert.equal(matched, load.length, 'every load request nginx served is one of the endpoints');
  assert.equal(s.total, load.length, 'nginx served the summary total');
  return load;
}

function loginPosts(r: RunResult): AccessEntry[] {
  return r.access.filter((e) => isK6(e) && e.method === 'POST' && pathOnly(e.uri) === LOGIN_PATH);
}

// Closed model: 500 users, think time drawn from 58..62 s (60 s on average; a spread so each user's
// wait is its own seeded draw and checked as such, narrow enough that every user makes exactly 2
// requests: the 2nd is due by ramp + 2 x 62 = 159 s, a 3rd not before 3 x 58 = 174 s).
const C_USERS = 500;
const C_VUS = 20;
const C_THINK: [number, number] = [58, 62];
const C_RAMP = 35;
const C_DURATION = 172;
const C_SEED = 1;

test(
  'closed model: 500 users with ~60 s think time, each its own Moodle session; nginx agrees request by request; the requests keep the think time',
  { timeout: (C_DURATION + 150) * 1000 },
  async (t: TestContext) => {
    const accounts = usersInFile();
    const mark = sessionMark();
    const r = await runLoad({
      config: writeSiteConfig(),
      durationSec: C_DURATION,
      concurrency: C_VUS,
      seed: C_SEED,
      args: ['--users', String(C_USERS), '--think-time', C_THINK.join(','), '--ramp', String(C_RAMP)],
    });
    const s = r.summary as UsersSummary;
    const u = s.users;
    t.diagnostic(
      `total ${s.total}, failures ${s.failures}, users ${JSON.stringify(u)}, dropped ${s.dropped_iterations}, p95 ${JSON.stringify(s.server?.time_ms_p95)}`,
    );

    // The summary: every user logged in once, at its arrival, and held its session to the end.
    assert.equal(s.failures, 0, JSON.stringify(s.failure_reasons));
    assert.deepEqual(
      { model: u.model, users: u.users, vus: u.vus, think: u.think_time_sec, ramp: u.ramp_sec },
      { model: 'closed', users: C_USERS, vus: C_VUS, think: C_THINK, ramp: C_RAMP },
    );
    assert.equal(u.logged_in_at_end, C_USERS);
    assert.equal(u.never_logged_in, 0);
    assert.equal(u.logins, C_USERS);
    assert.equal(u.sessions_lost, 0);
    assert.deepEqual(s.relogins, { success: 0, failure: 0 });
    assert.equal(s.sessions.logged_in, C_USERS);

    // Moodle's session store: one logged-in session per user, plus the probe's, all alive at the end.
    // Accounts repeat (500 users on the users file's accounts) and still every user has a session of
    // its own: each account holds as many sessions as users were given it.
    const rows = sessionsSince(mark);
    assert.equal(rows.length, C_USERS + PROBE_SESSIONS, 'sessions in mdl_sessions made by the run: the users and the probe');
    assert.equal(new Set(rows.map((row) => row.sid)).size, rows.length, 'distinct session ids');
    const perAccount = Object.values(countBy(rows.slice(PROBE_SESSIONS), (row) => String(row.userid))).sort((a, b) => a - b);
    assert.equal(perAccount.length, Math.min(accounts, C_USERS), 'every account of the users file');
    assert.deepEqual(
      [perAccount[0], perAccount[perAccount.length - 1]],
      [Math.floor(C_USERS / accounts), Math.ceil(C_USERS / accounts)],
      'sessions per account: the users given it',
    );
    // Each user's session is the one its requests used: Moodle moves a session's timemodified at the
    // first request after the login, and a user's first request comes a think time (>= 58 s) after it.
    // The probe's session (the first row) is never used again.
    const used = rows.filter((row) => row.timemodified - row.timecreated >= C_THINK[0] - 1);
    assert.equal(used.length, C_USERS, 'every user session was used a think time after its login');
    assert.ok(!used.includes(rows[0] as SessionRow), 'the probe session is the first and unused');
    const created = rows.slice(PROBE_SESSIONS).map((row) => row.timecreated);
    const spread = Math.max(...created) - Math.min(...created);
    t.diagnostic(`the users' logins spread over ${spread} s`);
    assert.ok(spread >= C_RAMP - 2, `the users logged in as they arrived, over the ramp (${spread} s)`);

    // nginx: the logins (form, POST, testsession hop each) and the load, per endpoint and status.
    const posts = loginPosts(r);
    assert.deepEqual(
      countBy(posts, (e) => String(e.status)),
      { '303': C_USERS + PROBE_SESSIONS },
      'one successful login POST per session',
    );
    const load = assertEndpointsMatchNginx(r);
    assert.equal(load.filter((e) => e.status !== 200).length, 0, 'every load request a 200 page');
    assert.equal(r.access.filter(isK6).length, load.length + 3 * (C_USERS + PROBE_SESSIONS), 'nothing else from k6');
    assert.equal(r.log.length, s.total, 'the request log has every request');

    // The think time. The users' schedule (arrive over the ramp, wait the seeded draw, request, ...)
    // says how many requests fit in the phase; the site's latency only moves them later.
    let expected = 0;
    for (let user = 0; user < C_USERS; user++) {
      let at = arrivalMs(user, C_USERS, C_RAMP) + thinkMs(C_SEED, C_THINK, user, 0, C_USERS);
      for (let n = 0; at < C_DURATION * 1000; n++) {
        expected++;
        at += thinkMs(C_SEED, C_THINK, user, n + 1, C_USERS);
      }
    }
    t.diagnostic(`requests ${s.total}, the users' schedule ${expected}`);
    assert.ok(Math.abs(s.total / expected - 1) < 0.03, `requests ${s.total}, the users' schedule ${expected}`);
    // Per user, from the request log (its iteration is n x users + user): at least two requests, and the
    // second no earlier than the first's end plus that user's own draw (a user waiting another user's
    // draw would fail here about half the time), nor much later.
    const byUser = new Map<number, { t: number; end: number }[]>();
    for (const l of r.log) {
      const user = l.iteration % C_USERS;
      const n = Math.floor(l.iteration / C_USERS);
      const list = byUser.get(user) ?? [];
      list[n] = { t: Date.parse(l.time), end: Date.parse(l.time) + l.latency_ms };
      byUser.set(user, list);
    }
    assert.equal(byUser.size, C_USERS, 'every user made requests');
    const lateMs: number[] = [];
    for (const [user, list] of byUser) {
      assert.ok(list.length >= 2 && list[0] !== undefined && list[1] !== undefined, `user ${user}: at least 2 requests (${list.length})`);
      const wait = list[1].t - list[0].end;
      const draw = thinkMs(C_SEED, C_THINK, user, 1, C_USERS);
      assert.ok(wait >= draw - 2, `user ${user} waited ${wait} ms, its draw is ${Math.round(draw)} ms`);
      lateMs.push(wait - draw);
    }
    lateMs.sort((a, b) => a - b);
    const p95 = lateMs[Math.floor(lateMs.length * 0.95)] as number;
    t.diagnostic(
      `second request after the draw: p50 ${Math.round(lateMs[lateMs.length >> 1] as number)} ms, p95 ${Math.round(p95)} ms, max ${Math.round(lateMs[lateMs.length - 1] as number)} ms`,
    );
    assert.ok(p95 < 5000, `the second requests came at most a few seconds after their user's draw (p95 ${Math.round(p95)} ms late)`);
  },
);

// Open model, many users per VU: Moodle's sessions killed mid-run; every user (not every VU) finds its
// session lost once and logs in again.
const O_USERS = 120;
const O_VUS = 10;
const O_RPM = 600;
const O_DURATION = 40;
/** Killed when the progress line says this many seconds of load have run. */
const O_KILL_AT_SEC = 5;

test(
  "sessions killed in Moodle's store mid-run: each of 120 users on 10 VUs loses its session once and logs in again",
  { timeout: (O_DURATION + 150) * 1000 },
  async (t: TestContext) => {
    const mark = sessionMark();
    let killed: SessionRow[] = [];
    let killedAt = 0;
    let afterKill = 0;
    const r = await runLoad({
      config: writeSiteConfig(),
      rpm: O_RPM,
      durationSec: O_DURATION,
      concurrency: O_VUS,
      // 6 users start logging in each second: the login phase (20 s, +5 s grace) has room for all of them.
      args: ['--users', String(O_USERS), '--login-concurrency', '6'],
      during: async (stderrLine) => {
        await stderrLine(new RegExp(`progress: load ${O_KILL_AT_SEC}/`));
        killedAt = Date.now();
        killed = killSessionsSince(mark);
        afterKill = sessionMark();
      },
    });
    const s = r.summary as UsersSummary;
    const u = s.users;
    t.diagnostic(
      `killed ${killed.length} sessions; total ${s.total}, failures ${JSON.stringify(s.failure_reasons)}, relogins ${JSON.stringify(s.relogins)}, users ${JSON.stringify(u)}, dropped ${s.dropped_iterations}`,
    );
    assert.equal(
      killed.length,
      O_USERS + PROBE_SESSIONS,
      'when killed, Moodle held one session per user (all logged in in the login phase) and the probe',
    );

    // Per user, not per VU: each user's next request was a redirect to the login form, and its next one logged in again.
    assert.equal(s.failure_reasons.session_lost, O_USERS);
    assert.equal(s.failures, O_USERS, 'no other failure');
    assert.equal(u.sessions_lost, O_USERS);
    assert.deepEqual(s.relogins, { success: O_USERS, failure: 0 });
    assert.equal(u.logins, 2 * O_USERS);
    assert.equal(u.logged_in_at_end, O_USERS);
    assert.equal(u.never_logged_in, 0);
    assert.equal(u.model, 'open');
    assert.equal(s.sessions.logged_in, O_USERS);
    const lost = r.log.filter((l) => l.reason === 'session_lost');
    assert.equal(lost.length, O_USERS);
    assert.ok(
      lost.every((l) => Date.parse(l.time) + l.latency_ms >= killedAt),
      'no session lost before the kill',
    );

    // Moodle's store afterwards: the killed sessions gone, one new session per user (the probe's was killed).
    const rows = sessionsSince(mark);
    assert.equal(rows.length, O_USERS, 'one session per user in mdl_sessions');
    assert.ok(
      rows.every((row) => row.id > afterKill),
      'all of them made after the kill',
    );
    assert.equal(new Set(rows.map((row) => row.sid)).size, O_USERS);

    // nginx: every session_lost a 303 on a load URL, every success a 200; the login POSTs are the users'
    // logins, the probe's, and after the kill the users' re-logins.
    const load = assertEndpointsMatchNginx(r);
    assert.equal(load.filter((e) => e.status === 303).length, O_USERS, 'every lost session is a 303 in nginx');
    assert.equal(load.filter((e) => e.status === 200).length, s.success, 'every success a 200 page');
    assert.equal(load.length, s.success + O_USERS);
    const posts = loginPosts(r);
    assert.deepEqual(
      countBy(posts, (e) => String(e.status)),
      { '303': 2 * O_USERS + PROBE_SESSIONS },
      'every login POST succeeded',
    );
    assert.equal(posts.filter((e) => e.msec * 1000 > killedAt).length, O_USERS, "the POSTs after the kill: the users' re-logins");
    assert.equal(
      r.access.filter((e) => isK6(e) && e.method === 'GET' && e.uri === LOGIN_PATH).length,
      posts.length,
      'the login form fetched only to log in',
    );
  },
);
