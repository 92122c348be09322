import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evenSegments, segmentShare } from '../../lib/segments';

test('n even segments cover the test once', () => {
  assert.deepEqual(evenSegments(1), { segments: ['0:1'], sequence: '0,1' });
  assert.deepEqual(evenSegments(3), { segments: ['0:1/3', '1/3:2/3', '2/3:1'], sequence: '0,1/3,2/3,1' });
  const total = evenSegments(4).segments.reduce((sum, s) => sum + segmentShare(s), 0);
  assert.ok(Math.abs(total - 1) < 1e-12);
});

test('shares in the forms k6 accepts', () => {
  assert.equal(segmentShare('1/2:1'), 0.5);
  assert.equal(segmentShare('0:0.25'), 0.25);
  assert.equal(segmentShare('50%:100%'), 0.5);
  assert.throws(() => segmentShare('1:0'), /not an execution segment/);
});
