import { RxuioError } from "../../errors.js";
import type { Region, Width } from "../backend.js";

/**
 * A simulated region: plain memory (an ArrayBuffer, little-endian like the
 * x86/arm64 hosts rxuio runs on) plus registers with side effects. A
 * behaviour attaches a {@link RegisterHook} at an offset to model what real
 * hardware does on access (W1C, read-to-clear, doorbells); accesses of that
 * width at that offset go to the hook, everything else to memory. Bounds,
 * alignment and ECLOSED are checked like the native region does.
 */
export interface RegisterHook {
  readonly width: Width;
  read?(): number | bigint;
  write?(value: number | bigint): void;
}

export class MemoryRegion implements Region {
  /** The backing memory, for behaviours; user code goes through the Region methods. */
  readonly memory: DataView;
  private readonly bytes: Uint8Array;
  private readonly buffer: ArrayBuffer;
  private readonly hooks = new Map<number, RegisterHook>();
  private isClosed = false;
  /** Whether view() handed the memory out: only then does close() detach it. */
  private viewed = false;
  readonly viewIsCopy = false;

  constructor(
    readonly index: number,
    readonly name: string | undefined,
    readonly size: number,
  ) {
    this.buffer = new ArrayBuffer(size);
    this.memory = new DataView(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Route accesses at `offset` (of the hook's width) to the hook. */
  hook(offset: number, hook: RegisterHook): void {
    this.hooks.set(offset, hook);
  }

  /** Detach every view and refuse further access. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    // Transferring the buffer detaches it, so views handed out earlier read
    // as empty rather than reaching memory a real device would have unmapped.
    // Only when there are views: the first detach in a process costs every
    // typed-array access in it a detach check from then on (V8's detach
    // protector; see NativeRegion.close), and the methods refuse by isClosed.
    if (this.viewed) structuredClone(this.buffer, { transfer: [this.buffer] });
  }

  // Each width reads memory directly (no width switch, no number|bigint
  // round trip): snapshot registers are read this way at every wake-up. A
  // region without hooks (most) reads memory before any hook lookup: where
  // the JIT does not inline hookAt (a process running several pipelines),
  // that saves a call per read.
  read8(offset: number): number {
    this.check(offset, 1, 1);
    if (this.hooks.size === 0) return this.memory.getUint8(offset);
    const hook = this.hookAt(offset, 8);
    return hook?.read ? Number(hook.read()) : this.memory.getUint8(offset);
  }
  read16(offset: number): number {
    this.check(offset, 2, 2);
    if (this.hooks.size === 0) return this.memory.getUint16(offset, true);
    const hook = this.hookAt(offset, 16);
    return hook?.read ? Number(hook.read()) : this.memory.getUint16(offset, true);
  }
  read32(offset: number): number {
    this.check(offset, 4, 4);
    if (this.hooks.size === 0) return this.memory.getUint32(offset, true);
    const hook = this.hookAt(offset, 32);
    return hook?.read ? Number(hook.read()) : this.memory.getUint32(offset, true);
  }
  read64(offset: number): bigint {
    this.check(offset, 8, 8);
    if (this.hooks.size === 0) return this.memory.getBigUint64(offset, true);
    const hook = this.hookAt(offset, 64);
    return hook?.read ? BigInt(hook.read()) : this.memory.getBigUint64(offset, true);
  }
  write8(offset: number, value: number): void {
    this.write(offset, 8, value);
  }
  write16(offset: number, value: number): void {
    this.write(offset, 16, value);
  }
  write32(offset: number, value: number): void {
    this.write(offset, 32, value);
  }
  write64(offset: number, value: bigint): void {
    this.write(offset, 64, value);
  }

  readBlock(offset: number, length: number): Buffer {
    this.check(offset, length, 1);
    return Buffer.from(this.bytes.slice(offset, offset + length));
  }

  writeBlock(offset: number, data: Uint8Array): void {
    this.check(offset, data.length, 1);
    this.bytes.set(data, offset);
  }

  view(): Uint8Array {
    this.check(0, 0, 1);
    this.viewed = true;
    return this.bytes;
  }

  private write(offset: number, width: Width, value: number | bigint): void {
    this.check(offset, width / 8, width / 8);
    const hook = this.hookAt(offset, width);
    if (hook?.write) {
      hook.write(value);
      return;
    }
    this.store(offset, width, value);
  }

  /** The hook for an access of `width` at `offset`, if any (most regions have none: skip the lookup). */
  private hookAt(offset: number, width: Width): RegisterHook | undefined {
    if (this.hooks.size === 0) return undefined;
    const hook = this.hooks.get(offset);
    return hook?.width === width ? hook : undefined;
  }

  /** Memory access without hooks or checks beyond DataView's, for behaviours. */
  load(offset: number, width: Width): number | bigint {
    switch (width) {
      case 8:
        return this.memory.getUint8(offset);
      case 16:
        return this.memory.getUint16(offset, true);
      case 32:
        return this.memory.getUint32(offset, true);
      case 64:
        return this.memory.getBigUint64(offset, true);
    }
  }

  store(offset: number, width: Width, value: number | bigint): void {
    switch (width) {
      case 8:
        return this.memory.setUint8(offset, Number(value));
      case 16:
        return this.memory.setUint16(offset, Number(value), true);
      case 32:
        return this.memory.setUint32(offset, Number(value), true);
      case 64:
        return this.memory.setBigUint64(offset, BigInt(value), true);
    }
  }

  private check(offset: number, length: number, align: number): void {
    // Every simulated register access passes here: test first, and build a
    // message only for the access that fails. The failure is a method of its
    // own so that this test stays small enough for the JIT to inline into
    // each read (with the messages in it, it was a call per register read).
    if (
      !this.isClosed &&
      Number.isInteger(offset) &&
      offset >= 0 &&
      offset + length <= this.size &&
      offset % align === 0
    ) {
      return;
    }
    this.refuse(offset, length, align);
  }

  /** Throws the RxuioError for an access check() refused. */
  private refuse(offset: number, length: number, align: number): never {
    const where = `region ${this.index}${this.name ? ` (${this.name})` : ""}`;
    if (this.isClosed) {
      throw new RxuioError("ECLOSED", `${where} is closed`, {
        path: where,
        hint: "Open the device again; accesses after close are refused",
      });
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + length > this.size) {
      throw new RxuioError(
        "ERANGE",
        `offset 0x${offset.toString(16)} (+${length}) is outside ${where} of ${this.size} bytes`,
        {
          path: where,
          value: offset,
          hint: `Use an offset below 0x${this.size.toString(16)}`,
        },
      );
    }
    throw new RxuioError(
      "EALIGN",
      `offset 0x${offset.toString(16)} is not aligned to ${align * 8} bits in ${where}`,
      {
        path: where,
        value: offset,
        hint: `Use a multiple of ${align}`,
      },
    );
  }
}
