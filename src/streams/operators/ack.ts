import { Observable, type MonoTypeOperatorFunction } from "rxjs";
import type { RegisterValue } from "../../devices/registers/bound-register.js";

/** Where acknowledgements go: usually a `w1c` register (`regs.ack`) or a function. */
export type AckTarget = { write(value: never): void } | ((value: RegisterValue) => void);

/**
 * Writes an acknowledgement for each event, then passes the event on. With a
 * `w1c` register the write clears exactly the bits given (never a
 * read-modify-write). Ack before `rearm`, or a level-triggered line fires
 * again at once. A failed write errors the stream with its RxuioError.
 *
 * ```
 * source:               --a--b--|
 * ack(regs.ack, 1):     --a--b--|     (writes 1 before each emission)
 * ```
 *
 * ```ts
 * onInterrupt(dev, [regs.irqStatus])
 *   .pipe(ack(regs.ack, (s) => s.values[0] ?? 0), rearm(dev))
 * ```
 *
 * @see rearm
 * @param target The register (or function) to write.
 * @param mask The value to write, or a function of the event that gives it.
 * @return The events, each after its acknowledgement was written.
 */
export function ack<T>(
  target: AckTarget,
  mask: RegisterValue | ((event: T) => RegisterValue),
): MonoTypeOperatorFunction<T> {
  const write =
    typeof target === "function" ? target : (value: RegisterValue) => target.write(value as never);
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next(event) {
          try {
            write(typeof mask === "function" ? mask(event) : mask);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.next(event);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
