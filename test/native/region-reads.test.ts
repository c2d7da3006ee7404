import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RxuioError } from "../../src/errors.js";
import { regionHandle, NativeRegion, type NativeRegionOptions } from "../../src/native/region.js";
import { scratchDir, scratchFile, expectCode } from "./scratch.js";

/**
 * Register reads have two paths: loads from the region's window in JS (the
 * default) and the native call (where external buffers are refused, forced
 * here with copyViews). Whatever the offset, both must give the same value or
 * the same error: the fast path only ever accepts what the native one reads
 * and hands everything else to it.
 */

type Width = 8 | 16 | 32 | 64;
const WIDTHS: readonly Width[] = [8, 16, 32, 64];
const FILE_LENGTH = 2 * 4096;

type Outcome =
  | { readonly value: number | bigint }
  | { readonly code: string; readonly message: string; readonly offending: unknown; readonly path?: string | undefined };

function read(region: NativeRegion, width: Width, offset: unknown): Outcome {
  try {
    return { value: region[`read${width}`](offset as number) };
  } catch (err) {
    expect(err).toBeInstanceOf(RxuioError);
    const { code, message, value, path } = err as RxuioError;
    return { code, message, offending: value, path };
  }
}

/** Offsets of every kind a caller might pass, valid or not. */
const anyOffset = (length: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: length + 16 }) },
    fc.integer({ min: -64, max: -1 }),
    fc.double({ noDefaultInfinity: false }),
    fc.constantFrom(-0, Number.NaN, Infinity, -Infinity, 2 ** 32, 2 ** 32 + 4, 2 ** 53, 4.5, 1e-9),
    fc.constantFrom("4", "0", "", undefined, null, true, 4n, [4], { valueOf: () => 4 }),
  );

describe("NativeRegion register reads", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let file: string;
  const open: NativeRegion[] = [];

  function region(options: Partial<NativeRegionOptions>): NativeRegion {
    const r = NativeRegion.open(file, { index: 0, fileOffset: 0, inPageOffset: 0, length: 64, ...options });
    open.push(r);
    return r;
  }

  beforeEach(() => {
    scratch = scratchDir();
    file = scratchFile(
      scratch.dir,
      "regs",
      Uint8Array.from({ length: FILE_LENGTH }, (_, i) => (i * 37 + 11) % 256),
    );
  });

  afterEach(() => {
    for (const r of open.splice(0)) r.close();
    scratch.remove();
  });

  it("load in JS by default and on a read-only mapping, and call the addon with copyViews", () => {
    expect(region({}).fastReads).toBe(true);
    const readOnly = region({ writable: false });
    expect(readOnly.fastReads).toBe(true);
    // The user's view of a read-only mapping is still a copy.
    expect(readOnly.viewIsCopy).toBe(true);
    expect(region({ copyViews: true }).fastReads).toBe(false);
  });

  it("never hand the window out twice: no one else gets a writable array over a read-only mapping", () => {
    const readOnly = region({ writable: false });
    expect(regionHandle(readOnly).window()).toBeUndefined();
    expect(regionHandle(region({})).window()).toBeUndefined();
  });

  it("give the same values and errors on both paths, for any geometry and offset (property)", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 16 }),
        fc.integer({ min: 1, max: 96 }),
        fc.boolean(),
        fc.constantFrom(...WIDTHS),
        fc.array(anyOffset(96), { minLength: 1, maxLength: 16 }),
        (inPageOffset, length, writable, width, offsets) => {
          const geometry = { inPageOffset, length, writable };
          const fast = NativeRegion.open(file, { index: 0, fileOffset: 4096, ...geometry });
          const native = NativeRegion.open(file, { index: 0, fileOffset: 4096, copyViews: true, ...geometry });
          try {
            for (const offset of offsets) expect(read(fast, width, offset)).toEqual(read(native, width, offset));
          } finally {
            fast.close();
            native.close();
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("read in JS for every width the mapping's start is aligned to, natively for the others", () => {
    // Starting 2 bytes into the page: 16-bit reads are aligned at even
    // offsets, 32- and 64-bit ones at offsets 2 mod 4 and 6 mod 8.
    const shifted = region({ inPageOffset: 2 });
    const reference = region({ inPageOffset: 2, copyViews: true });
    expect(shifted.read16(4)).toBe(reference.read16(4));
    expect(shifted.read32(2)).toBe(reference.read32(2));
    expect(shifted.read64(6)).toBe(reference.read64(6));
    expect(expectCode(() => shifted.read32(4), "EALIGN").message).toBe(thrownMessage(() => reference.read32(4)));
  });

  it("see every change at once: native writes, writes through view(), another mapping's writes", () => {
    const r = region({});
    const other = region({});
    r.write32(8, 0x12345678);
    expect(r.read32(8)).toBe(0x12345678);
    new Uint32Array(r.view().buffer)[3] = 0xdeadbeef;
    expect(r.read32(12)).toBe(0xdeadbeef);
    other.write64(16, 2n ** 64n - 2n);
    expect(r.read64(16)).toBe(2n ** 64n - 2n);
    expect(r.read8(16)).toBe(new Uint8Array(new BigUint64Array([2n ** 64n - 2n]).buffer)[0]);
    other.write16(30, 0xbeef);
    expect(r.read16(30)).toBe(0xbeef);
  });

  it("throw ECLOSED after close on both paths, even for offsets that are also out of range", () => {
    const fast = region({});
    const native = region({ copyViews: true });
    const view = fast.view();
    fast.close();
    native.close();
    expect(view.byteLength).toBe(0);
    for (const width of WIDTHS) {
      for (const offset of [0, 8, 64, -8, 3]) {
        const outcome = read(fast, width, offset);
        expect(outcome).toMatchObject({ code: "ECLOSED" });
        expect(outcome).toEqual(read(native, width, offset));
      }
    }
  });

  it("throw ERANGE past the end and EALIGN off alignment, with the offset as the error's value", () => {
    const r = region({ length: 64 });
    expect(expectCode(() => r.read32(64), "ERANGE").value).toBe(64);
    expect(expectCode(() => r.read64(60), "ERANGE").value).toBe(60);
    expect(expectCode(() => r.read8(-1), "ERANGE").value).toBe(-1);
    expect(expectCode(() => r.read16(3), "EALIGN").value).toBe(3);
    expect(expectCode(() => r.read32(4.5 as number), "EINVAL").value).toBe(4.5);
    expect(expectCode(() => r.read64(8n as unknown as number), "EINVAL").value).toBe(8n);
    expect(r.read32(60)).toBeTypeOf("number");
    expect(r.read64(56)).toBeTypeOf("bigint");
  });
});

function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected a throw");
}
