// The simulator's draws: reproducible from a seed, shaped like the real site's noise; the
// per-request model built on them (server time, footer figures, planted regressions); and the
// `--regress` switch's parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median } from '../../analysis/stats';
import { PAGE_FIGURES, parseRegression } from '../../sim/figures';
import { COLD_CACHE_PROBABILITY, drawLogNormal, drawReadOffset, NoiseModel, NoiseSettings, Rng } from '../../sim/noise';

const draws = (seed: number, stream: string, n: number, f: (r: Rng) => number) => {
  const rng = new Rng(seed, stream);
  return Array.from({ length: n }, () => f(rng));
};

test('the same seed and stream give the same draws; another seed or stream, others', () => {
  const a = draws(7, 'reads:course', 50, (r) => r.next());
  assert.deepEqual(
    draws(7, 'reads:course', 50, (r) => r.next()),
    a,
  );
  assert.notDeepEqual(
    draws(8, 'reads:course', 50, (r) => r.next()),
    a,
  );
  assert.notDeepEqual(
    draws(7, 'reads:forum', 50, (r) => r.next()),
    a,
  );
  assert.ok(a.every((x) => x >= 0 && x < 1));
});

test('DB read offsets: median 0, -3..+3 apart from rare cold caches, equal in about half of the pairs', () => {
  const n = 20_000;
  const offsets = draws(1, 'reads:course', n, drawReadOffset);
  assert.equal(median(offsets), 0);
  const cold = offsets.filter((o) => o >= 4);
  assert.ok(offsets.every((o) => (o >= -3 && o <= 3) || (o >= 4 && o <= 11)));
  // Binomial(20000, 0.01): mean 200, sd 14; 5 sd either side.
  assert.ok(Math.abs(cold.length - n * COLD_CACHE_PROBABILITY) < 70, `${cold.length} cold-cache draws`);
  // The real site: identical reads in 146 of 301 pairs (0.49). Pairs of independent draws here:
  // expected P(equal) = 0.99^2 * 0.4895 + small = 0.48, sd over 10000 pairs 0.005.
  let equal = 0;
  for (let i = 0; i < n; i += 2) if (offsets[i] === offsets[i + 1]) equal++;
  const share = equal / (n / 2);
  assert.ok(share > 0.45 && share < 0.52, `share of equal pairs ${share}`);
  for (const o of [-3, -2, -1, 1, 2, 3]) assert.ok(offsets.includes(o), `offset ${o} occurs`);
});

test('log-normal server time: median as given, spread by sigma, sigma 0 gives the median', () => {
  const times = draws(3, 'latency:course', 20_000, (r) => drawLogNormal(r, 50, 0.5));
  // The sample median of 20000 log-normal draws is within 2% of the true median (sd of the
  // median ~ 1.25 * sigma / sqrt(n) = 0.44% in log space).
  assert.ok(Math.abs(median(times) / 50 - 1) < 0.02, `median ${median(times)}`);
  const sorted = [...times].sort((a, b) => a - b);
  // The 95th percentile of a log-normal is median * exp(1.645 * sigma) = 50 * 2.276 = 113.8.
  const p95 = sorted[Math.floor(0.95 * sorted.length)] as number;
  assert.ok(Math.abs(p95 / 113.8 - 1) < 0.05, `p95 ${p95}`);
  assert.equal(drawLogNormal(new Rng(1, 'x'), 50, 0), 50);
});

const model = (settings: Partial<NoiseSettings> = {}) =>
  new NoiseModel({ seed: 1, exact: true, baseLatency: { medianMs: 5, sigma: 0.5 }, latencyMs: {}, regressions: {}, ...settings });
const request = (path: string, userId: number | null = 3) => ({ path, startedAt: performance.now(), lockWaitMs: 0, session: { userId } });

test('server time: the median (exact), plus the fixed extra of the path or of every page, plus a regression on that page only', () => {
  const noise = model({ latencyMs: { '/my/': 20, '*': 7 }, regressions: { course: { reads: 0, ms: 30 } } });
  assert.equal(noise.delayFor('/my/'), 25);
  assert.equal(noise.delayFor('/course/view.php'), 42);
  assert.equal(noise.delayFor('/mod/forum/view.php'), 12);
  noise.latencyMs['*'] = 0;
  assert.equal(noise.delayFor('/mod/forum/view.php'), 5);
  const drawn = model({ exact: false, seed: 4 });
  const again = model({ exact: false, seed: 4 });
  const times = Array.from({ length: 5 }, () => drawn.delayFor('/my/'));
  assert.deepEqual(
    Array.from({ length: 5 }, () => again.delayFor('/my/')),
    times,
    'the same seed draws the same times',
  );
  assert.equal(new Set(times).size, 5, 'and varies');
});

test("footer figures: a regression's reads show on its own page, not on a redirect or error page served for that path", () => {
  const noise = model({ regressions: { course: { reads: 4, ms: 0 } } });
  assert.equal(noise.footerFigures(request('/course/view.php'), 'course', 3).reads, PAGE_FIGURES.course.reads + 4);
  assert.equal(noise.footerFigures(request('/course/view.php'), 'redirect', null).reads, PAGE_FIGURES.redirect.reads);
  assert.equal(noise.footerFigures(request('/mod/forum/view.php'), 'forum', null).reads, PAGE_FIGURES.forum.reads);
  noise.setExtraDbReads('/course/view.php', 1);
  assert.deepEqual(noise.regressions.course, { reads: 1, ms: 0 });
  assert.throws(() => noise.setExtraDbReads('/admin/', 1), /setExtraDbReads: \/admin\/ is not a page the simulator serves/);
});

test('footer writes: lastaccess once a minute per user and per user and course', () => {
  const noise = model({ exact: false });
  const writes = (courseId: number | null, userId: number | null = 3) =>
    noise.footerFigures(request('/course/view.php', userId), 'course', courseId).writes;
  assert.equal(writes(2), 3, 'first visit: the page write, user.lastaccess, user_lastaccess of the course');
  const sameMinute = Array.from({ length: 30 }, () => writes(2));
  assert.ok(
    sameMinute.every((w) => w === 1 || w === 2),
    `only the page write and sometimes the session: ${sameMinute}`,
  );
  assert.ok(sameMinute.includes(1));
  assert.ok(writes(5) >= 2, 'another course: its user_lastaccess row');
  assert.equal(
    noise.footerFigures(request('/course/view.php', null), 'course', 2).writes,
    PAGE_FIGURES.course.writes,
    'no user, no lastaccess or session write',
  );
});

test('--regress: page, reads and/or ms; bad values refused with one line naming the problem', () => {
  assert.deepEqual(parseRegression('course:reads=+2,ms=+25'), ['course', { reads: 2, ms: 25 }]);
  assert.deepEqual(parseRegression('dashboard:ms=12.5'), ['dashboard', { reads: 0, ms: 12.5 }]);
  assert.deepEqual(parseRegression('forum:reads=5'), ['forum', { reads: 5, ms: 0 }]);
  const refused: [string, RegExp][] = [
    ['course', /^--regress "course": expected PAGE:reads=\+N,ms=\+M/],
    [
      'courses:reads=+2',
      /^--regress "courses:reads=\+2": unknown page type "courses" \(one of login, dashboard, course, forum, page, profile, enrol, front\)$/,
    ],
    ['course:reads=-2', /^--regress "course:reads=-2": "reads=-2" must be reads=\+N/],
    ['course:reads=1.5', /reads must be a whole number, not 1\.5$/],
    ['course:writes=+1', /"writes=\+1" must be reads=\+N/],
    ['course:ms=+5,ms=+6', /ms given twice$/],
    ['course:', /"" must be reads=\+N/],
  ];
  for (const [spec, message] of refused) {
    assert.throws(
      () => parseRegression(spec),
      (e: Error) => message.test(e.message) && !e.message.includes('\n'),
      spec,
    );
  }
});
