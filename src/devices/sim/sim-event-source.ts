import type { SchedulerAction, Subscription } from "rxjs";
import { RxuioError } from "../../errors.js";
import type {
  EventListener,
  EventMode,
  EventSource,
  EventWatch,
  EventWatchOptions,
  IrqSnapshot,
  Region,
  SnapshotRegister,
} from "../backend.js";
import { readAtWidth } from "../region-width.js";
import type { IrqLine } from "./irq-line.js";
import type { SimClock } from "./sim-clock.js";

/**
 * The simulator's /dev/uioN event side. Each watch is one open file: it
 * starts at the count of the moment it opened and computes `missed` from
 * the jump at each wake-up, exactly as a 4-byte read would. Wake-ups are
 * scheduled on the clock's scheduler (after `wakeLatency` ms), so every
 * interrupt that lands before the consumer runs is folded into one wake-up,
 * as with a real, busy JS thread.
 *
 * Modes: "epoll" gives each watch its own readiness; "sigio" models
 * fcntl(O_ASYNC): one process-wide signal per device that coalesces while
 * pending, whose handler reads every SIGIO watch non-blockingly.
 *
 * This is the simulator's per-interrupt path (the pipeline benchmark runs
 * millions of interrupts through it), so an interrupt allocates only what
 * the consumer may keep — the event, its values and its batch, fresh each
 * wake-up because a listener may hold on to them — plus the scheduler's
 * action; the work it runs is one shared function, not a closure.
 */
class Watch implements EventWatch {
  lastSeen: number;
  /** A wake-up is scheduled and has not run: interrupts until then fold into it. */
  due = false;
  /** That wake-up's action, kept to cancel it on stop (unset when it ran synchronously). */
  pending: Subscription | undefined;
  stopped = false;

  constructor(
    readonly source: SimEventSource,
    readonly listener: EventListener,
    /** The region of each snapshot register, looked up once at watch time. */
    readonly snapshotRegions: readonly Region[],
    readonly snapshot: readonly SnapshotRegister[],
    readonly mode: EventMode,
    count: number,
  ) {
    this.lastSeen = count;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.due = false;
    this.pending?.unsubscribe();
    this.pending = undefined;
    this.source.forget(this);
  }
}

/** One epoll watch's wake-up, as scheduler work (its state is the watch). */
function wakeWatch(this: SchedulerAction<Watch>, watch: Watch | undefined): void {
  watch?.source.wake(watch);
}

/** The device's SIGIO handler, as scheduler work (its state is the source). */
function deliverSignal(
  this: SchedulerAction<SimEventSource>,
  source: SimEventSource | undefined,
): void {
  source?.signal();
}

export class SimEventSource implements EventSource {
  readonly modes: readonly EventMode[] = ["epoll", "sigio"];
  private readonly watches = new Set<Watch>();
  /** How many watches are in "sigio" mode (so an interrupt need not look). */
  private sigioWatches = 0;
  private signalDue = false;
  private signalPending: Subscription | undefined;
  private line: IrqLine | undefined;
  private failure: RxuioError | undefined;

  constructor(
    private readonly clock: SimClock,
    private readonly regions: readonly Region[],
    private readonly wakeLatency: number,
  ) {}

  get hasIrq(): boolean {
    return this.line !== undefined;
  }

  /** Connect the device's line; a source never connected has no IRQ. */
  connect(line: IrqLine): void {
    this.line = line;
  }

  watch(listener: EventListener, options: EventWatchOptions = {}): EventWatch {
    if (this.failure) throw this.failure;
    if (!this.line) {
      throw new RxuioError("ENOSYS", "this device has no interrupt", {
        hint: "Poll its registers instead (poll())",
      });
    }
    const mode = options.mode ?? "epoll";
    if (!this.modes.includes(mode)) {
      throw new RxuioError("EINVAL", `unknown event mode "${String(mode)}"`, {
        value: mode,
        hint: 'Use "epoll" or "sigio"',
      });
    }
    const snapshot = options.snapshot ?? [];
    const snapshotRegions = snapshot.map((reg) => {
      // Fail at watch time, like the native layer validating its read list.
      const region = this.regions[reg.region];
      if (!region) {
        throw new RxuioError(
          "ERANGE",
          `snapshot register names region ${reg.region}, which does not exist`,
          {
            value: reg,
            hint: `Use a region index below ${this.regions.length}`,
          },
        );
      }
      return region;
    });
    const watch = new Watch(this, listener, snapshotRegions, snapshot, mode, this.line.count);
    this.watches.add(watch);
    if (mode === "sigio") this.sigioWatches++;
    return watch;
  }

  forget(watch: Watch): void {
    if (this.watches.delete(watch) && watch.mode === "sigio") this.sigioWatches--;
  }

  /** The line counted an interrupt: wake the waiters. */
  interrupted(): void {
    const { scheduler } = this.clock;
    for (const watch of this.watches) {
      if (watch.mode === "epoll" && !watch.due) {
        watch.due = true;
        const action = scheduler.schedule(wakeWatch, this.wakeLatency, watch);
        // A synchronous scheduler (queueScheduler) has run the wake-up inside
        // schedule(); keeping its spent action would only pin it.
        if (watch.due) watch.pending = action;
      }
    }
    if (this.sigioWatches > 0 && !this.signalDue) {
      this.signalDue = true;
      const action = scheduler.schedule(deliverSignal, this.wakeLatency, this);
      if (this.signalDue) this.signalPending = action;
    }
  }

  /** Stop every watch; with a reason, tell their listeners first (unplug, I/O error). */
  shutdown(reason: RxuioError | undefined): void {
    this.failure = reason;
    const watches = [...this.watches];
    for (const watch of watches) watch.stop();
    this.signalDue = false;
    this.signalPending?.unsubscribe();
    this.signalPending = undefined;
    if (reason) for (const watch of watches) watch.listener.error(reason);
  }

  /** The SIGIO handler: read every SIGIO watch once (the signal coalesced the rest). */
  signal(): void {
    this.signalDue = false;
    this.signalPending = undefined;
    for (const watch of [...this.watches]) if (watch.mode === "sigio") this.wake(watch);
  }

  /** One watch's non-blocking read of the count, delivered as one event. */
  wake(watch: Watch): void {
    watch.due = false;
    watch.pending = undefined;
    if (watch.stopped || !this.line) return;
    const count = this.line.count;
    const delta = (count - watch.lastSeen) | 0;
    // Nothing new (EAGAIN on the non-blocking read): a coalesced signal or a
    // wake-up for interrupts another read already consumed.
    if (delta === 0) return;
    watch.lastSeen = count;
    const { snapshot, snapshotRegions } = watch;
    const values = new Array<number | bigint>(snapshot.length);
    try {
      for (let i = 0; i < snapshot.length; i++) {
        const reg = snapshot[i] as SnapshotRegister;
        values[i] = readAtWidth(snapshotRegions[i] as Region, reg.offset, reg.width);
      }
    } catch (err) {
      watch.stop();
      watch.listener.error(err as RxuioError);
      return;
    }
    const event: IrqSnapshot = { count, missed: delta - 1, time: this.clock.nowNs(), values };
    watch.listener.next([event]);
  }
}
