import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from "rxjs";
import { RxuioError } from "../../errors.js";

export interface RateOptions<T> {
  /** How many occurrences one value stands for, e.g. `e => 1 + e.missed` for interrupts. */
  readonly weight?: (value: T) => number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Emits, at the end of every `window` ms, how many values per second arrived
 * during that window (tumbling windows; an idle window emits 0). Completes
 * with the source; a partial last window is not reported.
 *
 * ```
 * source:        -a-b-c----d-----|    (frames of 1 ms)
 * rate(5):       -----q----r----z|    q = 2 in [0,5) = 400/s, r = 2 in [5,10) = 400/s, z = 0
 * ```
 *
 * ```ts
 * interrupts(dev).pipe(rate(1000, { weight: (e) => 1 + e.missed })).subscribe(showIrqPerSecond);
 * ```
 *
 * @param window Window length in ms.
 * @param options `weight` per value and a scheduler (virtual time in tests).
 * @return Events per second, one number per window.
 */
export function rate<T>(window: number, options: RateOptions<T> = {}): OperatorFunction<T, number> {
  if (!(window > 0) || !Number.isFinite(window)) {
    throw new RxuioError("EINVAL", `rate window ${window} ms is not a positive number`, {
      value: window,
      hint: "Pass the window in milliseconds, e.g. 1000",
    });
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  const weight = options.weight ?? (() => 1);
  return (source) =>
    new Observable<number>((subscriber) => {
      let count = 0;
      const ticker = scheduler.schedule(function () {
        const perSecond = (count * 1000) / window;
        count = 0;
        subscriber.next(perSecond);
        this.schedule(undefined, window);
      }, window);
      const subscription = source.subscribe({
        next: (value) => (count += weight(value)),
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        ticker.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
