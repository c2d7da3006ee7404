import { addon, type PciCommandHandle } from "./binding.js";
import { fromNative } from "./errors.js";

/**
 * The PCI command register of a device's sysfs `device/config`, opened
 * read-write: INTx is masked or unmasked by a native pread/pwrite
 * read-modify-write of the word (native/pci_command.h), never from a
 * remembered word, so bits others change meanwhile survive.
 */
export class NativePciCommand {
  readonly #handle: PciCommandHandle;

  private constructor(
    handle: PciCommandHandle,
    readonly path: string,
  ) {
    this.#handle = handle;
  }

  /** Opens `configPath` read-write; errors are the native ones (EACCES, ENODEV...), mapped. */
  static open(configPath: string): NativePciCommand {
    try {
      return new NativePciCommand(new (addon().PciCommand)(configPath), configPath);
    } catch (err) {
      throw fromNative(err, { path: configPath });
    }
  }

  /** Clears (true) or sets (false) the INTx-disable bit; writes only when it changes. */
  setIntxEnabled(enabled: boolean): void {
    try {
      this.#handle.setIntxEnabled(enabled);
    } catch (err) {
      throw fromNative(err, { path: this.path });
    }
  }

  close(): void {
    this.#handle.close();
  }
}
