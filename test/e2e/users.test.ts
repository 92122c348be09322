// Many users from a few VUs (--users) and the closed model (--think-time): the real k6 against
// the simulator, which counts the logged-in sessions it holds and the most requests it ever had
// in flight in one session.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { arrivalMs, thinkMs } from '../../lib/user-schedule';
import { LOAD_PAGES, runCli, servedLoad, tempDir, writeConfig } from '../helpers/e2e';
import { assertValidSummary } from '../helpers/summary-schema';

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ baseLatency: { medianMs: 2, sigma: 0.3 } });
});
after(() => sim.close());

function fresh(): void {
  sim.resetStats();
  sim.killSessions();
}

/** setup()'s probe logs in one session of its own, which it leaves alive. */
const PROBE_SESSIONS = 1;

test(
  'closed model: 10,000 users from 50 VUs, each its own session, never two requests in flight in one, counts = what the simulator served',
  { timeout: 150_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const [users, vus, duration, ramp, seed] = [10_000, 50, 60, 30, 11];
    const think: [number, number] = [20, 40];
    const run = runCli(
      [
        '--config',
        writeConfig(dir, sim),
        '--users',
        String(users),
        '--concurrency',
        String(vus),
        '--think-time',
        think.join(','),
        '--ramp',
        String(ramp),
        '--duration',
        String(duration),
        '--seed',
        String(seed),
        '--progress',
        '10',
        '--summary',
        join(dir, 's.json'),
      ],
      140_000,
    );
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    assertValidSummary(summary);
    const stats = sim.stats();
    assert.equal(stats.loggedInSessions, users + PROBE_SESSIONS, 'one live logged-in session per user');
    assert.equal(stats.maxConcurrentPerSession, 1, 'no session ever had two requests in flight');
    assert.equal(stats.sessionLockWaits, 0);
    assert.equal(summary.total, servedLoad(sim));
    for (const page of LOAD_PAGES) {
      const name = Object.keys(summary.endpoints).find((e) => e.startsWith(page)) as string;
      assert.equal(summary.endpoints[name].total, stats.pages[page] ?? 0, page);
    }
    assert.equal(summary.failures, 0, JSON.stringify(summary.failure_reasons));
    assert.equal(summary.target_rpm, 0);
    assert.equal(summary.users.model, 'closed');
    assert.equal(summary.users.users, users);
    assert.equal(summary.users.vus, vus);
    assert.equal(summary.users.logged_in_at_end, users);
    assert.equal(summary.users.never_logged_in, 0);
    assert.deepEqual(summary.users.think_time_sec, think);
    assert.equal(summary.sessions.logged_in, users);
    // The schedule the users keep: arrive, think, request, think, ... until the phase ends. Each
    // request and login takes a few ms on the simulator, which moves later requests by as much,
    // so the count is within 1% of the schedule's.
    let expected = 0;
    for (let u = 0; u < users; u++) {
      let t = arrivalMs(u, users, ramp) + thinkMs(seed, think, u, 0, users);
      for (let n = 0; t < duration * 1000; n++) {
        expected++;
        t += thinkMs(seed, think, u, n + 1, users);
      }
    }
    assert.ok(Math.abs(summary.total / expected - 1) < 0.01, `requests ${summary.total}, the users' schedule ${expected}`);
    assert.ok(summary.users.start_delay_ms_p95 !== null && summary.users.start_delay_ms_p95 < 1000, JSON.stringify(summary.users));
    assert.match(stderr, /10000 users, served by 50 VUs, arriving \(logging in\) over the first 30 s/);
    assert.match(stderr, /progress: load 60\/60s .*\(closed model\).*users logged in 10000 of 10000/);
  },
);

test(
  'open model: 300 users from 10 VUs; when Moodle drops every session, each user logs in again once (per user, not per VU)',
  { timeout: 90_000 },
  async () => {
    fresh();
    const dir = tempDir();
    const users = 300;
    const run = runCli(
      [
        '--config',
        writeConfig(dir, sim),
        '--users',
        String(users),
        '--concurrency',
        '10',
        '--login-concurrency',
        '100',
        '--rpm',
        '6000',
        '--duration',
        '20',
        '--seed',
        '5',
        '--progress',
        '2',
        '--summary',
        join(dir, 's.json'),
      ],
      80_000,
    );
    await run.waitForStderr(/progress: load [5-9]\/20s/);
    const before = sim.stats().loggedInSessions;
    sim.killSessions();
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    assertValidSummary(summary);
    const stats = sim.stats();
    assert.equal(before, users + PROBE_SESSIONS, 'before the kill: one session per user');
    // Each user's next request found its session gone (a redirect to the login form), and its
    // next one logged in again first: 6,000 rpm over the 10+ s left is 4 requests per user.
    assert.equal(summary.failure_reasons.session_lost, users);
    assert.equal(summary.users.sessions_lost, users);
    assert.equal(summary.relogins.success, users);
    assert.equal(summary.users.logins, 2 * users);
    assert.equal(summary.users.logged_in_at_end, users);
    assert.equal(stats.loggedInSessions, users, 'after: one new session per user (the probe was killed)');
    assert.equal(stats.maxConcurrentPerSession, 1);
    assert.equal(summary.total, servedLoad(sim));
    assert.equal(summary.users.model, 'open');
    assert.equal(summary.sessions.logged_in, users);
  },
);

test("closed model with --no-stream-stats: the same counts and users part from k6's summary", { timeout: 60_000 }, async () => {
  fresh();
  const dir = tempDir();
  const run = runCli(
    [
      '--config',
      writeConfig(dir, sim),
      '--users',
      '2000',
      '--concurrency',
      '20',
      '--think-time',
      '3,8',
      '--ramp',
      '5',
      '--duration',
      '15',
      '--no-stream-stats',
      '--progress',
      '5',
      '--summary',
      join(dir, 's.json'),
    ],
    50_000,
  );
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  assertValidSummary(summary);
  assert.equal(summary.total, servedLoad(sim));
  assert.equal(summary.dropped_iterations, 0);
  assert.equal(summary.users.logged_in_at_end, 2000);
  assert.equal(sim.stats().loggedInSessions, 2000 + PROBE_SESSIONS);
  assert.equal(sim.stats().maxConcurrentPerSession, 1);
  assert.equal(summary.stream_stats, undefined, "k6's exact percentiles");
  assert.match(stderr, /users logged in 2000 of 2000/);
});
