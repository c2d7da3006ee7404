import type { Region } from "../devices/backend.js";
import { RxuioError } from "../errors.js";
import { addon, type RegionHandle } from "./binding.js";
import { fromNative, type NativeErrorContext } from "./errors.js";
import { registerWindow, type RegisterWindow } from "./register-window.js";

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

// What a closed region's fast paths see: empty arrays, shared by all (they
// hold no memory, and nothing can store into an empty array).
const CLOSED_WINDOW = registerWindow(undefined, 0, false);

/**
 * One mmap'd region of a device file, e.g. map N of /dev/uioN (or any file,
 * which is how the tests run without a kernel). Every access is volatile,
 * width-exact and checked: out of bounds is ERANGE, a misaligned offset
 * EALIGN, any use after close() ECLOSED. Views handed out by view() are
 * detached on close, so they can never reach unmapped memory.
 *
 * Register reads load straight from the mapping in JS (see
 * register-window.ts), so the JIT can inline them into the caller's loop:
 * an N-API call per read would cost some 50 ns. Anything the fast path does
 * not accept (closed, out of range, misaligned, not a number) goes to the
 * native call, so errors are the addon's, exactly. Writes of 8 to 32 bits
 * store through the same window when the offset and value are ones the
 * native write takes (an N-API call costs several microseconds on an
 * emulated CPU, where it delayed raising an interrupt); everything else, and
 * 64-bit writes, take the native call.
 */
export class NativeRegion implements Region, Disposable {
  // The window of the region open() is constructing, for the field
  // initialisers below: a field whose first value is already the typed array
  // (not undefined, as a field assigned in the constructor starts out) keeps
  // V8's field type exact, which saves a map check on every read.
  static #opening: RegisterWindow | undefined;

  // The register window (register-window.ts): empty arrays where external
  // buffers are refused, and from close() on. Not readonly: close() swaps
  // them for empty ones instead of detaching the buffer (see close()).
  #at8 = (NativeRegion.#opening as RegisterWindow).at8;
  #at16 = (NativeRegion.#opening as RegisterWindow).at16;
  #at32 = (NativeRegion.#opening as RegisterWindow).at32;
  #at64 = (NativeRegion.#opening as RegisterWindow).at64;
  #store8 = (NativeRegion.#opening as RegisterWindow).store8;
  #store16 = (NativeRegion.#opening as RegisterWindow).store16;
  #store32 = (NativeRegion.#opening as RegisterWindow).store32;
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
      NativeRegion.#opening = registerWindow(handle.window(), inPageOffset, writable);
      try {
        return new NativeRegion(handle, path, index, name);
      } finally {
        NativeRegion.#opening = undefined;
      }
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

  /**
   * Whether register reads load from the mapping in JS (false where the
   * runtime refuses external buffers, with copyViews, and after close(): then
   * every read is a native call). Diagnostic only: both give the same values
   * and errors.
   */
  get fastReads(): boolean {
    return this.#at8.length > 0;
  }

  /** The file this region maps. */
  get path(): string {
    return this.#path;
  }

  // The fast paths. `index * W === offset` accepts exactly the non-negative
  // integer offsets aligned to W (>>> alone would wrap negatives and let
  // fractions and NaN through; non-numbers never get that far, so no
  // valueOf runs); past the end of the window
  // the element is undefined without touching memory, which also covers a
  // closed region (close() empties the arrays) and a width the mapping's
  // start is not aligned for (an empty array). Everything refused goes to the
  // native call, which reads or throws exactly as it always has.
  //
  // The load is a plain element load, not Atomics.load: V8 does not inline
  // Atomics (a builtin call per read, ~10x slower). Plain loads stay volatile
  // enough for a poll loop: V8 neither merges two loads of a typed array
  // element nor keeps one across a loop iteration (each iteration's stack
  // check may run arbitrary code), which test/native/region-poll.test.ts
  // proves with optimised poll loops on a word another process changes.

  read8(offset: number): number {
    if (typeof offset === "number") {
      const index = offset >>> 0;
      if (index === offset) {
        const value = this.#at8[index];
        if (value !== undefined) return value;
      }
    }
    return this.#nativeRead8(offset);
  }

  read16(offset: number): number {
    if (typeof offset === "number") {
      const index = offset >>> 1;
      if (index * 2 === offset) {
        const value = this.#at16[index];
        if (value !== undefined) return value;
      }
    }
    return this.#nativeRead16(offset);
  }

  read32(offset: number): number {
    if (typeof offset === "number") {
      const index = offset >>> 2;
      if (index * 4 === offset) {
        const value = this.#at32[index];
        if (value !== undefined) return value;
      }
    }
    return this.#nativeRead32(offset);
  }

  read64(offset: number): bigint {
    if (typeof offset === "number") {
      const index = offset >>> 3;
      if (index * 8 === offset) {
        const value = this.#at64[index];
        if (value !== undefined) return value;
      }
    }
    return this.#nativeRead64(offset);
  }

  // The native reads: the path for everything the fast paths refuse, and
  // the only one where external buffers are refused. Apart from the
  // try/catch, so the fast paths stay small enough to inline.

  #nativeRead8(offset: number): number {
    try {
      return this.#handle.read8(offset);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: offset });
    }
  }

  #nativeRead16(offset: number): number {
    try {
      return this.#handle.read16(offset);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: offset });
    }
  }

  #nativeRead32(offset: number): number {
    try {
      return this.#handle.read32(offset);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: offset });
    }
  }

  #nativeRead64(offset: number): bigint {
    try {
      return this.#handle.read64(offset);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value: offset });
    }
  }

  // The write fast paths: the offset test of the reads plus an explicit
  // bound (a typed-array store past the end is silently dropped, not an
  // error), and only integer values in [-2^(W-1), 2^W), exactly the range
  // the native write accepts (negatives as two's complement, which is what
  // the typed-array store makes of them too). For 8 and 16 bits the test
  // is one chain that every accepted value runs to its end: with an `||`
  // between a signed and an unsigned test, the first value >= 2^(W-1) took
  // a branch the optimised code had no feedback for, and deoptimised the
  // caller. (A 32-bit value >= 2^31 is a heap number, a new representation
  // for the caller anyway.) The store is one width-exact
  // store in every V8 tier; V8 neither drops it nor moves it past a later
  // load through another mapping of the same memory, which
  // test/native/region-writes.test.ts checks in optimised code.

  write8(offset: number, value: number): void {
    if (typeof offset === "number" && typeof value === "number") {
      const index = offset >>> 0;
      if (index === offset && index < this.#store8.length && (value | 0) === value && value >= -0x80 && value <= 0xff) {
        this.#store8[index] = value;
        return;
      }
    }
    this.#nativeWrite8(offset, value);
  }

  write16(offset: number, value: number): void {
    if (typeof offset === "number" && typeof value === "number") {
      const index = offset >>> 1;
      if (
        index * 2 === offset &&
        index < this.#store16.length &&
        (value | 0) === value &&
        value >= -0x8000 &&
        value <= 0xffff
      ) {
        this.#store16[index] = value;
        return;
      }
    }
    this.#nativeWrite16(offset, value);
  }

  write32(offset: number, value: number): void {
    if (typeof offset === "number" && typeof value === "number") {
      const index = offset >>> 2;
      if (index * 4 === offset && index < this.#store32.length && ((value | 0) === value || value >>> 0 === value)) {
        this.#store32[index] = value;
        return;
      }
    }
    this.#nativeWrite32(offset, value);
  }

  #nativeWrite8(offset: number, value: number): void {
    try {
      this.#handle.write8(offset, value);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value, hints: WRITE_HINTS });
    }
  }

  #nativeWrite16(offset: number, value: number): void {
    try {
      this.#handle.write16(offset, value);
    } catch (err) {
      throw fromNative(err, { path: this.#path, value, hints: WRITE_HINTS });
    }
  }

  #nativeWrite32(offset: number, value: number): void {
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

  /**
   * Detaches every view and drops the device mapping. Idempotent; afterwards
   * every access throws ECLOSED.
   */
  close(): void {
    // The fast paths find empty arrays from here on, so every access falls to
    // the native call, which throws ECLOSED. The window's buffer is not
    // detached: detaching any ArrayBuffer costs the whole process V8's
    // detach protector (every optimised typed-array access, in every region,
    // gains a detach check for good). The addon swaps the device pages under
    // it for anonymous memory, and these arrays were its only holders.
    const closed = CLOSED_WINDOW;
    this.#at8 = closed.at8;
    this.#at16 = closed.at16;
    this.#at32 = closed.at32;
    this.#at64 = closed.at64;
    this.#store8 = closed.store8;
    this.#store16 = closed.store16;
    this.#store32 = closed.store32;
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
