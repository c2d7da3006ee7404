import {
  Observable,
  asyncScheduler,
  filter,
  map,
  take,
  throwError,
  timeout,
  type SchedulerLike,
} from "rxjs";
import { RxuioError } from "../errors.js";
import type { Backend, IrqSnapshot } from "../devices/backend.js";
import type { BoundRegisters } from "../devices/registers/define-registers.js";
import { EDU_FACTORIAL_IRQ, eduRegisters } from "../devices/registers/maps/edu.js";
import { ack } from "../streams/operators/ack.js";
import { rearm } from "../streams/operators/rearm.js";
import { onInterrupt } from "../streams/sources/on-interrupt.js";
import { serviced } from "../streams/sources/serviced.js";

/**
 * A driver for QEMU's `edu` device written only as pipelines over a Backend,
 * so the same code runs on the simulator (`simulate({ behaviour: edu() })`)
 * and on the real device bound to uio_pci_generic. The interrupt rule is the
 * level-triggered one: the kernel masks INTx on each interrupt; the pipeline
 * snapshots IRQ status (0x24) at wake-up, acks exactly those bits (0x64,
 * W1C-style, no read-modify-write), lets downstream handle the event, then
 * re-enables the line with irq.setEnabled(true).
 */
export interface EduDriver {
  readonly regs: BoundRegisters<typeof eduRegisters.spec>;
  /** Checks the id register; throws ENODEV when region 0 is not an edu. */
  identify(): { readonly major: number; readonly minor: number };
  /** Writes `probe` to the liveness register and checks it reads back inverted. */
  liveness(probe?: number): boolean;
  /** n! (32-bit, as the device computes it), delivered by the completion interrupt. */
  factorial(n: number, options?: TimeoutOptions): Observable<number>;
  /** Every interrupt, snapshotted, acked and rearmed: the device's event loop. */
  serve(): Observable<IrqSnapshot>;
  /**
   * `rounds` raise → interrupt → ack → rearm round trips, each raised after
   * the previous one was handled; emits each handled interrupt.
   */
  pingPong(rounds: number, options?: TimeoutOptions): Observable<IrqSnapshot>;
}

export interface EduDriverOptions {
  /**
   * Declare the interrupt handling as a service plan (`serviced()`: status
   * snapshot, ack 0x64 <- 0x24, rearm) instead of pipeline operators, so on
   * a real device the native service thread acks and re-arms at once,
   * whatever JS is doing. A device runs one serviced stream at a time, so
   * serve(), factorial() and pingPong() must then not overlap.
   */
  readonly serviced?: boolean;
  /** With `serviced`: run the service thread at realtime priority (see serviced()). */
  readonly realtime?: boolean;
}

export interface TimeoutOptions {
  /** Ms to wait for the interrupt before erroring EIO. No limit when absent. */
  readonly timeout?: number;
  readonly scheduler?: SchedulerLike;
}

function withTimeout<T>(what: string, options: TimeoutOptions | undefined) {
  return (source: Observable<T>): Observable<T> =>
    options?.timeout === undefined
      ? source
      : source.pipe(
          timeout({
            each: options.timeout,
            scheduler: options.scheduler ?? asyncScheduler,
            with: () =>
              throwError(
                () =>
                  new RxuioError("EIO", `edu: no ${what} interrupt within ${options.timeout} ms`, {
                    hint: "Check that the IRQ is unmasked (irq.setEnabled(true)) and that nothing else acks it",
                  }),
              ),
          }),
        );
}

/** The status bit pingPong raises (any bit not used by factorial or DMA). */
const PING_IRQ = 0x0001_0000;

export function eduDriver(device: Backend, options: EduDriverOptions = {}): EduDriver {
  const regs = eduRegisters.bind(device.region(0));

  const serve = (): Observable<IrqSnapshot> =>
    options.serviced === true
      ? serviced(device, {
          snapshot: [regs.irqStatus],
          // The same rule as below, run by the backend before JS sees the event.
          ack: { register: regs.ack, from: regs.irqStatus },
          rearm: true,
          ...(options.realtime === undefined ? {} : { realtime: options.realtime }),
        })
      : onInterrupt(device, [regs.irqStatus]).pipe(
          // Ack what was pending at the interrupt (0 for a spurious wake-up is harmless).
          ack(regs.ack, (event) => event.values[0] ?? 0),
          rearm(device),
        );

  return {
    regs,

    identify() {
      const id = regs.id.read();
      if ((id & 0xff) !== 0xed) {
        throw new RxuioError(
          "ENODEV",
          `region 0 of ${device.info.devicePath} is not a QEMU edu (id 0x${id.toString(16)})`,
          {
            path: device.info.devicePath,
            value: id,
            hint: "Bind the edu device (PCI 1234:11e8) to uio_pci_generic and open that device",
          },
        );
      }
      return { major: id >>> 24, minor: (id >>> 16) & 0xff };
    },

    liveness(probe = 0x5a5a_a5a5) {
      regs.liveness.write(probe >>> 0);
      return regs.liveness.read() === ~probe >>> 0;
    },

    factorial(n, options) {
      return new Observable<number>((subscriber) => {
        // Subscribe before starting, so the completion interrupt cannot be missed.
        const subscription = serve()
          .pipe(
            // The snapshot shows the factorial bit where the kernel leaves the
            // status to us (uio_pci_generic); a stub that acks in its handler
            // (kmod/uio_edu) leaves 0 there, so "no longer busy" counts too.
            filter(
              (event) =>
                (Number(event.values[0]) & EDU_FACTORIAL_IRQ) !== 0 ||
                regs.status.fields.busy.read() === 0,
            ),
            take(1),
            map(() => regs.factorial.read()),
            withTimeout("factorial", options),
          )
          .subscribe(subscriber);
        // A previous user may have left the line masked; unmasking is idempotent.
        device.irq.setEnabled(true);
        regs.status.fields.irqOnDone.write(1);
        regs.factorial.write(n >>> 0);
        return subscription;
      });
    },

    serve,

    pingPong(rounds, options) {
      return new Observable<IrqSnapshot>((subscriber) => {
        let handled = 0;
        const subscription = serve()
          .pipe(withTimeout("raised", options), take(rounds))
          .subscribe({
            next(event) {
              subscriber.next(event);
              // Raised while still masked, and rearm (after this returns)
              // delivers it; or, serviced, acked and re-armed already.
              if (++handled < rounds) regs.raise.write(PING_IRQ);
            },
            error: (err: unknown) => subscriber.error(err),
            complete: () => subscriber.complete(),
          });
        if (rounds <= 0) subscriber.complete();
        else {
          device.irq.setEnabled(true);
          regs.raise.write(PING_IRQ);
        }
        return subscription;
      });
    },
  };
}
