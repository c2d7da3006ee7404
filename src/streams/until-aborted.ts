import { Observable, type MonoTypeOperatorFunction } from "rxjs";

/**
 * Completes the stream when `signal` aborts (at once if it already has), the
 * way fetch() and Node streams honour an AbortSignal; the source is
 * unsubscribed, so a device watch stops when its last user is gone.
 */
export function untilAborted<T>(signal: AbortSignal | undefined): MonoTypeOperatorFunction<T> {
  return (source) =>
    signal === undefined
      ? source
      : new Observable<T>((subscriber) => {
          if (signal.aborted) {
            subscriber.complete();
            return;
          }
          const onAbort = () => subscriber.complete();
          signal.addEventListener("abort", onAbort, { once: true });
          const subscription = source.subscribe(subscriber);
          return () => {
            signal.removeEventListener("abort", onAbort);
            subscription.unsubscribe();
          };
        });
}
