import { queueScheduler, type SchedulerAction, type Subscription } from "rxjs";
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
import { readAtWidth, readerAtWidth, writeAtWidth } from "../region-width.js";
import { checkServicePlanOptions } from "../service-plan-options.js";
import { InlineWakes, type InlineWake } from "./inline-wakes.js";
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
 * action (none on queueScheduler: see InlineWakes), whose work is one shared
 * function, not a closure.
 */
class Watch implements EventWatch, InlineWake {
  lastSeen: number;
  nextWake: InlineWake | undefined;
  /** A wake-up is scheduled and has not run: interrupts until then fold into it. */
  due = false;
  /** That wake-up's action, kept to cancel it on stop (unset when it ran synchronously). */
  pending: Subscription | undefined;
  stopped = false;

  constructor(
    readonly source: SimEventSource,
    readonly listener: EventListener,
    /** One read per snapshot register, resolved to its region and width at watch time. */
    readonly readers: readonly SnapshotReader[],
    readonly mode: EventMode,
    count: number,
    /** The watch's service plan, resolved at watch time; absent for plain watches. */
    readonly service?: ServiceStep,
  ) {
    this.lastSeen = count;
  }

  run(): void {
    this.source.wake(this);
  }

  drop(): void {
    this.due = false;
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

/**
 * The values of every event without snapshot registers (interrupts()): one
 * shared array, frozen so no holder can change it for the others, as the
 * native backend does.
 */
const NO_VALUES: readonly (number | bigint)[] = Object.freeze([]);

/** A serviced watch's plan run at wake-up, given the snapshot just read: ack, then re-arm. */
type ServiceStep = (values: readonly (number | bigint)[]) => void;

/** Reads one snapshot register at wake-up. */
type SnapshotReader = () => number | bigint;

/**
 * One queue for every simulated device on queueScheduler, as queueScheduler
 * has one: a listener of one device that raises another's interrupt sees
 * that wake-up after it returns, not inside it.
 */
const INLINE_WAKES = new InlineWakes();

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
  /** Open watches in opening order; replaced, never mutated (see watch()). */
  private watches: readonly Watch[] = [];
  /** How many watches are in "sigio" mode (so an interrupt need not look). */
  private sigioWatches = 0;
  private signalDue = false;
  private signalPending: Subscription | undefined;
  private line: IrqLine | undefined;
  private failure: RxuioError | undefined;
  /**
   * Set on queueScheduler with no wake latency: wake-ups run inline (see
   * InlineWakes) instead of as one scheduler action per interrupt.
   */
  private readonly inline: InlineWakes | undefined;
  /** The SIGIO handler as an inline wake-up. */
  private readonly signalWake: InlineWake = {
    nextWake: undefined,
    run: () => this.signal(),
    drop: () => (this.signalDue = false),
  };

  constructor(
    private readonly clock: SimClock,
    private readonly regions: readonly Region[],
    private readonly wakeLatency: number,
  ) {
    this.inline =
      clock.scheduler === queueScheduler && wakeLatency === 0 ? INLINE_WAKES : undefined;
  }

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
    const readers = snapshot.map((reg) => {
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
      return readerAtWidth(region, reg.offset, reg.width);
    });
    const { service } = options;
    if (service) checkServicePlanOptions(service);
    if (service && this.watches.some((w) => w.service)) {
      throw new RxuioError("EINVAL", "this device already has a serviced watch", {
        hint: "Two service plans would ack and re-arm every interrupt twice; share the one serviced stream, or stop it first",
      });
    }
    const watch = new Watch(
      this,
      listener,
      readers,
      mode,
      this.line.count,
      service && this.serviceStep(service, snapshot),
    );
    // A new list, not a push: a delivery iterating the old one is not disturbed.
    this.watches = [...this.watches, watch];
    if (mode === "sigio") this.sigioWatches++;
    return watch;
  }

  /** The plan as the native service thread runs it: ack (a constant or a register's value), then re-arm. */
  private serviceStep(plan: ServicePlan, snapshot: readonly SnapshotRegister[]): ServiceStep {
    const { ack, rearm } = plan;
    return (values) => {
      if (ack) {
        const value =
          "from" in ack
            ? (values[snapshot.indexOf(ack.from)] ?? readRegister(this.regions, ack.from))
            : ack.value;
        writeAtWidth(
          regionOf(this.regions, ack.register),
          ack.register.offset,
          ack.register.width,
          value,
        );
      }
      if (rearm === true) this.line?.setEnabled(true);
    };
  }

  forget(watch: Watch): void {
    if (!this.watches.includes(watch)) return;
    this.watches = this.watches.filter((w) => w !== watch);
    if (watch.mode === "sigio") this.sigioWatches--;
  }

  /** The line counted an interrupt: wake the waiters. */
  interrupted(): void {
    const { scheduler } = this.clock;
    const { inline } = this;
    for (const watch of this.watches) {
      if (watch.mode === "epoll" && !watch.due) {
        watch.due = true;
        if (inline) {
          inline.add(watch);
          continue;
        }
        const action = scheduler.schedule(wakeWatch, this.wakeLatency, watch);
        // A synchronous scheduler has run the wake-up inside schedule();
        // keeping its spent action would only pin it.
        if (watch.due) watch.pending = action;
      }
    }
    if (this.sigioWatches > 0 && !this.signalDue) {
      this.signalDue = true;
      if (inline) {
        inline.add(this.signalWake);
      } else {
        const action = scheduler.schedule(deliverSignal, this.wakeLatency, this);
        if (this.signalDue) this.signalPending = action;
      }
    }
    inline?.run();
  }

  /** Stop every watch; with a reason, tell their listeners first (unplug, I/O error). */
  shutdown(reason: RxuioError | undefined): void {
    this.failure = reason;
    const { watches } = this;
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
    for (const watch of this.watches) if (watch.mode === "sigio") this.wake(watch);
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
    const { readers } = watch;
    let values: readonly (number | bigint)[] = NO_VALUES;
    try {
      if (readers.length === 1) {
        // The common snapshot (one status register) as a literal, which the
        // JIT allocates inline: new Array(n) of a length it cannot see is a
        // builtin call, some 20 ns per event.
        values = [(readers[0] as SnapshotReader)()];
      } else if (readers.length > 0) {
        // Sized up front: pushing onto [] would reserve room for 17.
        const read = new Array<number | bigint>(readers.length);
        for (let i = 0; i < readers.length; i++) read[i] = (readers[i] as SnapshotReader)();
        values = read;
      }
    } catch (err) {
      watch.stop();
      watch.listener.error(err as RxuioError);
      return;
    }
    const time = this.clock.nowNs();
    let servicedAt: bigint | undefined;
    if (watch.service) {
      try {
        watch.service(values);
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

function regionOf(regions: readonly Region[], reg: SnapshotRegister): Region {
  const region = regions[reg.region];
  if (!region) throw new RxuioError("ERANGE", `no region ${reg.region}`);
  return region;
}

function readRegister(regions: readonly Region[], reg: SnapshotRegister): number | bigint {
  return readAtWidth(regionOf(regions, reg), reg.offset, reg.width);
}
