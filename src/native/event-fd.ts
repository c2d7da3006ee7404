import type { EventWatch, IrqSnapshot, Width } from "../devices/backend.js";
import { RxuioError, type ErrorCode } from "../errors.js";
import { addon, type EventBatch, type EventFdHandle, type SnapshotHandle } from "./binding.js";
import { fromNative } from "./errors.js";
import { regionHandle, type NativeRegion } from "./region.js";
import { onSigioDrain } from "./sigio.js";

export interface NativeEventFdOptions {
  /**
   * The device's count when this file was opened (sysfs `event`): the first
   * event's `missed` is measured from it. Unknown → the first event reports
   * missed 0.
   */
  readonly baseline?: number;
  /**
   * true: open read-write (needed for irqcontrol writes); false: read-only.
   * Default: read-write, falling back to read-only when that is refused.
   */
  readonly writable?: boolean;
}

/** A register read natively at every wake-up, before JS runs. */
export interface NativeSnapshotRegister {
  readonly region: NativeRegion;
  readonly offset: number;
  readonly width: Width;
}

export interface NativeWatchOptions {
  readonly snapshot?: readonly NativeSnapshotRegister[];
  /**
   * How wake-ups are noticed: "epoll" (default) polls the fd in the event
   * loop; "sigio" has the kernel signal the process (fcntl O_ASYNC) and
   * drains on SIGIO. Both deliver the same batches.
   */
  readonly mode?: "epoll" | "sigio";
}

/** The values of every event of a watch without snapshot registers. */
const NO_VALUES: readonly (number | bigint)[] = Object.freeze([]);

const WATCH_HINTS: Partial<Record<ErrorCode, string>> = {
  ENODEV: "The device was unplugged or its event source closed; open it again when it is back",
  EIO: "The device may have been removed, or it has no interrupt (no IRQ means no events)",
  ECLOSED: "Keep snapshot regions open for as long as the watch runs",
};

const WRITE_HINTS: Partial<Record<ErrorCode, string>> = {
  ENOSYS: 'This driver has no irqcontrol; use the "pci-intx" strategy (PCI devices) or none',
  EACCES: "The event fd was opened read-only; open it with writable: true to write irqcontrol values",
};

/**
 * An open /dev/uioN as an event source (or, in tests, a FIFO carrying 4-byte
 * counts). Reads never block. watch() puts a uv_poll watcher on the fd in the
 * main loop — no threadpool — and calls back once per wake-up with every
 * pending event, `missed` computed from the count jump and snapshot
 * registers already read in native code.
 */
export class NativeEventFd implements Disposable {
  readonly #handle: EventFdHandle;
  readonly #path: string;
  /** Whether irqcontrol writes are possible (the fd is open read-write). */
  readonly writable: boolean;
  // Identifies the running watch, so a stale EventWatch.stop() is a no-op.
  #current: object | undefined;
  // Undoes SIGIO mode (O_ASYNC off, then the listener removed) for the running watch.
  #leaveSigio: (() => void) | undefined;

  private constructor(handle: EventFdHandle, path: string, writable: boolean) {
    this.#handle = handle;
    this.#path = path;
    this.writable = writable;
  }

  /** Opens `path` with O_NONBLOCK | O_CLOEXEC. */
  static open(path: string, options: NativeEventFdOptions = {}): NativeEventFd {
    const { baseline, writable } = options;
    const { EventFd } = addon();
    try {
      return new NativeEventFd(new EventFd(path, writable ?? true, baseline), path, writable ?? true);
    } catch (err) {
      const failure = fromNative(err, { path });
      // Listening needs only read access; irqcontrol writes then say EACCES.
      if (writable !== undefined || failure.code !== "EACCES") throw failure;
    }
    try {
      return new NativeEventFd(new EventFd(path, false, baseline), path, false);
    } catch (err) {
      throw fromNative(err, { path });
    }
  }

  get closed(): boolean {
    return this.#handle.closed;
  }

  get watching(): boolean {
    return this.#handle.watching;
  }

  /**
   * One non-blocking 4-byte read: the device's total count (native-endian
   * s32), or undefined when nothing is pending. Shares the last-seen count
   * with watch(), so loss accounting stays exact when both are used.
   */
  read(): number | undefined {
    try {
      return this.#handle.read();
    } catch (err) {
      throw fromNative(err, { path: this.#path, hints: WATCH_HINTS });
    }
  }

  /** Writes an s32 to the driver's irqcontrol (by convention 1 = unmask, 0 = mask). */
  write(value: number): void {
    try {
      this.#handle.write(value);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value, hints: WRITE_HINTS });
    }
  }

  /**
   * Starts watching. `onWake` gets every event pending at a wake-up (never an
   * empty batch), all stamped with the wake-up's CLOCK_MONOTONIC time and
   * carrying the snapshot values read at that moment. `onError` is called at
   * most once, when the source fails (unplug: ENODEV/EIO); the watch is then
   * over. One watch at a time per fd (EINVAL otherwise).
   */
  watch(
    onWake: (events: readonly IrqSnapshot[]) => void,
    onError: (err: RxuioError) => void,
    options: NativeWatchOptions = {},
  ): EventWatch {
    // The addon checks its own callbacks, but these are wrapped before they get there.
    if (typeof onWake !== "function" || typeof onError !== "function") {
      throw new RxuioError("EINVAL", "watch() needs an onWake and an onError function", { path: this.#path });
    }
    const snapshot = options.snapshot;
    let handles: SnapshotHandle[] | undefined;
    try {
      handles = snapshot?.map((reg) => ({
        region: regionHandle(reg.region),
        offset: reg.offset,
        width: reg.width,
      }));
    } catch (err) {
      throw new RxuioError("EINVAL", "snapshot registers must be { region: NativeRegion, offset, width }", {
        cause: err,
        path: this.#path,
      });
    }
    const mode = options.mode ?? "epoll";
    if (mode !== "epoll" && mode !== "sigio") {
      throw new RxuioError("EINVAL", `Unknown watch mode ${String(mode)}`, {
        value: mode,
        hint: 'Use "epoll" or "sigio"',
      });
    }
    const token = {};
    const widths = snapshot?.map((reg) => reg.width) ?? [];
    let batch: EventBatch;
    try {
      batch = this.#handle.watch(
        (n) => {
          const time = batch.time[0] ?? 0n;
          // One values array per wake-up, shared by its events: the registers
          // were read once, at this wake-up. It cannot be reused across
          // wake-ups (a subscriber may keep events), but without snapshot
          // registers every wake-up shares the one frozen empty array.
          const values =
            widths.length === 0
              ? NO_VALUES
              : Object.freeze(
                  widths.map((width, i) => (width === 64 ? batch.values64[i] : batch.values[i]) ?? 0),
                );
          const events: IrqSnapshot[] = new Array<IrqSnapshot>(n);
          for (let i = 0; i < n; i++) {
            events[i] = { count: batch.counts[i] ?? 0, missed: batch.missed[i] ?? 0, time, values };
          }
          onWake(events);
        },
        (err) => {
          if (this.#current === token) {
            this.#current = undefined;
            this.#endSigio();
          }
          onError(fromNative(err, { path: this.#path, hints: WATCH_HINTS }));
        },
        handles,
        mode === "sigio",
      );
    } catch (err) {
      throw fromNative(err, {
        path: this.#path,
        hints: { EACCES: "Regular files cannot be watched; use /dev/uioN, a FIFO or a socket" },
      });
    }
    this.#current = token;
    if (mode === "sigio") {
      try {
        this.#startSigio(token);
      } catch (err) {
        this.unwatch();
        throw fromNative(err, { path: this.#path });
      }
    }
    return {
      stop: () => {
        if (this.#current === token) this.unwatch();
      },
    };
  }

  /** Stops the watch, if any. Idempotent. */
  unwatch(): void {
    this.#current = undefined;
    this.#endSigio();
    this.#handle.unwatch();
  }

  #startSigio(token: object): void {
    const drain = (): void => {
      if (this.#current === token) this.#handle.drain();
    };
    // Listener first, O_ASYNC second: a SIGIO with no listener kills the process.
    const removeDrain = onSigioDrain(drain);
    try {
      this.#handle.setAsync(true);
    } catch (err) {
      removeDrain();
      throw err;
    }
    this.#leaveSigio = () => {
      if (!this.#handle.closed) this.#handle.setAsync(false);
      removeDrain();
    };
    // Counts already pending raised no signal: pick them up on the next turn,
    // as epoll mode would.
    setImmediate(drain);
  }

  #endSigio(): void {
    const leave = this.#leaveSigio;
    this.#leaveSigio = undefined;
    leave?.();
  }

  /**
   * SIGIO mode (fcntl F_SETOWN + O_ASYNC): the kernel signals this process at
   * each interrupt. Install `process.on("SIGIO", ...)` first — SIGIO's default
   * action ends the process — then read() in the handler.
   */
  setAsync(enabled: boolean): void {
    try {
      this.#handle.setAsync(enabled);
    } catch (err) {
      throw fromNative(err, { path: this.#path });
    }
  }

  /** Stops any watch and closes the fd. Idempotent; afterwards every call throws ECLOSED. */
  close(): void {
    this.#current = undefined;
    this.#endSigio();
    this.#handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
