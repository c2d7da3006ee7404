/**
 * Typed arrays over a region's mapping, one per access width, through which
 * NativeRegion's register reads load in JS instead of calling the addon.
 *
 * Why this is safe and exact:
 * - The buffer is an external ArrayBuffer of the region's own, never handed to
 *   user code. close() does not detach it (that would cost the process V8's
 *   detach protector): NativeRegion swaps these arrays for empty ones, and the
 *   addon swaps the device pages under the buffer for anonymous memory, kept
 *   reserved until the buffer is collected, so nothing reaches device memory
 *   after close and nothing ever reaches unmapped memory.
 * - An element load of a Uint32Array is one 32-bit load (likewise 8, 16 and
 *   64 bits) in V8's interpreter, baseline and optimising tiers: width-exact,
 *   never split or merged. On 32-bit CPUs V8 loads a BigUint64Array element
 *   as two 32-bit words, so there 64-bit reads stay native.
 * - Element i of the array for width W is at mapping byte i * W, so the
 *   arrays are built only where the mapping's start is aligned to W (the
 *   in-page offset is a multiple of W): then an index is aligned on the bus
 *   exactly when the offset is. Elsewhere the array is empty and reads of
 *   that width take the native call, which checks the real address.
 */
// x64, arm64, ppc64, s390x, riscv64, loong64 (Node.js runs on no other 64-bit CPU).
const WORD_IS_64_BITS = process.arch.endsWith("64");

export interface RegisterWindow {
  readonly at8: Uint8Array;
  readonly at16: Uint16Array;
  readonly at32: Uint32Array;
  readonly at64: BigUint64Array;
  /**
   * What register writes store through: the same arrays over a writable
   * mapping, empty ones over a read-only mapping (a store there would fault:
   * the native call reports EACCES instead).
   */
  readonly store8: Uint8Array;
  readonly store16: Uint16Array;
  readonly store32: Uint32Array;
}

/**
 * The window over `buffer` (the mapping from its first region byte), whose
 * first byte lies `inPageOffset` bytes into a page; with no buffer (external
 * buffers refused) every array is empty.
 */
export function registerWindow(
  buffer: ArrayBuffer | undefined,
  inPageOffset: number,
  writable: boolean,
): RegisterWindow {
  if (buffer === undefined) {
    const none = { at8: new Uint8Array(0), at16: new Uint16Array(0), at32: new Uint32Array(0) };
    return { ...none, at64: new BigUint64Array(0), store8: none.at8, store16: none.at16, store32: none.at32 };
  }
  const elements = (width: number): number =>
    inPageOffset % width === 0 && (width < 8 || WORD_IS_64_BITS) ? Math.floor(buffer.byteLength / width) : 0;
  const at8 = new Uint8Array(buffer, 0, elements(1));
  const at16 = new Uint16Array(buffer, 0, elements(2));
  const at32 = new Uint32Array(buffer, 0, elements(4));
  return {
    at8,
    at16,
    at32,
    at64: new BigUint64Array(buffer, 0, elements(8)),
    store8: writable ? at8 : new Uint8Array(0),
    store16: writable ? at16 : new Uint16Array(0),
    store32: writable ? at32 : new Uint32Array(0),
  };
}
