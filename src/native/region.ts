import type { Region } from "../devices/backend.js";
import { RxuioError } from "../errors.js";
import { addon, type RegionHandle } from "./binding.js";
import { fromNative, type NativeErrorContext } from "./errors.js";

/** Where a region lies in its file, and how to map it. */
export interface NativeRegionOptions {
  /** The map index (N of `maps/mapN`); informational here, the caller computes `fileOffset`. */
  readonly index: number;
  /** `maps/mapN/name`, when the driver gave one. */
  readonly name?: string | undefined;
  /** Page-aligned file offset of the mapping; for /dev/uioN map N it is N * pageSize(). */
  readonly fileOffset: number;
  /** Where the region starts inside the first page (`maps/mapN/offset`). */
  readonly inPageOffset: number;
  /** Usable length in bytes (`maps/mapN/size`). */
  readonly length: number;
  /** Map for writing as well as reading (default true). A read-only region's view() is a copy. */
  readonly writable?: boolean;
  /**
   * Make view() return copies even where external buffers are allowed, as
   * runtimes with a V8 sandbox (Electron >= 21) force; for tests of that path.
   */
  readonly copyViews?: boolean;
}

const WRITE_HINTS: NativeErrorContext["hints"] = {
  EACCES: "This region was mapped read-only; open it with writable: true to write",
};

let handleOf: (region: NativeRegion) => RegionHandle;

/**
 * One mmap'd region of a device file, e.g. map N of /dev/uioN (or any file,
 * which is how the tests run without a kernel). Every access is volatile,
 * width-exact and checked in native code: out of bounds is ERANGE, a
 * misaligned offset EALIGN, any use after close() ECLOSED. Views handed out by
 * view() are detached on close, so they can never reach unmapped memory.
 */
export class NativeRegion implements Region, Disposable {
  readonly #handle: RegionHandle;
  readonly #path: string;
  readonly index: number;
  readonly name: string | undefined;

  static {
    handleOf = (region) => region.#handle;
  }

  private constructor(handle: RegionHandle, path: string, index: number, name: string | undefined) {
    this.#handle = handle;
    this.#path = path;
    this.index = index;
    this.name = name;
  }

  /**
   * Maps `[fileOffset, fileOffset + roundUp(inPageOffset + length, page))` of
   * `path` and exposes the `length` bytes at `inPageOffset`. A regular file
   * too short for the region is refused with ERANGE (touching it would SIGBUS).
   */
  static open(path: string, options: NativeRegionOptions): NativeRegion {
    const { index, name, fileOffset, inPageOffset, length, writable = true, copyViews = false } = options;
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new RxuioError("EINVAL", `Map index must be a non-negative integer, got ${String(index)}`, {
        value: index,
        path,
      });
    }
    try {
      const { Region: RegionCtor } = addon();
      const handle = new RegionCtor(path, fileOffset, inPageOffset, length, writable, copyViews);
      return new NativeRegion(handle, path, index, name);
    } catch (err) {
      throw fromNative(err, { path });
    }
  }

  get size(): number {
    return this.#handle.size;
  }

  get closed(): boolean {
    return this.#handle.closed;
  }

  get viewIsCopy(): boolean {
    return this.#handle.viewIsCopy;
  }

  /** The file this region maps. */
  get path(): string {
    return this.#path;
  }

  read8(offset: number): number {
    try {
      return this.#handle.read8(offset);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: offset });
    }
  }

  read16(offset: number): number {
    try {
      return this.#handle.read16(offset);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: offset });
    }
  }

  read32(offset: number): number {
    try {
      return this.#handle.read32(offset);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: offset });
    }
  }

  read64(offset: number): bigint {
    try {
      return this.#handle.read64(offset);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: offset });
    }
  }

  write8(offset: number, value: number): void {
    try {
      this.#handle.write8(offset, value);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value, hints: WRITE_HINTS });
    }
  }

  write16(offset: number, value: number): void {
    try {
      this.#handle.write16(offset, value);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value, hints: WRITE_HINTS });
    }
  }

  write32(offset: number, value: number): void {
    try {
      this.#handle.write32(offset, value);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value, hints: WRITE_HINTS });
    }
  }

  write64(offset: number, value: bigint): void {
    try {
      this.#handle.write64(offset, value);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value, hints: WRITE_HINTS });
    }
  }

  readBlock(offset: number, length: number): Buffer {
    try {
      return this.#handle.readBlock(offset, length);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: { offset, length } });
    }
  }

  writeBlock(offset: number, data: Uint8Array): void {
    try {
      this.#handle.writeBlock(offset, data);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: offset, hints: WRITE_HINTS });
    }
  }

  view(): Uint8Array {
    try {
      return this.#handle.view();
    } catch (err) {
      throw fromNative(err, { path: this.#path });
    }
  }

  /** Detaches every view and unmaps. Idempotent; afterwards every access throws ECLOSED. */
  close(): void {
    this.#handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The addon object behind a region, for native consumers (event-fd snapshots). */
export function regionHandle(region: NativeRegion): RegionHandle {
  return handleOf(region);
}
