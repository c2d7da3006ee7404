import type { Observable, Subscription } from "rxjs";
import { untilAborted } from "./until-aborted.js";

/**
 * Consume a stream with `for await`. Values that arrive while the loop body
 * is busy are queued (nothing is dropped: interrupt loss already shows as
 * `missed`, the iterator adds none). Leaving the loop (break, return, throw)
 * or aborting `signal` unsubscribes; a stream error is thrown from the loop.
 *
 * ```ts
 * for await (const e of toAsyncIterable(interrupts(dev), { signal })) handle(e);
 * ```
 */
export function toAsyncIterable<T>(
  source: Observable<T>,
  options: { readonly signal?: AbortSignal } = {},
): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let failing: ((err: unknown) => void) | undefined;
  let done = false;
  let failure: { err: unknown } | undefined;
  let subscription: Subscription | undefined;
  let started = false;

  const settle = () => {
    if (!waiting) return;
    const resolve = waiting;
    const reject = failing;
    if (queue.length > 0) {
      waiting = failing = undefined;
      resolve({ value: queue.shift() as T, done: false });
    } else if (failure) {
      waiting = failing = undefined;
      const { err } = failure;
      // The error is thrown once; the iterator is finished afterwards.
      failure = undefined;
      done = true;
      reject?.(err);
    } else if (done) {
      waiting = failing = undefined;
      resolve({ value: undefined, done: true });
    }
  };

  const start = () => {
    if (started) return;
    started = true;
    subscription = source.pipe(untilAborted(options.signal)).subscribe({
      next: (value) => {
        queue.push(value);
        settle();
      },
      error: (err: unknown) => {
        failure = { err };
        settle();
      },
      complete: () => {
        done = true;
        settle();
      },
    });
  };

  const finish = (): Promise<IteratorResult<T>> => {
    started = done = true;
    queue.length = 0;
    subscription?.unsubscribe();
    return Promise.resolve({ value: undefined, done: true });
  };

  return {
    next() {
      start();
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = resolve;
        failing = reject;
        settle();
      });
    },
    return: finish,
    throw(err: unknown) {
      void finish();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
