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
 * Unmasking is on every interrupt's round trip, so it is one 2-byte write
 * and no read: the command word's other bits are remembered from the last
 * read. That is correct because while uio_pci_generic is bound the kernel
 * changes only bit 0x400 of this word (pci_check_and_mask_intx on each
 * interrupt, pci_intx), and every write here sets or clears that bit
 * explicitly; the enables were set at probe (pci_enable_device). Masking
 * re-reads the word first, so a change of the other bits made meanwhile by
 * another program (e.g. setpci enabling bus mastering) is taken over at the
 * next mask, and until then would be undone by an unmask.
 *
 * The write covers the whole word, not only its high byte, on purpose:
 * QEMU re-evaluates the INTx line only for config writes that cover the
 * command register's first byte, so a 1-byte write of the high byte would
 * unmask the bit without re-raising a pending interrupt. The config file is
 * opened on first use, since only unmasking needs write access to it.
 */
export class PciIntx implements IrqControlStrategy {
  readonly strategy = "pci-intx";
  #fd: number | undefined;
  #closed = false;
  /** The command word as last read, INTx disable cleared. */
  #command = 0;
  readonly #word = Buffer.alloc(2);

  constructor(readonly configPath: string) {}

  setEnabled(enabled: boolean): void {
    if (this.#closed) {
      throw new RxuioError("ECLOSED", `${this.configPath} is closed; the IRQ cannot be controlled`);
    }
    let fd = this.#fd;
    if (fd === undefined) {
      fd = this.#open();
    } else if (!enabled) {
      this.#command = this.#readCommand(fd) & ~INTX_DISABLE;
    }
    this.#word.writeUInt16LE(enabled ? this.#command : this.#command | INTX_DISABLE, 0);
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

  /** Opens the config file and reads the command word once. */
  #open(): number {
    let fd: number;
    try {
      fd = openSync(this.configPath, "r+");
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
    try {
      this.#command = this.#readCommand(fd) & ~INTX_DISABLE;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.#fd = fd;
    return fd;
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
