import type { Backend } from "../../devices/backend.js";
import { WriteSink, type Sink } from "./sink.js";

/**
 * The device's interrupt mask as an Observer: `true` unmasks (enables),
 * `false` masks, through the device's IRQ-control strategy (irqcontrol
 * write, PCI INTx disable bit, ...). A device without one reports ENOSYS on
 * `errors$` rather than throwing into the feeding stream.
 *
 * ```ts
 * const irq = irqControl(dev);
 * irq.errors$.subscribe(e => console.error(e.message));
 * paused$.pipe(map(p => !p)).subscribe(irq);
 * ```
 */
export function irqControl(device: Backend): Sink<boolean> {
  return new WriteSink<boolean>(
    (enabled) => device.irq.setEnabled(enabled),
    `irqControl(${device.info.devicePath})`,
  );
}
