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
    return this.realTime ? process.hrtime.bigint() : BigInt(Math.round(this.scheduler.now() * 1e6));
  }
}
