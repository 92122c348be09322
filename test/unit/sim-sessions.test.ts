// The simulator's sessions: Moodle's session lock runs the requests of one session one after
// another (the load generator's per-session figures depend on it) while sessions go on side by
// side; login regenerates the session id; the secrets handed out are recorded only when asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counters } from '../../sim/counters';
import { leaveSession, LockTurn, NOT_HELD, queueOnSession, Session, SessionStore } from '../../sim/sessions';

const turn = (session: Session): LockTurn => ({ session, queued: false, release: NOT_HELD });

/** Queues a request and notes, in `log`, when it holds the lock. */
function arrive(t: LockTurn, counters: Counters, log: string[], name: string): Promise<void> {
  return queueOnSession(t, counters).then(() => void log.push(name));
}

test('the session lock: requests of one session run one at a time in arrival order; another session does not wait', async () => {
  const store = new SessionStore(false);
  const counters = new Counters();
  const [one, two] = [store.open(), store.open()];
  const log: string[] = [];
  const a = turn(one);
  const b = turn(one);
  const c = turn(one);
  const other = turn(two);
  const held = [
    arrive(a, counters, log, 'a'),
    arrive(b, counters, log, 'b'),
    arrive(c, counters, log, 'c'),
    arrive(other, counters, log, 'other'),
  ];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['a', 'other'], 'b and c wait for a; the other session does not');
  assert.deepEqual([a.queued, b.queued, c.queued, other.queued], [false, true, true, false]);
  leaveSession(a);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['a', 'other', 'b']);
  leaveSession(b);
  leaveSession(other);
  await Promise.all(held);
  assert.deepEqual(log, ['a', 'other', 'b', 'c']);
  leaveSession(c);
  assert.equal(counters.sessionLockWaits, 2);
  assert.equal(counters.maxConcurrentPerSession, 3);
  assert.equal(one.inflight + two.inflight, 0);

  const later = turn(one);
  await queueOnSession(later, counters);
  assert.equal(later.queued, false, 'once all have left, the next request does not wait');
  assert.equal(counters.sessionLockWaits, 2);
});

test('login regenerates the session id: the old id is dead, the page asked for is kept', () => {
  const store = new SessionStore(false);
  const old = store.open();
  old.wantsUrl = '/course/view.php?id=3';
  const fresh = store.regenerate(old);
  assert.notEqual(fresh.id, old.id);
  assert.equal(store.get(old.id), undefined);
  assert.equal(store.get(fresh.id), fresh);
  assert.equal(fresh.wantsUrl, '/course/view.php?id=3');
  assert.match(fresh.id, /^[0-9a-f]{26}$/);
  assert.match(fresh.sesskey, /^[0-9a-f]{10}$/);
  store.killAll();
  assert.equal(store.size, 0);
});

test('secrets: session ids, sesskeys and tokens are recorded only with recordSecrets', () => {
  const recording = new SessionStore(true);
  const s = recording.open();
  const token = recording.newSecret(16);
  assert.match(token, /^[0-9a-f]{32}$/);
  assert.deepEqual(recording.secretsIssued(), [s.id, s.sesskey, token]);
  const quiet = new SessionStore(false);
  quiet.open();
  quiet.newSecret(16);
  assert.deepEqual(quiet.secretsIssued(), []);
});
