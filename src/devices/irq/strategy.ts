import { RxuioError } from "../../errors.js";
import type { IrqControl } from "../backend.js";
import type { UioInfo } from "../sysfs/info.js";
import { IrqcontrolWrite, type IrqcontrolWriter } from "./irqcontrol-write.js";
import { NoIrqControl } from "./no-irq-control.js";
import { PciIntx } from "./pci-intx.js";

/** What `UioDevice.open` accepts for `irqControl`. */
export type IrqControlChoice = "auto" | "irqcontrol" | "pci-intx" | "none";

/** An IRQ-control strategy the device owns: closed with the device. */
export interface IrqControlStrategy extends IrqControl {
  /** Releases what the strategy holds; later setEnabled calls throw ECLOSED. Idempotent. */
  close(): void;
}

/**
 * Picks how to mask and unmask a device's interrupt. "auto" follows the
 * driver: uio_pci_generic has no `irqcontrol` (its write gives ENOSYS) and
 * instead masks INTx in the PCI command register on every interrupt, so it
 * must be unmasked there; every other driver gets the `irqcontrol` write,
 * which is the UIO convention.
 */
export function chooseIrqControl(
  choice: IrqControlChoice,
  info: UioInfo,
  writer: IrqcontrolWriter,
): IrqControlStrategy {
  const kind = choice === "auto" ? autoIrqControl(info) : choice;
  switch (kind) {
    case "irqcontrol":
      return new IrqcontrolWrite(writer, info.name);
    case "pci-intx":
      return new PciIntx(`${info.sysfsPath}/device/config`);
    case "none":
      return new NoIrqControl(info.name);
    default:
      // Reachable from JavaScript callers, which the types do not protect.
      throw new RxuioError("EINVAL", `Unknown irqControl ${JSON.stringify(kind)}`, {
        value: kind,
        hint: 'Use "auto", "irqcontrol", "pci-intx" or "none"',
      });
  }
}

/** What "auto" picks for this device. */
export function autoIrqControl(info: UioInfo): "irqcontrol" | "pci-intx" {
  return info.driver === "uio_pci_generic" || info.name === "uio_pci_generic"
    ? "pci-intx"
    : "irqcontrol";
}
