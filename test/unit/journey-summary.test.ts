// The summary's journeys and journeys_created, from k6's handleSummary data, and the submetrics
// k6 must be told to track for them; and the request plan picking journeys by weight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../lib/config';
import { JOURNEY_FAILURE_REASONS } from '../../lib/journeys/journey-metric-names';
import { buildCreated, buildJourneySummary, createdKinds, journeySubmetrics } from '../../lib/journeys/journey-summary';
import { submetric } from '../../lib/metric-names';
import { RequestPlan } from '../../lib/request-plan';

const config = validateConfig({
  base_url: 'http://m.test',
  users: [{ username: 'u', password: 'p' }],
  urls: [{ path: '/my/' }],
  journeys: [
    { journey: 'forum_reply', params: { forum: 306 } },
    { journey: 'forum_discussion', name: 'new topics', params: { forum: 306 } },
  ],
});
const JOURNEYS = config.journeys;

type Values = Record<string, number>;

const trend = (p50: number, p95: number, p99: number, count: number): Values => ({ 'p(50)': p50, 'p(95)': p95, 'p(99)': p99, count });
const median = (med: number, count: number): Values => ({ med, count });

/** What k6 hands handleSummary after a run: the selectors spelled out by hand, as k6 names them. */
const metrics: Record<string, { values: Values }> = {
  'moodle_journeys{journey:forum_reply,outcome:success}': { values: { count: 40 } },
  'moodle_journeys{journey:forum_reply,outcome:failure}': { values: { count: 3 } },
  'moodle_journey_duration{journey:forum_reply}': { values: trend(812.345, 1500.999, 2100, 40) },
  'moodle_journey_requests{journey:forum_reply,step:forum}': { values: { count: 43 } },
  'moodle_journey_requests{journey:forum_reply,step:discussion}': { values: { count: 43 } },
  'moodle_journey_requests{journey:forum_reply,step:reply_form}': { values: { count: 42 } },
  'moodle_journey_requests{journey:forum_reply,step:post}': { values: { count: 82 } },
  'moodle_journey_step_duration{journey:forum_reply,step:forum}': { values: trend(200, 300, 400, 43) },
  'moodle_journey_step_duration{journey:forum_reply,step:post}': { values: trend(350.126, 600, 700, 40) },
  'moodle_journey_db_reads{journey:forum_reply,step:post}': { values: median(121.5, 40) },
  'moodle_journey_db_writes{journey:forum_reply,step:post}': { values: median(14, 40) },
  // A trend no successful step fed: k6 still lists it (its threshold made it), with count 0.
  'moodle_journey_step_duration{journey:forum_reply,step:reply_form}': { values: trend(0, 0, 0, 0) },
  'moodle_journey_failures{journey:forum_reply,step:discussion,reason:take_missing}': { values: { count: 1 } },
  'moodle_journey_failures{journey:forum_reply,step:post,reason:form_error}': { values: { count: 2 } },
  'moodle_journey_failures{journey:forum_reply,step:post,reason:http_5xx}': { values: { count: 0 } },
  'moodle_journey_created{kind:forum_posts}': { values: { count: 41 } },
  // Figures of other metrics and tags are not the journeys'.
  'moodle_reqs{outcome:success}': { values: { count: 1000 } },
  'moodle_journeys{journey:other,outcome:success}': { values: { count: 99 } },
};

test('the selectors written by hand are the ones submetric() makes', () => {
  assert.equal(
    submetric('moodle_journey_failures', 'journey', 'forum_reply', 'step', 'post', 'reason', 'form_error'),
    'moodle_journey_failures{journey:forum_reply,step:post,reason:form_error}',
  );
  assert.equal(
    submetric('moodle_journeys', 'journey', 'forum_reply', 'outcome', 'success'),
    'moodle_journeys{journey:forum_reply,outcome:success}',
  );
});

test('per journey: started = completed + failed, failure reasons as "step: reason", latency rounded', () => {
  const s = buildJourneySummary(metrics, JOURNEYS);
  assert.deepEqual(Object.keys(s), ['forum_reply', 'new topics']);
  const r = s.forum_reply;
  assert.ok(r);
  assert.equal(r.kind, 'forum_reply');
  assert.equal(r.completed, 40);
  assert.equal(r.failed, 3);
  assert.equal(r.started, 43);
  assert.deepEqual(r.failure_reasons, { 'discussion: take_missing': 1, 'post: form_error': 2 });
  assert.equal(
    Object.values(r.failure_reasons).reduce((a, b) => a + b, 0),
    r.failed,
    'every failed journey has its step and reason',
  );
  assert.equal(r.latency_ms_p50, 812.35);
  assert.equal(r.latency_ms_p95, 1501);
  assert.equal(r.latency_ms_p99, 2100);
});

test('per step: requests, latency and DB figures of successful steps, failures; null where nothing was measured', () => {
  const steps = buildJourneySummary(metrics, JOURNEYS).forum_reply?.steps;
  assert.ok(steps);
  assert.deepEqual(Object.keys(steps), ['forum', 'discussion', 'reply_form', 'post'], 'in the order the journey goes');
  assert.deepEqual(steps.post, {
    requests: 82,
    latency_ms_p50: 350.13,
    latency_ms_p95: 600,
    latency_ms_p99: 700,
    db_reads_median: 121.5,
    db_writes_median: 14,
    failures: 2,
  });
  assert.deepEqual(steps.forum, {
    requests: 43,
    latency_ms_p50: 200,
    latency_ms_p95: 300,
    latency_ms_p99: 400,
    db_reads_median: null,
    db_writes_median: null,
    failures: 0,
  });
  assert.equal(steps.discussion?.failures, 1);
  assert.equal(steps.discussion?.latency_ms_p50, null, 'no trend in the data');
  assert.equal(steps.reply_form?.latency_ms_p50, null, 'a trend with count 0 is no figure, not 0');
  assert.equal(steps.reply_form?.requests, 42);
});

test('a journey never started: zeros and nulls, every step listed', () => {
  const t = buildJourneySummary(metrics, JOURNEYS)['new topics'];
  assert.ok(t);
  assert.equal(t.kind, 'forum_discussion');
  assert.deepEqual([t.started, t.completed, t.failed], [0, 0, 0]);
  assert.equal(t.latency_ms_p50, null);
  assert.deepEqual(t.failure_reasons, {});
  assert.deepEqual(Object.keys(t.steps), ['forum', 'post']);
  assert.equal(t.steps.post?.requests, 0);
  assert.equal(buildJourneySummary({}, JOURNEYS).forum_reply?.started, 0);
});

test('journeys_created: every kind the journeys create, 0 when none was', () => {
  assert.deepEqual(createdKinds(JOURNEYS), ['forum_discussions', 'forum_posts']);
  assert.deepEqual(buildCreated(metrics, JOURNEYS), { forum_discussions: 0, forum_posts: 41 });
  assert.deepEqual(buildCreated(metrics, []), {});
});

/** Metrics that record every selector and value the summary reads. */
function watched(names: Iterable<string>): { metrics: Record<string, { values: Values }>; read: Map<string, Set<string>> } {
  const read = new Map<string, Set<string>>();
  const data: Record<string, { values: Values }> = {};
  for (const name of names) data[name] = { values: { count: 1, med: 1, 'p(50)': 1, 'p(95)': 1, 'p(99)': 1 } };
  const metrics = new Proxy(data, {
    get(target, key) {
      if (typeof key !== 'string') return undefined;
      if (!read.has(key)) read.set(key, new Set());
      const m = target[key];
      if (m === undefined) return undefined;
      return {
        values: new Proxy(m.values, {
          get(v, stat) {
            if (typeof stat === 'string') read.get(key)?.add(stat);
            return v[stat as string];
          },
        }),
      };
    },
  });
  return { metrics, read };
}

test('journeySubmetrics names every submetric the summary reads, trends as trends', () => {
  const listed = journeySubmetrics(JOURNEYS);
  const names = listed.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, 'no name twice');
  const { metrics: m, read } = watched(names);
  buildJourneySummary(m, JOURNEYS);
  buildCreated(m, JOURNEYS);
  const missing = [...read.keys()].filter((name) => !names.includes(name));
  assert.deepEqual(missing, [], 'read by the summary but not tracked by k6');
  // Every listed one is read: nothing is tracked for nothing.
  assert.deepEqual(
    names.filter((name) => !read.has(name)),
    [],
  );
  // A trend is listed as one exactly when the summary reads a statistic other than count from it.
  for (const { name, trend: isTrend } of listed) {
    const stats = [...(read.get(name) ?? [])].filter((s) => s !== 'count');
    assert.equal(isTrend, stats.length > 0, `${name}: ${[...(read.get(name) ?? [])].join(', ')}`);
  }
  // Every reason a step can fail with is tracked for every step.
  for (const j of JOURNEYS)
    for (const step of j.steps)
      for (const reason of JOURNEY_FAILURE_REASONS)
        assert.ok(names.includes(submetric('moodle_journey_failures', 'journey', j.name, 'step', step.name, 'reason', reason)));
  // And the hand-written metrics above are all among them (but the ones of other metrics and journeys).
  assert.deepEqual(
    Object.keys(metrics).filter((name) => !names.includes(name)),
    ['moodle_reqs{outcome:success}', 'moodle_journeys{journey:other,outcome:success}'],
  );
});

test('the request plan picks a journey by its weight among the urls: weight 3 to 1 is 75%', () => {
  const c = validateConfig({
    base_url: 'http://m.test',
    users: [{ username: 'u', password: 'p' }],
    urls: [{ path: '/my/', weight: 1 }],
    journeys: [{ journey: 'quiz_attempt', params: { quiz: 300 }, weight: 3 }],
  });
  const plan = new RequestPlan(
    c.endpoints,
    c.parameters,
    c.journeys.map((j) => j.weight),
  );
  const N = 20_000;
  let journeys = 0;
  for (let i = 0; i < N; i++) {
    const p = plan.pick(7, i);
    if (p.journeyIndex >= 0) {
      journeys++;
      assert.deepEqual(p, { endpointIndex: -1, path: '', journeyIndex: 0 });
    } else assert.deepEqual(p, { endpointIndex: 0, path: '/my/', journeyIndex: -1 });
  }
  const share = (journeys / N) * 100;
  assert.ok(Math.abs(share - 75) <= 1.5, `${share.toFixed(2)}% journeys`);
});

test('the request plan: journeyIndex is the index in config.journeys, after every url; none without journeys', () => {
  const c = validateConfig({
    base_url: 'http://m.test',
    users: [{ username: 'u', password: 'p' }],
    parameters: { id: { min: 2, max: 3 } },
    urls: [{ path: '/a' }, { path: '/b?id={id}', weight: 2 }],
    journeys: [
      { journey: 'forum_reply', params: { forum: 1 }, weight: 2 },
      { journey: 'quiz_attempt', params: { quiz: 2 }, weight: 1 },
    ],
  });
  const plan = new RequestPlan(
    c.endpoints,
    c.parameters,
    c.journeys.map((j) => j.weight),
  );
  const counts = { a: 0, b: 0, reply: 0, quiz: 0 };
  for (let i = 0; i < 12_000; i++) {
    const p = plan.pick(3, i);
    assert.ok((p.endpointIndex === -1) !== (p.journeyIndex === -1), 'a url or a journey, never both');
    if (p.journeyIndex === 0) counts.reply++;
    else if (p.journeyIndex === 1) counts.quiz++;
    else if (p.endpointIndex === 0) counts.a++;
    else {
      assert.equal(p.endpointIndex, 1);
      assert.match(p.path, /^\/b\?id=[23]$/);
      counts.b++;
    }
  }
  // Weights 1, 2, 2, 1 of 6.
  for (const [name, expected] of Object.entries({ a: 2000, b: 4000, reply: 4000, quiz: 2000 }))
    assert.ok(Math.abs(counts[name as keyof typeof counts] - expected) < 300, `${name}: ${JSON.stringify(counts)}`);
  // Only journeys: every pick is one.
  const only = validateConfig({
    base_url: 'http://m.test',
    users: [{ username: 'u', password: 'p' }],
    urls: [],
    journeys: [{ journey: 'forum_reply', params: { forum: 1 } }],
  });
  const onlyPlan = new RequestPlan(only.endpoints, only.parameters, [1]);
  for (let i = 0; i < 1000; i++) assert.deepEqual(onlyPlan.pick(1, i), { endpointIndex: -1, path: '', journeyIndex: 0 });
  // No journeys given: the plan of urls alone, as before journeys.
  const urlsOnly = new RequestPlan(c.endpoints, c.parameters);
  for (let i = 0; i < 1000; i++) assert.equal(urlsOnly.pick(3, i).journeyIndex, -1);
});
