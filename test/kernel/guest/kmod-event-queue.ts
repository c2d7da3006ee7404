import type { Backend, EventWatchOptions, IrqSnapshot } from "../../../src/devices/backend.js";
import type { RxuioError } from "../../../src/errors.js";
import type { GuestTestContext } from "./runner/guest-suite.js";

/**
 * One event-fd watch of a device as an awaitable queue, for tests that
 * interleave "make the device interrupt" with "wait for the interrupt". Each
 * wait is a promise resolved by the watch itself (no polling timer), so
 * thousands of round trips measure the device path, not the test's sleeps.
 * The watch stops when the test ends, pass or fail.
 */
export interface EventQueue {
  /** Events delivered but not yet taken. */
  readonly pending: number;
  /** Wake-ups so far (one per listener call, however many events each carried). */
  readonly wakeups: number;
  /** The next event; rejects after `timeoutMs` or when the watch fails. */
  next(timeoutMs?: number): Promise<IrqSnapshot>;
  /** Waits `ms` and returns (and removes) everything that arrived meanwhile. */
  settle(ms: number): Promise<IrqSnapshot[]>;
  stop(): void;
}

export function queueEvents(
  t: GuestTestContext,
  dev: Backend,
  options: EventWatchOptions = {},
): EventQueue {
  const queue: IrqSnapshot[] = [];
  let wakeups = 0;
  let failure: RxuioError | undefined;
  let waiter: { resolve: (event: IrqSnapshot) => void; reject: (err: Error) => void } | undefined;

  const watch = dev.events.watch(
    {
      next: (events) => {
        wakeups++;
        queue.push(...events);
        const event = queue.shift();
        if (waiter !== undefined && event !== undefined) {
          const { resolve } = waiter;
          waiter = undefined;
          resolve(event);
        } else if (event !== undefined) {
          queue.unshift(event);
        }
      },
      error: (err) => {
        failure = err;
        waiter?.reject(err);
        waiter = undefined;
      },
    },
    options,
  );
  t.defer(() => watch.stop());

  return {
    get pending() {
      return queue.length;
    },
    get wakeups() {
      return wakeups;
    },
    next(timeoutMs = 5_000) {
      const ready = queue.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise<IrqSnapshot>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`no interrupt from ${dev.info.name} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter = {
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event);
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        };
      });
    },
    async settle(ms) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return queue.splice(0);
    },
    stop: () => watch.stop(),
  };
}
