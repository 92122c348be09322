import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, parseRetryAfterMs } from '../../lib/retry';

const policy = { retries: 5, baseMs: 100, capMs: 1000 };

test('full jitter: uniform in [0, base * 2^attempt), capped', () => {
  assert.equal(backoffMs(policy, 0, 0, null), 0);
  assert.equal(backoffMs(policy, 0, 0.5, null), 50);
  assert.equal(backoffMs(policy, 2, 0.5, null), 200);
  assert.equal(backoffMs(policy, 10, 0.999, null), 999, 'cap');
});

test('Retry-After wins when it asks for longer, but never past the cap', () => {
  assert.equal(backoffMs(policy, 0, 0.5, 300), 300);
  assert.equal(backoffMs(policy, 3, 0.9, 300), 720);
  assert.equal(backoffMs(policy, 0, 0.5, 60_000), 1000);
});

test('Retry-After in seconds or as an HTTP date', () => {
  assert.equal(parseRetryAfterMs('2', 0), 2000);
  assert.equal(parseRetryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 1000), 4000);
  assert.equal(parseRetryAfterMs('soon', 0), null);
  assert.equal(parseRetryAfterMs(undefined, 0), null);
});
