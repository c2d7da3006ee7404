import type { Subscription } from "rxjs";
import { EDU_FACTORIAL_IRQ, EDU_ID, eduRegisters } from "../registers/maps/edu.js";
import type { SimBehaviour } from "./behaviour.js";

export interface EduOptions {
  /** Milliseconds a factorial takes (the real device computes in a thread). Default 1. */
  readonly computeTime?: number;
}

const STATUS_BUSY = 0x01;
const STATUS_IRQ_ON_DONE = 0x80;

/** n! in 32 bits, wrapping like the device's u32 arithmetic. */
function factorial32(n: number): number {
  let result = 1;
  for (let i = 2; i <= n; i++) result = Math.imul(result, i) >>> 0;
  return result >>> 0;
}

/**
 * QEMU's `edu` device as uio_pci_generic exposes it: BAR0 of 1 MiB, a
 * level-triggered INTx line (masked by the kernel on each interrupt,
 * re-enabled by the driver), id 0x010000ed, liveness that reads back the
 * inverse, factorial with busy and raise-IRQ-when-done status bits, and the
 * raise (0x60) / ack (0x64) pair over the IRQ status (0x24).
 */
export function edu(options: EduOptions = {}): SimBehaviour {
  const computeTime = options.computeTime ?? 1;
  const at = eduRegisters.spec;
  return {
    name: "uio_pci_generic",
    regions: [{ name: "bar0", size: 0x100000 }],
    irq: "level",
    attach({ region, irq, clock }) {
      const bar = region(0);
      let liveness = 0;
      let fact = 0;
      let status = 0;
      let irqStatus = 0;
      let job: Subscription | undefined;
      const drive = () => (irqStatus !== 0 ? irq.assert() : irq.deassert());
      bar.store(at.id.offset, 32, EDU_ID);
      bar.hook(at.id.offset, { width: 32, read: () => EDU_ID, write: () => undefined });
      bar.hook(at.liveness.offset, {
        width: 32,
        read: () => ~liveness >>> 0,
        write: (v) => (liveness = Number(v) >>> 0),
      });
      bar.hook(at.factorial.offset, {
        width: 32,
        read: () => fact,
        write: (v) => {
          const n = Number(v) >>> 0;
          status |= STATUS_BUSY;
          job?.unsubscribe();
          job = clock.scheduler.schedule(() => {
            fact = factorial32(n);
            status &= ~STATUS_BUSY;
            if (status & STATUS_IRQ_ON_DONE) {
              irqStatus |= EDU_FACTORIAL_IRQ;
              drive();
            }
          }, computeTime);
        },
      });
      bar.hook(at.status.offset, {
        width: 32,
        read: () => status,
        // Only the raise-IRQ bit is writable; busy belongs to the device.
        write: (v) => (status = (status & STATUS_BUSY) | (Number(v) & STATUS_IRQ_ON_DONE)),
      });
      bar.hook(at.irqStatus.offset, {
        width: 32,
        read: () => irqStatus >>> 0,
        write: () => undefined,
      });
      bar.hook(at.raise.offset, {
        width: 32,
        read: () => 0,
        write: (v) => {
          irqStatus = (irqStatus | Number(v)) >>> 0;
          drive();
        },
      });
      bar.hook(at.ack.offset, {
        width: 32,
        read: () => 0,
        write: (v) => {
          irqStatus = (irqStatus & ~Number(v)) >>> 0;
          drive();
        },
      });
      return () => job?.unsubscribe();
    },
  };
}
