// PHP-FPM's worker pool (pm.max_children): at most `size` requests run PHP at once; the others wait
// in the listen queue and are taken first come, first served. A worker is held from the moment PHP
// starts until the response is sent, session lock wait included, as PHP blocks in session_start().
export class WorkerPool {
  private busy = 0;
  private readonly queue: (() => void)[] = [];
  /** Requests that found every worker busy. */
  waits = 0;
  /** Most requests ever waiting at once. */
  maxQueued = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`a worker pool needs at least one worker, not ${size}`);
  }

  /** Resolves with the release of a worker once one is free. */
  async take(): Promise<() => void> {
    if (this.busy < this.size) this.busy++;
    else {
      this.waits++;
      // The worker is handed over by release(), so busy stays the same.
      await new Promise<void>((resolve) => {
        this.queue.push(resolve);
        this.maxQueued = Math.max(this.maxQueued, this.queue.length);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.busy--;
    };
  }

  /** Requests running now, and waiting now. */
  get running(): number {
    return this.busy;
  }

  get queued(): number {
    return this.queue.length;
  }

  resetCounts(): void {
    this.waits = 0;
    this.maxQueued = this.queue.length;
  }
}
