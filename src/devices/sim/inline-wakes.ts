/**
 * Wake-ups run inside the interrupt that caused them, with queueScheduler's
 * trampolining but without its action per wake-up (an allocation and a
 * dozen calls, about a tenth of the simulator's cost per event): the
 * simulator uses this on queueScheduler with no wake latency, where a
 * scheduled action would run synchronously anyway. A wake-up that falls due
 * while another is being delivered (a listener that acks by raising the
 * next interrupt) runs after that delivery returns, never inside it, so
 * listeners are not re-entered.
 *
 * The queue is intrusive (each wake-up links to the next), so queueing
 * allocates nothing. A wake-up is queued at most once at a time: its owner
 * keeps a "due" flag, as it does for a scheduled action.
 */
export interface InlineWake {
  /** The next wake-up in the queue; owned by InlineWakes. */
  nextWake: InlineWake | undefined;
  /** Deliver. */
  run(): void;
  /** Dropped undelivered (a listener before it threw): clear the due flag. */
  drop(): void;
}

export class InlineWakes {
  private first: InlineWake | undefined;
  private last: InlineWake | undefined;
  private running = false;

  /** Queue a wake-up (run() delivers it). */
  add(wake: InlineWake): void {
    wake.nextWake = undefined;
    if (this.last) this.last.nextWake = wake;
    else this.first = wake;
    this.last = wake;
  }

  /** Deliver every queued wake-up, and those queued meanwhile; a no-op while already delivering. */
  run(): void {
    if (this.running) return;
    this.running = true;
    try {
      for (let wake = this.take(); wake; wake = this.take()) wake.run();
    } catch (err) {
      // A listener threw: the error leaves through the interrupt, as it would
      // out of queueScheduler. The wake-ups behind it are dropped, not their
      // interrupts: each can fall due again, and its next event counts them
      // as missed.
      for (let wake = this.take(); wake; wake = this.take()) wake.drop();
      throw err;
    } finally {
      this.running = false;
    }
  }

  private take(): InlineWake | undefined {
    const wake = this.first;
    if (!wake) return undefined;
    this.first = wake.nextWake;
    if (!this.first) this.last = undefined;
    wake.nextWake = undefined;
    return wake;
  }
}
