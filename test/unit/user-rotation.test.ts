import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { blocksNeeded, LASTACCESS_UPDATE_SECS, rotateUsers, userBlock } from '../../cli/user-rotation';

test("consecutive runs get other users, and a block rests longer than Moodle's last-access minute", () => {
  const runSec = 35;
  const blocks = 20;
  // Runs start at least runSec apart: simulate back-to-back runs with some slack.
  const starts = Array.from({ length: 60 }, (_, i) => 1_700_000_000 + i * (runSec + 2));
  const lastUse = new Map<number, number>();
  for (const t of starts) {
    const b = userBlock(t, runSec, blocks);
    assert.ok(b >= 1 && b < blocks, 'block 0 (plain runs) is left out');
    const prev = lastUse.get(b);
    if (prev !== undefined) assert.ok(t - (prev + runSec) > LASTACCESS_UPDATE_SECS, `block ${b} reused ${t - prev} s after its run began`);
    lastUse.set(b, t);
  }
  assert.equal(blocksNeeded(35), 5);
  assert.equal(blocksNeeded(120), 4);
});

test("rotateUsers: this run's block first, users file inlined in a private copy; too few users: the config as given, with a warning", () => {
  const dir = mkdtempSync(join(tmpdir(), 'rot-'));
  writeFileSync(join(dir, 'users.csv'), Array.from({ length: 30 }, (_, i) => `u${i},p${i}`).join('\n') + '\n');
  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ base_url: 'http://127.0.0.1:1', users_file: 'users.csv', urls: [{ path: '/my/' }] }));
  const r = rotateUsers(config, 5, 35, 35 * 3, dir);
  assert.equal(r.blocks, 6);
  assert.equal(r.block, userBlock(35 * 3, 35, 6));
  const written = JSON.parse(readFileSync(r.configPath, 'utf8'));
  assert.equal(written.users_file, undefined);
  assert.deepEqual(written.users.slice(0, 2), [
    { username: `u${r.block * 5}`, password: `p${r.block * 5}` },
    { username: `u${r.block * 5 + 1}`, password: `p${r.block * 5 + 1}` },
  ]);
  assert.equal(written.users.length, 30);
  assert.equal(statSync(r.configPath).mode & 0o777, 0o600);
  const few = rotateUsers(config, 10, 35, 0, dir);
  assert.equal(few.configPath, config);
  assert.match(few.warning as string, /30 users for 10 VUs: runs share users.*at least 50 users/);
});
