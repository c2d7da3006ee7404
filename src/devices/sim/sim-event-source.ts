import type { Subscription } from "rxjs";
import { RxuioError } from "../../errors.js";
import type {
  EventListener,
  EventMode,
  EventSource,
  EventWatch,
  EventWatchOptions,
  IrqSnapshot,
  Region,
  ServicePlan,
  SnapshotRegister,
} from "../backend.js";
import { readAtWidth, writeAtWidth } from "../region-width.js";
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
 */
class Watch implements EventWatch {
  lastSeen: number;
  pending: Subscription | undefined;
  stopped = false;

  constructor(
    private readonly source: SimEventSource,
    readonly listener: EventListener,
    readonly snapshot: readonly SnapshotRegister[],
    readonly mode: EventMode,
    count: number,
    readonly service?: ServicePlan,
  ) {
    this.lastSeen = count;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending?.unsubscribe();
    this.source.forget(this);
  }
}

export class SimEventSource implements EventSource {
  readonly modes: readonly EventMode[] = ["epoll", "sigio"];
  private readonly watches = new Set<Watch>();
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
    for (const reg of snapshot) {
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
    }
    const service = options.service;
    if (service && [...this.watches].some((w) => w.service)) {
      throw new RxuioError("EINVAL", "this device already has a serviced watch", {
        hint: "Two service plans would ack and re-arm every interrupt twice; share the one serviced stream, or stop it first",
      });
    }
    const watch = new Watch(this, listener, snapshot, mode, this.line.count, service);
    this.watches.add(watch);
    return watch;
  }

  forget(watch: Watch): void {
    this.watches.delete(watch);
  }

  /** The line counted an interrupt: wake the waiters. */
  interrupted(): void {
    const { scheduler } = this.clock;
    for (const watch of this.watches) {
      if (watch.mode === "epoll" && !watch.pending) {
        // A synchronous scheduler (queueScheduler) runs the wake-up inside
        // schedule(); keeping its action as "pending" would stall the watch.
        let woke = false;
        const pending = scheduler.schedule(() => {
          woke = true;
          this.wake(watch);
        }, this.wakeLatency);
        if (!woke) watch.pending = pending;
      }
    }
    if (!this.signalPending && [...this.watches].some((w) => w.mode === "sigio")) {
      let signalled = false;
      const pending = scheduler.schedule(() => {
        signalled = true;
        this.signalPending = undefined;
        for (const watch of [...this.watches]) if (watch.mode === "sigio") this.wake(watch);
      }, this.wakeLatency);
      if (!signalled) this.signalPending = pending;
    }
  }

  /** Stop every watch; with a reason, tell their listeners first (unplug, I/O error). */
  shutdown(reason: RxuioError | undefined): void {
    this.failure = reason;
    const watches = [...this.watches];
    for (const watch of watches) watch.stop();
    this.signalPending?.unsubscribe();
    if (reason) for (const watch of watches) watch.listener.error(reason);
  }

  private wake(watch: Watch): void {
    watch.pending = undefined;
    if (watch.stopped || !this.line) return;
    const count = this.line.count;
    const delta = (count - watch.lastSeen) | 0;
    // Nothing new (EAGAIN on the non-blocking read): a coalesced signal or a
    // wake-up for interrupts another read already consumed.
    if (delta === 0) return;
    watch.lastSeen = count;
    let values: (number | bigint)[];
    try {
      values = watch.snapshot.map((reg) => readRegister(this.regions, reg));
    } catch (err) {
      watch.stop();
      watch.listener.error(err as RxuioError);
      return;
    }
    const time = this.clock.nowNs();
    let servicedAt: bigint | undefined;
    if (watch.service) {
      // The plan, as the native service thread runs it: ack, then re-arm.
      try {
        const { ack, rearm } = watch.service;
        if (ack) {
          const value =
            "from" in ack
              ? (values[watch.snapshot.indexOf(ack.from)] ?? readRegister(this.regions, ack.from))
              : ack.value;
          const region = this.regions[ack.register.region];
          if (!region) throw new RxuioError("ERANGE", `no region ${ack.register.region}`);
          writeAtWidth(region, ack.register.offset, ack.register.width, value);
        }
        if (rearm === true) this.line.setEnabled(true);
      } catch (err) {
        watch.stop();
        watch.listener.error(err as RxuioError);
        return;
      }
      servicedAt = this.clock.nowNs();
    }
    const event: IrqSnapshot =
      servicedAt === undefined
        ? { count, missed: delta - 1, time, values }
        : { count, missed: delta - 1, time, servicedAt, values };
    watch.listener.next([event]);
  }
}

function readRegister(regions: readonly Region[], reg: SnapshotRegister): number | bigint {
  const region = regions[reg.region];
  if (!region) throw new RxuioError("ERANGE", `no region ${reg.region}`);
  return readAtWidth(region, reg.offset, reg.width);
}
