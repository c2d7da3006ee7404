import { addon, type PortsHandle } from "./binding.js";
import { fromNative, type NativeErrorContext } from "./errors.js";

const OPEN_HINTS: NativeErrorContext["hints"] = {
  EACCES: "Port I/O needs root or CAP_SYS_RAWIO",
  ENOSYS:
    "Port I/O needs x86 and a kernel with ioperm() (CONFIG_X86_IOPL_IOPERM); use a memory-mapped region instead",
};

/**
 * An x86 I/O-port range of a UIO device (`portio/portN`): ioperm() on open,
 * then 8/16/32-bit in/out at offsets relative to `start`, range-checked in
 * native code. The permission belongs to the thread that opened the range.
 */
export class NativePorts implements Disposable {
  readonly #handle: PortsHandle;
  readonly start: number;
  readonly size: number;

  private constructor(handle: PortsHandle, start: number, size: number) {
    this.#handle = handle;
    this.start = start;
    this.size = size;
  }

  /** Requests access to ports [start, start + size). EACCES without privilege, ENOSYS off x86. */
  static open(start: number, size: number): NativePorts {
    try {
      const { Ports } = addon();
      return new NativePorts(new Ports(start, size), start, size);
    } catch (err) {
      throw fromNative(err, { value: { start, size }, hints: OPEN_HINTS });
    }
  }

  get closed(): boolean {
    return this.#handle.closed;
  }

  inb(offset: number): number {
    try {
      return this.#handle.inb(offset);
    } catch (err) {
      throw fromNative(err, { value: offset });
    }
  }

  inw(offset: number): number {
    try {
      return this.#handle.inw(offset);
    } catch (err) {
      throw fromNative(err, { value: offset });
    }
  }

  inl(offset: number): number {
    try {
      return this.#handle.inl(offset);
    } catch (err) {
      throw fromNative(err, { value: offset });
    }
  }

  outb(offset: number, value: number): void {
    try {
      this.#handle.outb(offset, value);
    } catch (err) {
      throw fromNative(err, { value });
    }
  }

  outw(offset: number, value: number): void {
    try {
      this.#handle.outw(offset, value);
    } catch (err) {
      throw fromNative(err, { value });
    }
  }

  outl(offset: number, value: number): void {
    try {
      this.#handle.outl(offset, value);
    } catch (err) {
      throw fromNative(err, { value });
    }
  }

  /** Drops the permission (unless another open range covers the same ports). Idempotent. */
  close(): void {
    this.#handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
