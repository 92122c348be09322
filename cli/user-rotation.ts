// Fresh users for each bisect-check run. Moodle updates a user's last access to a course at most
// once a minute (LASTACCESS_UPDATE_SECS in lib/datalib.php, user_accesstime_log()); a session whose
// user was active less than a minute ago skips the update and re-reads `user_lastaccess` on every
// course page until that minute is over. Measured on Moodle 4.5.6: course view 33 reads instead of
// 31, a page 33 instead of 32, a forum 81 instead of 80, for whole runs or half of one, depending
// only on when the previous run ended. Giving each run users that were idle for longer than that
// makes every session do its update on its first course page (a one-off) and read the same after.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../lib/config';
import { resolveBeside } from '../lib/paths';

/** Moodle's LASTACCESS_UPDATE_SECS. */
export const LASTACCESS_UPDATE_SECS = 60;

export interface Rotation {
  /** The config to run with (the given one when there are too few users to rotate). */
  readonly configPath: string;
  /** Which block of `vus` users this run logs in as, of how many. */
  readonly block: number;
  readonly blocks: number;
  /** Set when the users cannot be kept apart: why. */
  readonly warning?: string;
}

/**
 * The block of users for a run starting at `nowSec` that lasts at least `runSec`: consecutive runs
 * fall in different blocks (they start at least runSec apart) and a block comes back only after
 * (blocks - 2) x runSec seconds (block 0 is left out), which must leave its users idle for more than a minute.
 */
export function userBlock(nowSec: number, runSec: number, blocks: number): number {
  // Block 0 (the first users) is what plain runs log in as: bisect runs keep off it.
  return 1 + (Math.floor(nowSec / runSec) % (blocks - 1));
}

/** Blocks needed so a block's users rest LASTACCESS_UPDATE_SECS between its runs. */
export function blocksNeeded(runSec: number): number {
  return 3 + Math.ceil(LASTACCESS_UPDATE_SECS / runSec);
}

/** Writes a copy of the config whose user list starts with this run's block (VU n logs in as user n). */
export function rotateUsers(configPath: string, vus: number, runSec: number, nowSec: number, dir: string): Rotation {
  const text = readFileSync(configPath, 'utf8');
  const users = parseConfigText(text, (file) => readFileSync(resolveBeside(configPath, file), 'utf8')).users;
  const blocks = Math.floor(users.length / vus);
  const needed = blocksNeeded(runSec);
  if (blocks < needed)
    return {
      configPath,
      block: 0,
      blocks: 1,
      warning: `${users.length} users for ${vus} VUs: runs share users, and Moodle's once-a-minute last-access update can then move course pages' DB reads by 1-2 between runs (give at least ${needed * vus} users)`,
    };
  const block = userBlock(nowSec, runSec, blocks);
  const raw = JSON.parse(text) as Record<string, unknown>;
  delete raw.users_file;
  raw.users = [...users.slice(block * vus), ...users.slice(0, block * vus)];
  const path = join(dir, 'config-rotated.json');
  // Holds passwords: readable by this user only, and removed by the caller after the run.
  writeFileSync(path, JSON.stringify(raw), { mode: 0o600 });
  return { configPath: path, block, blocks };
}
