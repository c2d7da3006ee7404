import { RxuioError, isRxuioError } from "../../errors.js";
import type { IrqControlStrategy } from "./strategy.js";

/** Something that hands a 4-byte s32 to the driver: a write(2) on /dev/uioN. */
export interface IrqcontrolWriter {
  write(value: number): void;
}

/**
 * The UIO convention: write 1 (unmask) or 0 (mask) to /dev/uioN, which the
 * kernel hands to the driver's `irqcontrol` callback. Drivers without one
 * answer ENOSYS; that is reported with what to use instead.
 */
export class IrqcontrolWrite implements IrqControlStrategy {
  readonly strategy = "irqcontrol";
  #closed = false;

  constructor(
    private readonly writer: IrqcontrolWriter,
    private readonly deviceName: string,
  ) {}

  setEnabled(enabled: boolean): void {
    if (this.#closed) {
      throw new RxuioError("ECLOSED", `${this.deviceName} is closed; its IRQ cannot be controlled`);
    }
    try {
      this.writer.write(enabled ? 1 : 0);
    } catch (err) {
      if (!isRxuioError(err, "ENOSYS")) throw err;
      throw new RxuioError(
        "ENOSYS",
        `The driver of ${this.deviceName} has no irqcontrol, so writing ${enabled ? 1 : 0} to the device is refused`,
        {
          cause: err,
          errno: err.errno,
          syscall: "write",
          hint: 'For a PCI device open it with irqControl: "pci-intx"; otherwise use "none" and let the driver re-arm itself',
        },
      );
    }
  }

  close(): void {
    // The writer is the device's control fd; the device closes it.
    this.#closed = true;
  }
}
