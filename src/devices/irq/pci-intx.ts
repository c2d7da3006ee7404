import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { RxuioError } from "../../errors.js";
import { systemError } from "../system-error.js";
import type { IrqControlStrategy } from "./strategy.js";

/** Offset of the 16-bit PCI command register in configuration space. */
const COMMAND = 4;
/** Command register bit 10: INTx emulation disable (set = masked). */
const INTX_DISABLE = 0x400;

/**
 * Masks and unmasks a PCI device's legacy interrupt through the INTx-disable
 * bit of its command register, written through sysfs `device/config`. This is
 * how uio_pci_generic devices are re-armed: the driver has no irqcontrol and
 * sets the bit itself on every interrupt.
 *
 * The command register is an ordinary read/write register (not
 * write-1-to-clear), so read-modify-write of the word is correct; it keeps
 * the memory/IO/bus-master enables intact. The config file is opened on first
 * use, since only unmasking needs write access to it.
 */
export class PciIntx implements IrqControlStrategy {
  readonly strategy = "pci-intx";
  #fd: number | undefined;
  #closed = false;
  readonly #word = Buffer.alloc(2);

  constructor(readonly configPath: string) {}

  setEnabled(enabled: boolean): void {
    if (this.#closed) {
      throw new RxuioError("ECLOSED", `${this.configPath} is closed; the IRQ cannot be controlled`);
    }
    const fd = this.#open();
    const command = this.#readCommand(fd);
    const next = enabled ? command & ~INTX_DISABLE : command | INTX_DISABLE;
    // Writing an unchanged word would only cost a config-space cycle.
    if (next === command) return;
    this.#word.writeUInt16LE(next, 0);
    try {
      if (writeSync(fd, this.#word, 0, 2, COMMAND) !== 2) throw new Error("short write");
    } catch (err) {
      throw systemError(err, this.configPath, "write");
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #open(): number {
    if (this.#fd !== undefined) return this.#fd;
    try {
      this.#fd = openSync(this.configPath, "r+");
      return this.#fd;
    } catch (err) {
      const error = systemError(err, this.configPath, "open");
      if (error.code !== "EACCES") throw error;
      throw new RxuioError(
        "EACCES",
        `Cannot open ${this.configPath} for writing; unmasking a uio_pci_generic interrupt writes the PCI command register there`,
        {
          path: this.configPath,
          errno: error.errno,
          syscall: "open",
          cause: err,
          hint: "Run as root, or let your group write it (e.g. a udev rule for the PCI device running chgrp uio and chmod g+w on its config)",
        },
      );
    }
  }

  #readCommand(fd: number): number {
    try {
      if (readSync(fd, this.#word, 0, 2, COMMAND) !== 2) {
        throw new RxuioError(
          "EIO",
          `${this.configPath} is shorter than a PCI configuration header`,
          {
            path: this.configPath,
            hint: "Check that device/config belongs to a PCI device",
          },
        );
      }
    } catch (err) {
      throw systemError(err, this.configPath, "read");
    }
    return this.#word.readUInt16LE(0);
  }
}
