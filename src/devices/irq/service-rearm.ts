import { RxuioError } from "../../errors.js";
import type { ServiceRearm } from "../../native/irq-service.js";
import type { IrqControl } from "../backend.js";
import { PciIntx } from "./pci-intx.js";

/**
 * How a service thread re-arms what this IRQ control unmasks: the same
 * mechanism, done natively — the irqcontrol write on the thread's own open
 * file of /dev/uioN, or the INTx read-modify-write of the same device/config.
 * A device without IRQ control cannot be re-armed, and saying so now beats a
 * line that silently stays masked after the first interrupt.
 */
export function serviceRearm(irq: IrqControl, deviceName: string): ServiceRearm {
  if (irq.strategy === "irqcontrol") return { kind: "irqcontrol" };
  if (irq instanceof PciIntx) return { kind: "pci-intx", configPath: irq.configPath };
  throw new RxuioError(
    "ENOSYS",
    `${deviceName} has IRQ control "${irq.strategy}", so a service plan cannot re-arm its interrupt`,
    {
      value: irq.strategy,
      hint: 'Open the device with irqControl "irqcontrol" or "pci-intx", or leave rearm out of the plan if its driver re-arms by itself',
    },
  );
}
