// Many users per VU (--users) and the closed model (--think-time, --ramp): the settings, which
// users each VU serves and when, the k6 scenarios, and the summary's users part.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throwsMessage } from '../helpers/assert';
import { assertValidSummary } from '../helpers/summary-schema';
import { buildK6Options } from '../../lib/k6-options';
import { USER_FIRST_LOGINS, USER_LOGINS, USER_SESSIONS_LOST, USER_START_DELAY } from '../../lib/metric-names';
import { LOAD_SCENARIO, LOGIN_SCENARIO, loginWindowSec } from '../../lib/run-phases';
import { rampSecOf, readRunSettings, settingsToEnv, usersConfigError, usersOf } from '../../lib/run-settings';
import { buildSummary } from '../../lib/summary';
import { arrivalMs, earliestDue, thinkMs, userIteration, usersOfVu } from '../../lib/user-schedule';
import { buildUsersSummary, usersWarnings } from '../../lib/users-summary';

const base = { CONFIG: 'c.json', RPM: '600', DURATION: '90', CONCURRENCY: '10' };
const closedBase = { CONFIG: 'c.json', DURATION: '90', CONCURRENCY: '10', MOODLE_USERS: '500', THINK_TIME: '30,90' };

test('one user per VU by default; --users and the closed model round-trip to k6', () => {
  const s = readRunSettings(base, 'env');
  assert.equal(s.users, undefined);
  assert.equal(usersOf(s), 10);
  const many = readRunSettings({ ...base, MOODLE_USERS: '400' }, 'env');
  assert.equal(usersOf(many), 400);
  assert.deepEqual(readRunSettings(settingsToEnv(many), 'env'), many);
  const closed = readRunSettings(closedBase, 'env');
  assert.deepEqual(closed.thinkTimeSec, [30, 90]);
  assert.equal(closed.rpm, 0, 'the closed model has no target rate');
  assert.equal(rampSecOf(closed), 25, '500 users at --login-concurrency 20 a second');
  assert.deepEqual(readRunSettings(settingsToEnv(closed), 'env'), closed);
  assert.deepEqual(readRunSettings({ ...closedBase, THINK_TIME: '7' }, 'env').thinkTimeSec, [7, 7]);
  assert.equal(rampSecOf(readRunSettings({ ...closedBase, RAMP: '0' }, 'env')), 0);
});

test('refused in one line naming the flag: bad think time, fewer users than VUs, --rpm or --warmup with the closed model', () => {
  for (const bad of ['', 'x', '5,2', '-1', '1,2,3', '1,'])
    throwsMessage(() => readRunSettings({ ...closedBase, THINK_TIME: bad }, 'flag'), /^--think-time must be MIN or MIN,MAX seconds/);
  throwsMessage(() => readRunSettings({ ...base, MOODLE_USERS: '5' }, 'flag'), /^--users \(5\) must be at least --concurrency \(10\)/);
  throwsMessage(() => readRunSettings({ ...base, MOODLE_USERS: '5' }, 'env'), /^MOODLE_USERS \(5\) must be at least CONCURRENCY \(10\)/);
  throwsMessage(() => readRunSettings({ ...closedBase, RPM: '600' }, 'flag'), /^--rpm does not go with --think-time/);
  throwsMessage(() => readRunSettings({ ...closedBase, WARMUP: '5' }, 'flag'), /^--think-time cannot go with --warmup/);
  throwsMessage(() => readRunSettings({ ...base, RAMP: '5' }, 'flag'), /^--ramp goes with --think-time/);
  throwsMessage(() => readRunSettings({ ...closedBase, RAMP: '90' }, 'flag'), /^--ramp \(90 s\) must be shorter than --duration \(90 s\)/);
  const closed = readRunSettings(closedBase, 'env');
  assert.match(usersConfigError(closed, 1, 'flag') ?? '', /^--think-time does not run journeys yet/);
  assert.match(usersConfigError({ ...closed, thinkTimeSec: undefined }, 2, 'flag') ?? '', /^--users above --concurrency/);
  assert.match(usersConfigError({ ...closed, emulateBrowser: true }, 0, 'flag') ?? '', /cannot go with --emulate-browser/);
  assert.equal(usersConfigError(readRunSettings(base, 'env'), 3, 'flag'), null, 'one user per VU runs journeys as before');
});

test('every user belongs to exactly one VU, each VU has users, and the split is even', () => {
  for (const [vus, users] of [
    [1, 1],
    [7, 7],
    [10, 500],
    [50, 10_000],
    [3, 10],
  ] as const) {
    const seen = new Array<number>(users).fill(0);
    for (let v = 1; v <= vus; v++) {
      const mine = usersOfVu(v, vus, users);
      assert.ok(mine.length >= Math.floor(users / vus) && mine.length <= Math.ceil(users / vus), `${vus} VUs, ${users} users`);
      for (const u of mine) seen[u] = (seen[u] as number) + 1;
    }
    assert.ok(
      seen.every((n) => n === 1),
      `${vus} VUs, ${users} users: each user once`,
    );
  }
});

test('think time: within [min, max], uniform (mean and quartiles of 20,000 draws), the same for the same seed, user and request', () => {
  const users = 1000;
  const draws: number[] = [];
  for (let u = 0; u < users; u++) for (let n = 0; n < 20; n++) draws.push(thinkMs(42, [30, 90], u, n, users));
  assert.ok(draws.every((d) => d >= 30_000 && d <= 90_000));
  const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
  // Uniform on [30, 90] s: mean 60 s, sd 60/sqrt(12) = 17.3 s, so the mean of 20,000 is within 0.4 s (3 sd).
  assert.ok(Math.abs(mean - 60_000) < 400, `mean ${mean}`);
  const sorted = [...draws].sort((a, b) => a - b);
  assert.ok(Math.abs((sorted[5000] as number) - 45_000) < 1000, 'first quartile near 45 s');
  assert.ok(Math.abs((sorted[15000] as number) - 75_000) < 1000, 'third quartile near 75 s');
  assert.equal(thinkMs(42, [30, 90], 7, 3, users), thinkMs(42, [30, 90], 7, 3, users));
  assert.notEqual(thinkMs(42, [30, 90], 7, 3, users), thinkMs(43, [30, 90], 7, 3, users));
  assert.equal(thinkMs(42, [5, 5], 7, 3, users), 5000);
});

test('arrivals spread evenly over the ramp; URL keys distinct per user and request; the earliest due user', () => {
  assert.equal(arrivalMs(0, 500, 25), 0);
  assert.equal(arrivalMs(250, 500, 25), 12_500);
  assert.equal(arrivalMs(499, 500, 25), 24_950);
  assert.equal(arrivalMs(0, 1, 25), 0);
  const keys = new Set<number>();
  for (let u = 0; u < 50; u++) for (let n = 0; n < 50; n++) keys.add(userIteration(u, n, 50));
  assert.equal(keys.size, 2500);
  assert.equal(earliestDue([5, 3, 3, 9]), 1);
  assert.equal(earliestDue([]), -1);
});

test('k6 scenarios: the open model logs in every user in rounds; the closed model has no login phase and runs constant VUs', () => {
  const many = readRunSettings({ ...base, MOODLE_USERS: '400', LOGIN_CONCURRENCY: '100' }, 'env');
  // Users 0..99 start at 0 s, ..., 300..399 at 3 s; then a grace for the last round.
  assert.equal(loginWindowSec(many), 3 + 5);
  const open = buildK6Options(many, ['e'], 2) as { scenarios: Record<string, Record<string, unknown>> };
  assert.equal(open.scenarios[LOGIN_SCENARIO]?.vus, 10);
  assert.equal(open.scenarios[LOGIN_SCENARIO]?.maxDuration, '8s');
  const closed = readRunSettings(closedBase, 'env');
  assert.equal(loginWindowSec(closed), 0);
  const o = buildK6Options(closed, ['e'], 2) as { scenarios: Record<string, Record<string, unknown>> };
  assert.equal(o.scenarios[LOGIN_SCENARIO], undefined);
  assert.deepEqual(o.scenarios[LOAD_SCENARIO], {
    executor: 'constant-vus',
    vus: 10,
    duration: '90s',
    startTime: '0s',
    gracefulStop: '65s',
  });
});

const m = (count: number) => ({ values: { count } });

test('users summary: the state at the end from the users counters; start delays only in the closed model', () => {
  const metrics = {
    [USER_LOGINS]: m(530),
    [USER_FIRST_LOGINS]: m(498),
    [USER_SESSIONS_LOST]: m(40),
    [USER_START_DELAY]: { values: { count: 900, 'p(50)': 1.234, 'p(95)': 1500, max: 2200 } },
  };
  const closed = buildUsersSummary({ metrics, users: 500, vus: 10, thinkTimeSec: [30, 90], rampSec: 25 });
  assert.deepEqual(closed, {
    model: 'closed',
    users: 500,
    vus: 10,
    think_time_sec: [30, 90],
    ramp_sec: 25,
    logged_in_at_end: 490,
    logins: 530,
    sessions_lost: 40,
    never_logged_in: 2,
    start_delay_ms_p50: 1.23,
    start_delay_ms_p95: 1500,
    start_delay_ms_max: 2200,
  });
  const warnings = usersWarnings(closed);
  assert.match(warnings[0] ?? '', /started 1500 ms later than due \(p95; max 2200 ms\).*raise --concurrency/);
  assert.equal(warnings.length, 1, 'users who never logged in are the sessions warning (sessions.failed_users)');
  const open = buildUsersSummary({ metrics, users: 500, vus: 10, thinkTimeSec: undefined, rampSec: undefined });
  assert.equal(open.model, 'open');
  assert.equal(open.start_delay_ms_p95, null);
  assert.equal(open.think_time_sec, null);
  const summary = buildSummary({
    metrics,
    endpoints: [],
    targetRpm: 0,
    durationSec: 90,
    warmupSec: 0,
    concurrency: 10,
    retries: 0,
    seed: 1,
    login: { attempted: 500, loggedIn: 498, seconds: 25, failedUsers: [] },
    loadStartMs: 0,
    nowMs: 90_000,
    users: { users: 500, thinkTimeSec: [30, 90], rampSec: 25 },
  });
  assert.deepEqual(summary.users, closed);
  assertValidSummary(summary);
});
