// The simulator's two switches for side-by-side tests of two builds: a shared slowdown that
// every response pays (as code all Moodle pages run would), set at start or by a deploy while
// running, and the machine's drift, a factor on every server time drawn anew for each run from
// a seeded stream. Without either, the server times must be exactly those the simulator drew
// before the switches existed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployOf } from '../../sim/control';
import { PAGE_TYPES } from '../../sim/figures';
import { NoiseModel, NoiseSettings, parseDrift } from '../../sim/noise';
import { startSimulator } from '../../sim/server';

const model = (settings: Partial<NoiseSettings> = {}) =>
  new NoiseModel({ seed: 1, exact: true, baseLatency: { medianMs: 5, sigma: 0.5 }, latencyMs: {}, regressions: {}, ...settings });

/** A path of each page type, an unknown one (404 error page) and an asset: every path the simulator answers. */
const PATHS = [
  '/login/index.php',
  '/my/',
  '/course/view.php',
  '/mod/forum/view.php',
  '/mod/page/view.php',
  '/user/profile.php',
  '/enrol/index.php',
  '/',
  '/login/logout.php',
  '/nowhere.php',
  '/theme/styles.php/boost/1/all',
];

test('shared slowdown: every path takes X ms more server time, DB reads, writes and DB time unchanged', () => {
  const plain = model({ latencyMs: { '/my/': 20 }, regressions: { course: { reads: 2, ms: 30 } } });
  const slowed = model({ latencyMs: { '/my/': 20 }, regressions: { course: { reads: 2, ms: 30 } }, sharedSlowdownMs: 15 });
  for (const path of PATHS) assert.equal(slowed.delayFor(path) - plain.delayFor(path), 15, path);
  // With noise: both draw the same reads, writes and DB time shares from the same seed.
  const noisy = model({ exact: false, seed: 5 });
  const noisySlowed = model({ exact: false, seed: 5, sharedSlowdownMs: 15 });
  for (const kind of PAGE_TYPES) {
    // The same 100 ms of own server time, plus the 15 ms slowdown on the slowed site.
    // The footer reads the clock itself: each figure is its own time plus the moments between building the request
    // and that read (bounded by the clock around the call), which a loaded machine can make a few ms long.
    const at = (ms: number) => ({ path: '/course/view.php', startedAt: performance.now() - ms, lockWaitMs: 0, session: { userId: 3 } });
    const t0 = performance.now();
    const a = noisy.footerFigures(at(100), kind, 2);
    const t1 = performance.now();
    const b = noisySlowed.footerFigures(at(115), kind, 2);
    const t2 = performance.now();
    assert.equal(b.reads, a.reads, kind);
    assert.equal(b.writes, a.writes, kind);
    assert.ok(Math.abs(b.dbSecs - a.dbSecs) < 0.001, `${kind}: DB time ${b.dbSecs} vs ${a.dbSecs}`);
    const gap = b.secs - a.secs;
    const slack = 0.0005;
    assert.ok(
      gap > 0.015 - (t1 - t0) / 1000 - slack && gap < 0.015 + (t2 - t1) / 1000 + slack,
      `${kind}: the footer's server time includes the slowdown (${gap} s more)`,
    );
  }
});

test('no drift and no slowdown: exactly the server times drawn before these switches existed (seed 42)', () => {
  // Drawn by the simulator before the shared slowdown and the drift existed, same settings and order.
  const before = [
    64.42563158681273, 56.37945204206097, 64.2983785369311, 84.12564921818195, 39.904083343191, 58.99807945989867, 31.22619913311203,
  ];
  const paths = ['/login/index.php', '/my/', '/course/view.php', '/mod/forum/view.php', '/nowhere', '/course/view.php', '/my/'];
  const settings = {
    seed: 42,
    exact: false,
    baseLatency: { medianMs: 50, sigma: 0.5 },
    latencyMs: { '*': 3 },
    regressions: { course: { reads: 0, ms: 7 } },
  };
  for (const noise of [model(settings), model({ ...settings, drift: null, sharedSlowdownMs: 0 })]) {
    assert.deepEqual(
      paths.map((p) => noise.delayFor(p)),
      before,
    );
    assert.equal(noise.driftFactor, 1);
    assert.equal(noise.redrawDrift(), 1, 'nothing to redraw without a range');
  }
});

test('drift: seeded factors within the range, the same sequence for the same seed whatever was served in between', () => {
  const drift = { min: 0.8, max: 1.4 };
  const factors = (noise: NoiseModel, serveBetween: number) =>
    Array.from({ length: 200 }, () => {
      for (let i = 0; i < serveBetween; i++) noise.delayFor(PATHS[i % PATHS.length] as string);
      return noise.redrawDrift();
    });
  const a = factors(model({ seed: 9, exact: false, drift }), 0);
  assert.deepEqual(
    factors(model({ seed: 9, exact: false, drift }), PATHS.length),
    a,
    'requests between the draws do not move the sequence',
  );
  assert.notDeepEqual(factors(model({ seed: 10, exact: false, drift }), 0), a, 'another seed, other factors');
  assert.ok(
    a.every((f) => f >= drift.min && f < drift.max),
    'within the range',
  );
  // Uniform over 0.6: 200 draws leave both ends less than 0.06 apart with probability 1 - 2 * 0.9^200.
  assert.ok(Math.min(...a) < 0.86 && Math.max(...a) > 1.34, `spread over the range: ${Math.min(...a)}..${Math.max(...a)}`);
  assert.equal(new Set(a).size, a.length, 'each draw anew');
  const atStart = model({ seed: 9, drift }).driftFactor;
  assert.ok(atStart >= 0.8 && atStart < 1.4 && atStart !== 1, `the first run has a factor of its own: ${atStart}`);
  assert.equal(model({ seed: 9, drift: { min: 1.2, max: 1.2 } }).driftFactor, 1.2);
});

test('drift multiplies the whole server time: base, fixed extra, regression and shared slowdown', () => {
  const noise = model({
    drift: { min: 0.8, max: 1.4 },
    sharedSlowdownMs: 15,
    latencyMs: { '*': 4 },
    regressions: { course: { reads: 0, ms: 30 } },
  });
  for (let run = 0; run < 5; run++) {
    const f = noise.driftFactor;
    assert.equal(noise.delayFor('/my/'), (5 + 4 + 15) * f);
    assert.equal(noise.delayFor('/course/view.php'), (5 + 4 + 30 + 15) * f);
    assert.equal(noise.delayFor('/nowhere.php'), (5 + 4 + 15) * f);
    assert.equal(noise.delayFor('/my/'), (5 + 4 + 15) * f, 'the factor stays within a run');
    noise.deploy({});
    assert.notEqual(noise.driftFactor, f, 'a deploy draws a new factor');
  }
});

test('deploy: sets the slowdown and replaces the regressions (each left alone when not given); bad values refused', () => {
  const noise = model({ regressions: { forum: { reads: 1, ms: 0 } } });
  noise.deploy({ sharedSlowdownMs: 20 });
  assert.equal(noise.delayFor('/'), 25);
  assert.deepEqual(noise.regressions, { forum: { reads: 1, ms: 0 } });
  noise.deploy({ regressions: { course: { reads: 2, ms: 25 } } });
  assert.equal(noise.sharedSlowdownMs, 20);
  assert.deepEqual(noise.regressions, { course: { reads: 2, ms: 25 } });
  noise.deploy({ sharedSlowdownMs: 0, regressions: {} });
  assert.equal(noise.delayFor('/course/view.php'), 5);
  assert.deepEqual(noise.regressions, {});
  assert.throws(() => noise.deploy({ sharedSlowdownMs: -1 }), /shared slowdown must be milliseconds >= 0, not -1/);
  assert.throws(() => model({ drift: { min: 0, max: 1 } }), /drift must satisfy 0 < min <= max/);
});

test('the deploy query and --drift: parsed as documented, anything else refused with one line', () => {
  assert.deepEqual(deployOf('shared_ms=15'), { sharedSlowdownMs: 15, regressions: undefined });
  // Plus signs as sent: form decoding would make them spaces.
  assert.deepEqual(deployOf('shared_ms=0&regress=course:reads=+2,ms=+25&regress=forum%3Ams%3D%2B3'), {
    sharedSlowdownMs: 0,
    regressions: { course: { reads: 2, ms: 25 }, forum: { reads: 0, ms: 3 } },
  });
  assert.deepEqual(deployOf('regress='), { sharedSlowdownMs: undefined, regressions: {} });
  assert.deepEqual(deployOf(''), { sharedSlowdownMs: undefined, regressions: undefined });
  for (const [query, message] of [
    ['shared_ms=', /^shared_ms must be milliseconds >= 0, not ""$/],
    ['shared_ms=-3', /^shared_ms must be milliseconds >= 0/],
    ['shared=15', /^unknown parameter "shared" \(shared_ms, regress\)$/],
    ['regress=courses:ms=+1', /unknown page type "courses"/],
    ['regress=course:ms=1&regress=course:reads=2', /^regress: page type course given twice$/],
  ] as const) {
    assert.throws(
      () => deployOf(query),
      (e: Error) => message.test(e.message),
      query,
    );
  }
  assert.deepEqual(parseDrift('0.8-1.4'), { min: 0.8, max: 1.4 });
  assert.deepEqual(parseDrift('1-1'), { min: 1, max: 1 });
  for (const bad of ['0.8', '1.4-0.8', '0-1', '-0.8-1.4', '0.8-1.4x']) {
    assert.throws(
      () => parseDrift(bad),
      (e: Error) => /^--drift ".*": expected MIN-MAX with 0 < MIN <= MAX, e\.g\. 0\.8-1\.4$/.test(e.message),
      bad,
    );
  }
});

async function timed(url: string, cookie = ''): Promise<{ ms: number; status: number }> {
  const t = performance.now();
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  await res.arrayBuffer();
  return { ms: performance.now() - t, status: res.status };
}

test('POST /__sim/deploy changes the slowdown between requests, keeps sessions; stats report it; /__sim/drift redraws', async () => {
  const sim = await startSimulator({ exact: true, baseLatency: { medianMs: 0, sigma: 0 }, drift: { min: 1, max: 1 } });
  try {
    const login = await fetch(sim.url + '/login/index.php');
    const cookie = (login.headers.getSetCookie()[0] as string).split(';')[0] as string;
    await login.arrayBuffer();
    const deploy = async (query: string) => {
      const res = await fetch(`${sim.url}/__sim/deploy?${query}`, { method: 'POST' });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const slow = await deploy('shared_ms=300&regress=course:reads=+2,ms=+25');
    assert.deepEqual(slow, {
      status: 200,
      body: { ok: true, sharedSlowdownMs: 300, driftFactor: 1, regressions: { course: { reads: 2, ms: 25 } } },
    });
    const redirected = await timed(sim.url + '/my/', cookie);
    assert.ok(redirected.ms >= 295, `a redirect pays the slowdown: ${redirected.ms} ms`);
    const stats = (await (await fetch(sim.url + '/__sim/stats')).json()) as Record<string, unknown>;
    assert.equal(stats.sharedSlowdownMs, 300);
    assert.equal(stats.driftFactor, 1);
    assert.equal(stats.sessions, 1, 'the deploy kept the session');
    assert.deepEqual((await deploy('shared_ms=0&regress=')).body.regressions, {});
    const fast = await timed(sim.url + '/nowhere.php', cookie);
    assert.equal(fast.status, 404);
    assert.ok(fast.ms < 295, `cleared: ${fast.ms} ms`);
    assert.equal(sim.stats().sharedSlowdownMs, 0);
    assert.deepEqual(await deploy('shared_ms=-1'), { status: 400, body: { error: 'shared_ms must be milliseconds >= 0, not "-1"' } });
    const drift = (await (await fetch(sim.url + '/__sim/drift', { method: 'POST' })).json()) as Record<string, unknown>;
    assert.deepEqual(drift, { ok: true, sharedSlowdownMs: 0, driftFactor: 1 });
    sim.deploy({ sharedSlowdownMs: 7 });
    assert.equal(sim.stats().sharedSlowdownMs, 7);
  } finally {
    await sim.close();
  }
});
