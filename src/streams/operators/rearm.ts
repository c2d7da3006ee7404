import { Observable, type MonoTypeOperatorFunction } from "rxjs";
import type { Backend, IrqControl } from "../../devices/backend.js";

/**
 * Re-enables (unmasks) the interrupt after the rest of the pipeline has
 * handled each event: the event goes downstream first, and only when that
 * returns is the line unmasked. This is the level-triggered rule (kernel
 * handlers of uio_pci_generic and uio_pdrv_genirq mask the line on each
 * interrupt; user space acks the device, then unmasks). Put it last, after
 * `ack`. A failed unmask errors the stream with its RxuioError. The line is
 * unmasked even when downstream unsubscribed while handling the event.
 *
 * ```
 * source:        --a--b--|
 * rearm(dev):    --a--b--|     (unmasks after a and b were handled)
 * ```
 *
 * ```ts
 * interrupts(dev).pipe(ack(regs.ack, 1), rearm(dev)).subscribe(handle);
 * ```
 *
 * @see ack
 * @param irq The device (or its IrqControl).
 * @return The events, unchanged.
 */
export function rearm<T>(irq: Backend | IrqControl): MonoTypeOperatorFunction<T> {
  const control = "setEnabled" in irq ? irq : irq.irq;
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next(event) {
          subscriber.next(event);
          // Unmask even when downstream has just unsubscribed (take(1) after
          // its answer): the event was handled, and a line left masked would
          // swallow the next user's interrupts.
          try {
            control.setEnabled(true);
          } catch (err) {
            // Nobody is left to tell when downstream already unsubscribed.
            if (!subscriber.closed) subscriber.error(err);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
