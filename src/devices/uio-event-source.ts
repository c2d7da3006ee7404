import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RxuioError } from "../errors.js";
import type {
  EventListener,
  EventMode,
  EventSource,
  EventWatch,
  EventWatchOptions,
} from "./backend.js";
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
 * `listener.error`, and an ENODEV failure (unplug) closes the whole device.
 */
export class UioEventSource implements EventSource {
  readonly #watches = new Set<UioEventFd>();

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
    this.#watches.add(watched);

    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      this.#watches.delete(watched);
      watched.unwatch();
      watched.close();
    };
    try {
      watched.watch(
        (events) => {
          if (!stopped) listener.next(events);
        },
        (err) => {
          if (stopped) return;
          stop();
          listener.error(err);
          if (err.code === "ENODEV") this.host.fail(err);
        },
        { snapshot, mode },
      );
    } catch (err) {
      stop();
      throw err;
    }
    return { stop };
  }

  /** Stops every watch; called by the device on close. */
  stopAll(): void {
    for (const fd of [...this.#watches]) {
      this.#watches.delete(fd);
      // The fd may belong to an unplugged device; failing to release it
      // changes nothing for the caller, who is closing anyway.
      try {
        fd.unwatch();
        fd.close();
      } catch {
        /* already gone */
      }
    }
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
