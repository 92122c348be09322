import assert from 'node:assert/strict';

/** Like assert.throws, but matches the message itself (so ^ anchors mean the message start). */
export function throwsMessage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.match(e.message, pattern);
    return true;
  });
}
