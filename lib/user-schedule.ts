// Which users a VU serves and when each acts: pure arithmetic, shared by the k6 script and the
// tests. A user is not a VU: users are numbered 0..users-1 and VU v (1-based) serves v-1,
// v-1+vus, v-1+2*vus, ... so every user belongs to exactly one VU and Moodle never sees two
// requests of one session at once (a VU sends one request at a time). Every VU loads this file:
// it imports no code of run-settings.ts (the settings table stays in the first init context's file).
import { uniform } from './random';
import type { RunSettings } from './run-settings';

/** Users in the run: --users, or one per VU. */
export function usersOf(s: Pick<RunSettings, 'users' | 'concurrency'>): number {
  return s.users ?? s.concurrency;
}

/** Closed model: seconds over which the users arrive, --ramp or a round of --login-concurrency users a second. */
export function rampSecOf(s: Pick<RunSettings, 'users' | 'concurrency' | 'rampSec' | 'loginConcurrency'>): number {
  return s.rampSec ?? Math.ceil(usersOf(s) / s.loginConcurrency);
}

/** Users VU `vuId` (1-based) serves, in the order it logs them in. */
export function usersOfVu(vuId: number, vus: number, users: number): number[] {
  const out: number[] = [];
  for (let u = vuId - 1; u < users; u += vus) out.push(u);
  return out;
}

/** Keeps think-time draws apart from the URL draws of the same seed. */
const THINK_SALT = 0x27d4eb2f;

/**
 * Think time in ms before user `user`'s request number `n` (0 = the one after its login): a
 * uniform draw from [min, max] seconds, the same for the same seed, user and n however the
 * requests interleave.
 */
export function thinkMs(seed: number, thinkSec: readonly [number, number], user: number, n: number, users: number): number {
  const [min, max] = thinkSec;
  if (max === min) return min * 1000;
  return (min + (max - min) * uniform((seed ^ THINK_SALT) >>> 0, n * users + user, 0)) * 1000;
}

/** Closed model: ms after the phase start at which user `user` arrives (logs in), evenly over the ramp. */
export function arrivalMs(user: number, users: number, rampSec: number): number {
  return users <= 1 ? 0 : Math.floor((user * rampSec * 1000) / users);
}

/** The URL-draw key of user `user`'s request number `n`: distinct for every (user, n), whatever the timing. */
export function userIteration(user: number, n: number, users: number): number {
  return n * users + user;
}

/** Index of the entry with the smallest due time (the first of equals); -1 when empty. */
export function earliestDue(due: readonly number[]): number {
  let best = -1;
  let at = Infinity;
  for (let i = 0; i < due.length; i++) {
    const d = due[i] as number;
    if (d < at) {
      at = d;
      best = i;
    }
  }
  return best;
}
