import { RxuioError } from "../../errors.js";
import { NativePciCommand } from "../../native/pci-command.js";
import type { IrqControlStrategy } from "./strategy.js";

/**
 * Masks and unmasks a PCI device's legacy interrupt through the INTx-disable
 * bit (0x400) of its command register, written through sysfs `device/config`.
 * This is how uio_pci_generic devices are re-armed: the driver has no
 * irqcontrol and sets the bit itself on every interrupt.
 *
 * The command register is an ordinary read/write register (not
 * write-1-to-clear), so read-modify-write of the word is correct; it keeps
 * the memory/IO/bus-master enables intact, and it is re-read every time
 * because others may change those bits meanwhile. The read-modify-write is
 * native (one pread and at most one pwrite, native/pci_command.h): it is on
 * every interrupt's path. The config file is opened on first use, since only
 * unmasking needs write access to it.
 */
export class PciIntx implements IrqControlStrategy {
  readonly strategy = "pci-intx";
  #command: NativePciCommand | undefined;
  #closed = false;

  constructor(readonly configPath: string) {}

  setEnabled(enabled: boolean): void {
    if (this.#closed) {
      throw new RxuioError("ECLOSED", `${this.configPath} is closed; the IRQ cannot be controlled`);
    }
    const command = this.#open();
    try {
      command.setIntxEnabled(enabled);
    } catch (err) {
      if (!(err instanceof RxuioError) || err.code !== "EIO" || err.errno !== undefined) throw err;
      // A short read or write: not a PCI configuration header.
      throw new RxuioError("EIO", `${this.configPath} is shorter than a PCI configuration header`, {
        path: this.configPath,
        syscall: err.syscall,
        cause: err,
        hint: "Check that device/config belongs to a PCI device",
      });
    }
  }

  close(): void {
    this.#closed = true;
    this.#command?.close();
    this.#command = undefined;
  }

  #open(): NativePciCommand {
    if (this.#command !== undefined) return this.#command;
    try {
      this.#command = NativePciCommand.open(this.configPath);
      return this.#command;
    } catch (err) {
      if (!(err instanceof RxuioError) || err.code !== "EACCES") throw err;
      throw new RxuioError(
        "EACCES",
        `Cannot open ${this.configPath} for writing; unmasking a uio_pci_generic interrupt writes the PCI command register there`,
        {
          path: this.configPath,
          errno: err.errno,
          syscall: "open",
          cause: err,
          hint: "Run as root, or let your group write it (e.g. a udev rule for the PCI device running chgrp uio and chmod g+w on its config)",
        },
      );
    }
  }
}
