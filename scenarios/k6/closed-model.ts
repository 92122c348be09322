// The closed model (--think-time): each user arrives (logs in) at its moment of the ramp, then
// requests, thinks, requests again. A VU runs the action of whichever of its users is due
// first, sleeping until then; an action that starts later than due (the VU was busy with
// another user) is measured, never hidden (USER_START_DELAY).
import { sleep } from 'k6';
import { arrivalMs, earliestDue, rampSecOf, thinkMs, userIteration, usersOf } from '../../lib/user-schedule';
import * as metrics from './metrics';
import type { RequestRunner } from './request-runner';
import type { RunContext } from './run-context';
import type { UserPool } from './user-pool';
import type { VuSession } from './vu-session';
import * as vuStats from './vu-stats';

/** When no user is due before the phase ends, the iteration waits in steps this long (k6 ends the VU meanwhile). */
const IDLE_STEP_SEC = 0.25;
/** --stream-stats: every action ending this close to the phase's end reports its figures at once. */
const FINAL_WINDOW_MS = 1000;

export class ClosedModel {
  /** Epoch ms at which each of the VU's users acts next. */
  private readonly due: number[] = [];
  /** Requests each user has made (its think-time and URL draws are numbered by it). */
  private readonly done: number[] = [];
  private readonly arrived: boolean[] = [];
  private readonly users: number;
  private readonly think: readonly [number, number];
  private readonly endMs: number;

  constructor(
    ctx: RunContext,
    private readonly pool: UserPool,
    private readonly seed: number,
    loadStartMs: number,
  ) {
    this.users = usersOf(ctx.settings);
    this.think = ctx.settings.thinkTimeSec as readonly [number, number];
    this.endMs = loadStartMs + ctx.settings.durationSec * 1000;
    const ramp = rampSecOf(ctx.settings);
    for (const id of pool.ids) {
      this.due.push(loadStartMs + arrivalMs(id, this.users, ramp));
      this.done.push(0);
      this.arrived.push(false);
    }
  }

  /** One k6 iteration: the next due user's arrival or request. */
  iteration(runner: RequestRunner): void {
    const k = earliestDue(this.due);
    const at = this.due[k] as number;
    const now = Date.now();
    if (at >= this.endMs) {
      // Nothing more of this VU's users in the phase: --stream-stats's figures go now.
      vuStats.report();
      sleep(Math.max(IDLE_STEP_SEC, (this.endMs - now) / 1000));
      return;
    }
    if (at > now) sleep((at - now) / 1000);
    const id = this.pool.ids[k] as number;
    const session = this.pool.sessions[k] as VuSession;
    if (!this.arrived[k]) {
      this.arrived[k] = true;
      session.loginPhase();
      this.due[k] = Date.now() + thinkMs(this.seed, this.think, id, 0, this.users);
      vuStats.reportIfDue(this.endMs - FINAL_WINDOW_MS);
      return;
    }
    const n = this.done[k] as number;
    metrics.userStartDelay.add(Math.max(0, Date.now() - at));
    runner.run(session, this.seed, 'load', userIteration(id, n, this.users));
    const end = Date.now();
    if (end > this.endMs - FINAL_WINDOW_MS) metrics.loadEnd.add(end);
    this.done[k] = n + 1;
    this.due[k] = end + thinkMs(this.seed, this.think, id, n + 1, this.users);
    // An action ending in the phase's last second may be the VU's last iteration (k6 starts no other after it).
    vuStats.reportIfDue(this.endMs - FINAL_WINDOW_MS);
  }
}
