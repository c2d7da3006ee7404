import { asyncScheduler, type SchedulerLike } from "rxjs";

/**
 * The simulator's notion of time. Under a virtual-time scheduler
 * (TestScheduler, VirtualTimeScheduler) time is the scheduler's clock, read
 * as milliseconds, so tests are exact. In real time it is the process's
 * monotonic clock, like the native layer's CLOCK_MONOTONIC stamps.
 */
export class SimClock {
  readonly scheduler: SchedulerLike;
  private readonly realTime: boolean;
  /** The last virtual time converted to ns, reused while the clock has not moved. */
  private lastMs = Number.NaN;
  private lastNs = 0n;

  constructor(scheduler?: SchedulerLike) {
    this.scheduler = scheduler ?? asyncScheduler;
    this.realTime = scheduler === undefined;
  }

  /** Milliseconds, monotonic. */
  nowMs(): number {
    return this.realTime ? performance.now() : this.scheduler.now();
  }

  /** Nanoseconds, monotonic, as IrqEvent.time carries them. */
  nowNs(): bigint {
    if (this.realTime) return process.hrtime.bigint();
    // Virtual clocks move in steps (whole ms for Date.now-based schedulers):
    // every wake-up within one step gets the same stamp, so convert once per step.
    const ms = this.scheduler.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastNs = BigInt(Math.round(ms * 1e6));
    }
    return this.lastNs;
  }
}
