import { isRxuioError, RxuioError } from "../errors.js";
import type { IrqSnapshot } from "./backend.js";
import type { MappedSnapshotRegister } from "./uio-io.js";

/** The part of an event fd the SIGIO mode uses. */
export interface AsyncEventFd {
  read(): number | undefined;
  setAsync(enabled: boolean): void;
}

export interface SigioWatchOptions {
  /** The device's count when the watch began; the first event's `missed` is measured from it. */
  readonly baseline?: number;
  readonly snapshot?: readonly MappedSnapshotRegister[];
  /** CLOCK_MONOTONIC nanoseconds. */
  readonly now: () => bigint;
}

/**
 * The kernel's other notification path, for parity with C programs that use
 * it: fcntl(F_SETOWN, O_ASYNC) makes the kernel send SIGIO at each
 * interrupt, and the handler reads the count. Signals coalesce, so as with
 * epoll, loss shows only as a jump in the count and is reported as `missed`.
 * Snapshot registers are read in the handler, right after the count, and
 * the wake-up gets one timestamp. Every fd in SIGIO mode is drained on every
 * SIGIO (the signal does not say which fd is ready); a fd with nothing new
 * reads as EAGAIN and costs one syscall.
 *
 * Returns the function that stops the watch (idempotent). `onError` is
 * called at most once, after which the watch has stopped.
 */
export function watchBySigio(
  fd: AsyncEventFd,
  onWake: (events: readonly IrqSnapshot[]) => void,
  onError: (err: RxuioError) => void,
  options: SigioWatchOptions,
): () => void {
  let last = options.baseline;
  let stopped = false;
  const registers = options.snapshot ?? [];

  const drain = () => {
    if (stopped) return;
    const events: IrqSnapshot[] = [];
    let count: number | undefined;
    try {
      while ((count = fd.read()) !== undefined) {
        // s32 arithmetic: the kernel's count wraps at 2^31.
        const missed = last === undefined ? 0 : Math.max(0, ((count - last) | 0) - 1);
        last = count;
        events.push({ count, missed, time: 0n, values: [] });
      }
    } catch (err) {
      stop();
      onError(
        isRxuioError(err)
          ? err
          : new RxuioError("EIO", "Reading the event count failed", { cause: err }),
      );
      return;
    }
    if (events.length === 0) return;
    const time = options.now();
    const values = Object.freeze(registers.map(readRegister));
    onWake(events.map((event) => ({ ...event, time, values })));
  };

  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off("SIGIO", drain);
    try {
      fd.setAsync(false);
    } catch {
      // A closed or vanished fd no longer signals anyway.
    }
  };

  // The listener must exist before O_ASYNC is set: SIGIO's default action
  // terminates the process.
  process.on("SIGIO", drain);
  try {
    fd.setAsync(true);
  } catch (err) {
    stop();
    throw err;
  }
  // Interrupts between open and O_ASYNC raised no signal; collect them now,
  // but after watch() has returned, as the epoll path does.
  setImmediate(drain);
  return stop;
}

function readRegister({ region, offset, width }: MappedSnapshotRegister): number | bigint {
  switch (width) {
    case 8:
      return region.read8(offset);
    case 16:
      return region.read16(offset);
    case 32:
      return region.read32(offset);
    case 64:
      return region.read64(offset);
  }
}
