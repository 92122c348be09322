import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../lib/config';
import { mul32, uniform, uniformInt } from '../../lib/random';
import { RequestPlan } from '../../lib/request-plan';

const config = validateConfig({
  base_url: 'http://127.0.0.1',
  users: [{ username: 'u', password: 'p' }],
  parameters: { a: { min: 2, max: 4 }, b: { min: -1, max: -1 } },
  urls: [
    { path: '/one?id={a}&b={b}', weight: 1 },
    { path: '/three', weight: 3 },
  ],
});

test('uniform is in [0, 1) and a pure function of its inputs', () => {
  for (let i = 0; i < 10000; i++) {
    const u = uniform(42, i, 0);
    assert.ok(u >= 0 && u < 1);
    assert.equal(u, uniform(42, i, 0));
  }
  assert.notEqual(uniform(42, 1, 0), uniform(43, 1, 0));
  assert.notEqual(uniform(42, 1, 0), uniform(42, 1, 1));
  assert.notEqual(uniform(42, 2 ** 32 + 1, 0), uniform(42, 1, 0), 'iterations past 2^32 do not wrap');
});

test('the arithmetic 32-bit multiply equals Math.imul (unsigned)', () => {
  const constants = [0x7feb352d, 0x846ca68b, 0xffffffff, 1, 0];
  for (let i = 0; i < 20000; i++) {
    const a = Math.floor(uniform(99, i, 0) * 4294967296);
    for (const b of constants) assert.equal(mul32(a, b >>> 16, b & 0xffff), Math.imul(a, b) >>> 0, `${a} * ${b}`);
  }
  assert.equal(mul32(0xffffffff, 0xffff, 0xffff), 1);
});

test('uniformInt covers min and max inclusively and nothing outside', () => {
  const seen = new Map<number, number>();
  for (let i = 0; i < 6000; i++) {
    const v = uniformInt(7, i, 1, 2, 4);
    seen.set(v, (seen.get(v) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), [2, 3, 4]);
  for (const n of seen.values()) assert.ok(Math.abs(n - 2000) < 200, `roughly uniform: ${[...seen.entries()]}`);
});

test('the plan is the same for the same seed and iteration, whatever the order of calls', () => {
  const plan = new RequestPlan(config.endpoints, config.parameters);
  const forward = Array.from({ length: 200 }, (_, i) => plan.pick(9, i).path);
  const backward = Array.from({ length: 200 }, (_, i) => plan.pick(9, 199 - i).path).reverse();
  assert.deepEqual(forward, backward);
  const other = Array.from({ length: 200 }, (_, i) => plan.pick(10, i).path);
  assert.notDeepEqual(forward, other);
});

test('rendered URLs use the ranges; weights set the shares', () => {
  const plan = new RequestPlan(config.endpoints, config.parameters);
  let three = 0;
  const n = 8000;
  for (let i = 0; i < n; i++) {
    const p = plan.pick(1, i);
    if (p.endpointIndex === 1) {
      three++;
      assert.equal(p.path, '/three');
    } else assert.match(p.path, /^\/one\?id=[234]&b=-1$/);
  }
  assert.ok(Math.abs(three / n - 0.75) < 0.02, `share of weight 3 of 4: ${three / n}`);
});
