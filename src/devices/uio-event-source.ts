import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RxuioError } from "../errors.js";
import type {
  EventListener,
  EventMode,
  EventSource,
  EventWatch,
  EventWatchOptions,
  IrqControl,
  ServicePlan,
  SnapshotRegister,
} from "./backend.js";
import { serviceRearm } from "./irq/service-rearm.js";
import { nativeServicePlan } from "./service-plan.js";
import { checkServicePlanOptions } from "./service-plan-options.js";
import { EventCountAttribute } from "./sysfs/attribute.js";
import type { UioInfo } from "./sysfs/info.js";
import { errnoOf } from "./system-error.js";
import type { MappedRegion, UioEventFd, UioIo } from "./uio-io.js";

/** What the event source needs from its device. */
export interface EventSourceHost {
  readonly info: UioInfo;
  readonly io: UioIo;
  readonly hasIrq: boolean;
  isClosed(): boolean;
  /** The mapped region a snapshot register refers to (ERANGE when absent). */
  mappedRegion(index: number): MappedRegion;
  /** The event fd reported a failure that ends the device (e.g. ENODEV on unplug). */
  fail(reason: RxuioError): void;
  /** The device's IRQ control: what a service plan's re-arm does natively. */
  readonly irq: IrqControl;
}

/**
 * The interrupts of a real /dev/uioN. Each watch opens its own file, so each
 * has its own last-seen count and loss accounting, exactly as separate
 * openers of the device do in the kernel. The baseline is the sysfs `event`
 * count read as the watch starts, so the first event's `missed` counts only
 * interrupts since the watch began.
 *
 * When the device closes, watches stop without further calls (the device's
 * onClose says why); a watch whose event fd fails reports it through
 * `listener.error`, and an unplug (the fd fails with EIO or ENODEV) is
 * reported as ENODEV and closes the whole device.
 */
/**
 * Stops and closes an event fd. After an unplug the kernel may already have
 * torn the file down; failing to release it changes nothing for the caller.
 */
function release(fd: UioEventFd): void {
  try {
    fd.unwatch();
    fd.close();
  } catch {
    /* already gone */
  }
}

export class UioEventSource implements EventSource {
  /** The stop function of each running watch. */
  readonly #watches = new Set<() => void>();
  /** The one serviced watch, if running: two plans would ack and re-arm twice. */
  #serviced: (() => void) | undefined;

  constructor(private readonly host: EventSourceHost) {}

  get hasIrq(): boolean {
    return this.host.hasIrq;
  }

  get modes(): readonly EventMode[] {
    return this.host.io.eventModes;
  }

  watch(listener: EventListener, options: EventWatchOptions = {}): EventWatch {
    const { info, io } = this.host;
    const name = `uio${info.index} (${info.name})`;
    if (this.host.isClosed()) {
      throw new RxuioError("ECLOSED", `${name} is closed; its interrupts cannot be watched`, {
        path: info.devicePath,
      });
    }
    if (!this.host.hasIrq) {
      throw new RxuioError("ENOSYS", `${name} has no interrupt to watch`, {
        path: info.devicePath,
        hint: "Its driver registered no IRQ (reading the device gives EIO); poll its registers instead",
      });
    }
    const mode = options.mode ?? "epoll";
    if (!io.eventModes.includes(mode)) {
      throw new RxuioError("ENOSYS", `Notification mode "${mode}" is not available here`, {
        value: mode,
        hint: `Use one of: ${io.eventModes.join(", ")}`,
      });
    }
    if (options.service !== undefined) {
      return this.#watchServiced(listener, options.service, options.snapshot ?? [], mode);
    }
    const snapshot = options.snapshot?.map((register) => ({
      region: this.host.mappedRegion(register.region),
      offset: register.offset,
      width: register.width,
    }));

    // Read before opening: an interrupt that lands in between then counts as
    // missed (it happened after watch() began) instead of vanishing, since
    // the kernel starts the new file's last-seen count at open.
    const baseline = this.#currentCount();
    const watched = io.openEventFd(info.devicePath, { baseline });

    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      this.#watches.delete(stop);
      release(watched);
    };
    this.#watches.add(stop);
    try {
      watched.watch(
        (events) => {
          if (!stopped) listener.next(events);
        },
        (err) => {
          if (stopped) return;
          stop();
          const failure = this.#unplugged(err) ?? err;
          listener.error(failure);
          if (failure !== err) this.host.fail(failure);
        },
        { snapshot, mode },
      );
    } catch (err) {
      stop();
      throw err;
    }
    return { stop };
  }

  /**
   * A watch whose interrupts a native thread services by `plan` (reads, ack,
   * re-arm) before JS hears of them; see native/irq_service.h.
   */
  #watchServiced(
    listener: EventListener,
    plan: ServicePlan,
    snapshot: readonly SnapshotRegister[],
    mode: EventMode,
  ): EventWatch {
    const { info, io } = this.host;
    const name = `uio${info.index} (${info.name})`;
    checkServicePlanOptions(plan, info.devicePath);
    if (mode !== "epoll") {
      throw new RxuioError(
        "EINVAL",
        `A serviced watch waits on its own thread; mode "${mode}" does not apply`,
        {
          value: mode,
          path: info.devicePath,
          hint: "Leave mode out of a serviced watch",
        },
      );
    }
    if (this.#serviced !== undefined) {
      throw new RxuioError("EINVAL", `${name} already has a serviced watch`, {
        path: info.devicePath,
        hint: "Two service plans would ack and re-arm every interrupt twice; share the one serviced stream, or stop it first",
      });
    }
    if (io.startService === undefined) {
      throw new RxuioError("ENOSYS", "This backend has no native service thread", {
        path: info.devicePath,
        hint: "Ack and re-arm from the pipeline (ack(), rearm()) instead",
      });
    }
    const native = nativeServicePlan({
      info,
      pageSize: io.pageSize(),
      // As for a plain watch: read before the thread opens its own file.
      baseline: this.#currentCount(),
      snapshot,
      plan,
      rearm: () => serviceRearm(this.host.irq, name),
    });
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      this.#watches.delete(stop);
      if (this.#serviced === stop) this.#serviced = undefined;
      thread.stop();
    };
    // Batches and errors arrive from the event loop, never during start.
    const thread = io.startService(
      native,
      (events) => {
        if (!stopped) listener.next(events);
      },
      (err) => {
        if (stopped) return;
        stop();
        // Only the device's own file failing means it is gone; a refused
        // config-space write (pci-intx) is reported as it is.
        const failure = (err.path === info.devicePath ? this.#unplugged(err) : undefined) ?? err;
        listener.error(failure);
        if (failure !== err) this.host.fail(failure);
      },
    );
    this.#watches.add(stop);
    this.#serviced = stop;
    return { stop };
  }

  /** Stops every watch; called by the device on close. Listeners get no further calls. */
  stopAll(): void {
    for (const stop of [...this.#watches]) stop();
  }

  /**
   * An event fd that worked and then fails with EIO or ENODEV means the
   * driver let go of the device: the kernel clears the device's info on
   * unregister (hot-unplug, unbind, rmmod), and from then on reads give EIO
   * and poll reports an error. (A device that never had an IRQ is refused
   * before any watch starts, so EIO cannot mean that here.)
   */
  #unplugged(err: RxuioError): RxuioError | undefined {
    if (err.code !== "EIO" && err.code !== "ENODEV") return undefined;
    const { info } = this.host;
    return new RxuioError(
      "ENODEV",
      `uio${info.index} (${info.name}) is gone: it was unplugged or its driver was unbound`,
      {
        path: info.devicePath,
        errno: err.errno,
        cause: err,
        hint: "Open the device again once it is back (rxuio list shows what exists)",
      },
    );
  }

  #currentCount(): number {
    const file = join(this.host.info.sysfsPath, "event");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      const gone = errnoOf(err) === "ENOENT";
      throw new RxuioError(gone ? "ENODEV" : "EIO", `Cannot read the event count ${file}`, {
        path: file,
        errno: errnoOf(err),
        cause: err,
        hint: gone ? "The device has disappeared (unplugged or its driver unbound)" : undefined,
      });
    }
    const decoded = EventCountAttribute.decode(text);
    if (decoded._tag === "Left") {
      throw new RxuioError(
        "EDECODE",
        `Malformed sysfs attribute ${file}: ${JSON.stringify(text.trimEnd())}`,
        {
          path: file,
          value: text.trimEnd(),
        },
      );
    }
    return decoded.right;
  }
}
