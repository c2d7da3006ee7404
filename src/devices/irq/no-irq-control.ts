import { RxuioError } from "../../errors.js";
import type { IrqControlStrategy } from "./strategy.js";

/**
 * For devices whose interrupt cannot be masked from user space (or that have
 * none): every attempt is refused rather than silently ignored, because a
 * pipeline that believes it unmasked an IRQ would wait forever.
 */
export class NoIrqControl implements IrqControlStrategy {
  readonly strategy = "none";
  #closed = false;

  constructor(private readonly deviceName: string) {}

  setEnabled(enabled: boolean): void {
    if (this.#closed) {
      throw new RxuioError("ECLOSED", `${this.deviceName} is closed; its IRQ cannot be controlled`);
    }
    throw new RxuioError(
      "ENOSYS",
      `${this.deviceName} has no IRQ control, so its interrupt cannot be ${enabled ? "unmasked" : "masked"} from user space`,
      {
        hint: 'The device was opened with irqControl: "none"; open it with "irqcontrol" or "pci-intx" if its driver supports one',
      },
    );
  }

  close(): void {
    this.#closed = true;
  }
}
