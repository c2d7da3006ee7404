import type { IrqSnapshot } from "../../src/devices/backend.js";
import type { RxuioError } from "../../src/errors.js";

/**
 * Records the batches and the error an event delivery (a watch's wake-ups, a
 * service thread's batches) hands to JS, and lets a test await a condition.
 */
export class EventRecorder {
  readonly batches: (readonly IrqSnapshot[])[] = [];
  readonly errors: RxuioError[] = [];
  #waiters: (() => void)[] = [];

  readonly onEvents = (events: readonly IrqSnapshot[]): void => {
    this.batches.push(events);
    this.#wake();
  };

  readonly onError = (err: RxuioError): void => {
    this.errors.push(err);
    this.#wake();
  };

  get events(): IrqSnapshot[] {
    return this.batches.flat();
  }

  /** Resolves once `predicate` holds, checking after every wake-up or error. */
  until(predicate: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for events")), 5000);
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else {
          this.#waiters.push(check);
        }
      };
      check();
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}
