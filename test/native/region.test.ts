import { readFileSync, statSync } from "node:fs";
import { endianness } from "node:os";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pageSize } from "../../src/native/binding.js";
import { NativeRegion, type NativeRegionOptions } from "../../src/native/region.js";
import { expectCode, scratchDir, scratchFile } from "./scratch.js";

const PAGE = pageSize();

/** Byte i of the scratch file is i mod 251: every offset reads differently. */
function pattern(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i % 251);
}

describe("NativeRegion", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let file: string;
  const open: NativeRegion[] = [];

  function region(options: Partial<NativeRegionOptions> = {}): NativeRegion {
    const r = NativeRegion.open(file, {
      index: 1,
      name: "regs",
      fileOffset: PAGE,
      inPageOffset: 16,
      length: 256,
      ...options,
    });
    open.push(r);
    return r;
  }

  beforeEach(() => {
    scratch = scratchDir();
    file = scratchFile(scratch.dir, "mem", pattern(3 * PAGE));
  });

  afterEach(() => {
    for (const r of open.splice(0)) r.close();
    scratch.remove();
  });

  describe("mapping", () => {
    it("exposes length bytes at fileOffset + inPageOffset, with index and name", () => {
      const r = region();
      expect(r.index).toBe(1);
      expect(r.name).toBe("regs");
      expect(r.size).toBe(256);
      expect(r.closed).toBe(false);
      expect(r.read8(0)).toBe((PAGE + 16) % 251);
      expect(r.read8(255)).toBe((PAGE + 16 + 255) % 251);
      expect([...r.readBlock(0, 4)]).toEqual([...pattern(3 * PAGE).subarray(PAGE + 16, PAGE + 20)]);
    });

    it("maps regions that cross page boundaries", () => {
      const r = region({ fileOffset: 0, inPageOffset: PAGE - 8, length: PAGE + 16 });
      expect(r.read8(8)).toBe(PAGE % 251);
      expect(r.read8(PAGE + 15)).toBe((2 * PAGE + 7) % 251);
    });

    it("is shared with the file: writes land in it", () => {
      const r = region();
      r.write32(4, 0xcafef00d);
      const bytes = readFileSync(file).subarray(PAGE + 20, PAGE + 24);
      expect(bytes.readUInt32LE(0) === 0xcafef00d || bytes.readUInt32BE(0) === 0xcafef00d).toBe(true);
    });

    it("refuses a region past the end of a regular file with ERANGE (it would SIGBUS)", () => {
      const size = statSync(file).size;
      const err = expectCode(() => region({ fileOffset: 2 * PAGE, inPageOffset: 0, length: PAGE + 1 }), "ERANGE");
      expect(err.message).toContain(String(size));
      expect(err.path).toBe(file);
      // Exactly up to the end is fine.
      expect(region({ fileOffset: 2 * PAGE, inPageOffset: 0, length: PAGE }).size).toBe(PAGE);
    });

    it("maps character devices without an EOF check (/dev/zero)", () => {
      const zero = NativeRegion.open("/dev/zero", { index: 0, fileOffset: 0, inPageOffset: 0, length: 2 * PAGE });
      open.push(zero);
      expect(zero.read64(PAGE)).toBe(0n);
      zero.write16(2, 0xbeef);
      expect(zero.read16(2)).toBe(0xbeef);
    });

    it("rejects bad geometry with typed errors", () => {
      expectCode(() => region({ fileOffset: 100 }), "EINVAL");
      expectCode(() => region({ length: 0 }), "ERANGE");
      expectCode(() => region({ inPageOffset: -1 }), "ERANGE");
      expectCode(() => region({ fileOffset: 1.5 }), "EINVAL");
      expectCode(() => region({ length: Number.NaN }), "EINVAL");
      expectCode(() => region({ index: -1 }), "EINVAL");
      expectCode(() => region({ length: "8" as unknown as number }), "EINVAL");
      expectCode(() => region({ writable: "yes" as unknown as boolean }), "EINVAL");
    });

    it("reports a missing device as ENODEV and a bad path as EINVAL", () => {
      const err = expectCode(
        () => NativeRegion.open(`${scratch.dir}/uio9`, { index: 0, fileOffset: 0, inPageOffset: 0, length: 4 }),
        "ENODEV",
      );
      expect(err.errno).toBe("ENOENT");
      expect(err.syscall).toBe("open");
      expectCode(() => NativeRegion.open("", { index: 0, fileOffset: 0, inPageOffset: 0, length: 4 }), "EINVAL");
      expectCode(
        () => NativeRegion.open("/dev/zero\0x", { index: 0, fileOffset: 0, inPageOffset: 0, length: 4 }),
        "EINVAL",
      );
    });
  });

  describe("register access", () => {
    it("reads every width natively-endian and width-exact", () => {
      const r = region({ inPageOffset: 0 });
      const bytes = pattern(3 * PAGE).subarray(PAGE, PAGE + 16);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const little = endianness() === "LE";
      expect(r.read8(3)).toBe(view.getUint8(3));
      expect(r.read16(2)).toBe(view.getUint16(2, little));
      expect(r.read32(4)).toBe(view.getUint32(4, little));
      expect(r.read64(8)).toBe(view.getBigUint64(8, little));
    });

    it("writes exactly the addressed bytes", () => {
      const r = region({ inPageOffset: 0 });
      const before = r.readBlock(0, 16);
      r.write16(6, 0xffff);
      const after = r.readBlock(0, 16);
      expect([...after.subarray(0, 6)]).toEqual([...before.subarray(0, 6)]);
      expect([...after.subarray(6, 8)]).toEqual([0xff, 0xff]);
      expect([...after.subarray(8)]).toEqual([...before.subarray(8)]);
    });

    it("round-trips every width at every aligned offset (property)", () => {
      const r = region({ inPageOffset: 0, length: 64 });
      const widths = [8, 16, 32] as const;
      fc.assert(
        fc.property(
          fc.constantFrom(...widths),
          fc.nat({ max: 63 }),
          fc.nat({ max: 0xffffffff }),
          (width, slot, raw) => {
            const bytes = width / 8;
            const offset = Math.floor(slot / bytes) * bytes;
            const value = raw % 2 ** width;
            r[`write${width}`](offset, value);
            expect(r[`read${width}`](offset)).toBe(value);
          },
        ),
      );
      fc.assert(
        fc.property(fc.nat({ max: 7 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (slot, value) => {
          r.write64(slot * 8, value);
          expect(r.read64(slot * 8)).toBe(value);
        }),
      );
    });

    it("accepts the signed range too (JS bit operators yield signed numbers)", () => {
      const r = region({ inPageOffset: 0 });
      r.write8(0, -1);
      expect(r.read8(0)).toBe(0xff);
      r.write16(2, -2);
      expect(r.read16(2)).toBe(0xfffe);
      r.write32(4, 1 << 31);
      expect(r.read32(4)).toBe(0x80000000);
      r.write64(8, -1n);
      expect(r.read64(8)).toBe(2n ** 64n - 1n);
    });

    it("refuses values outside the width with ERANGE", () => {
      const r = region({ inPageOffset: 0 });
      const err = expectCode(() => r.write8(0, 300), "ERANGE");
      expect(err.value).toBe(300);
      expectCode(() => r.write8(0, -129), "ERANGE");
      expectCode(() => r.write16(0, 0x10000), "ERANGE");
      expectCode(() => r.write32(0, 2 ** 32), "ERANGE");
      expectCode(() => r.write64(0, 2n ** 64n), "ERANGE");
      expectCode(() => r.write64(0, -(2n ** 63n) - 1n), "ERANGE");
      expect(r.read8(0)).toBe(PAGE % 251);
    });

    it("refuses values of the wrong type with EINVAL", () => {
      const r = region({ inPageOffset: 0 });
      expectCode(() => r.write32(0, 1.5), "EINVAL");
      expectCode(() => r.write32(0, Number.NaN), "EINVAL");
      expectCode(() => r.write32(0, "1" as unknown as number), "EINVAL");
      expectCode(() => r.write64(0, 1 as unknown as bigint), "EINVAL");
      expectCode(() => r.read32("0" as unknown as number), "EINVAL");
      expectCode(() => r.read32(undefined as unknown as number), "EINVAL");
      expectCode(() => r.read8(Infinity), "EINVAL");
    });

    it("checks bounds for every width with ERANGE", () => {
      const r = region({ length: 64 });
      expect(r.read32(60)).toBeTypeOf("number");
      expectCode(() => r.read8(64), "ERANGE");
      expectCode(() => r.read16(63), "ERANGE");
      expectCode(() => r.read32(64), "ERANGE");
      expectCode(() => r.read64(64), "ERANGE");
      expectCode(() => r.read8(-1), "ERANGE");
      expectCode(() => r.write8(64, 0), "ERANGE");
      expectCode(() => r.write64(2 ** 40, 0n), "ERANGE");
    });

    it("checks natural alignment of the real address with EALIGN", () => {
      const r = region({ inPageOffset: 0 });
      expectCode(() => r.read16(1), "EALIGN");
      expectCode(() => r.read32(2), "EALIGN");
      expectCode(() => r.read64(4), "EALIGN");
      expectCode(() => r.write32(6, 0), "EALIGN");
      // The in-page offset counts: the bus sees base + offset.
      const shifted = region({ inPageOffset: 2 });
      expect(shifted.read16(0)).toBeTypeOf("number");
      expectCode(() => shifted.read32(0), "EALIGN");
      expect(shifted.read32(2)).toBeTypeOf("number");
    });
  });

  describe("blocks", () => {
    it("copies blocks in and out", () => {
      const r = region();
      r.writeBlock(10, Uint8Array.of(1, 2, 3));
      expect([...r.readBlock(9, 5)]).toEqual([(PAGE + 25) % 251, 1, 2, 3, (PAGE + 29) % 251]);
      expect(r.readBlock(256, 0).length).toBe(0);
      r.writeBlock(0, Buffer.from("hi"));
      expect(r.readBlock(0, 2).toString()).toBe("hi");
    });

    it("handles a block that overlaps its own mapping, like memmove", () => {
      const r = region({ inPageOffset: 0, length: 32 });
      r.writeBlock(0, Uint8Array.from({ length: 16 }, (_, i) => i));
      r.writeBlock(4, r.view().subarray(0, 16));
      expect([...r.readBlock(4, 16)]).toEqual([...Array(16).keys()]);
    });

    it("checks block bounds and types", () => {
      const r = region();
      expectCode(() => r.readBlock(250, 7), "ERANGE");
      expectCode(() => r.readBlock(0, -1), "ERANGE");
      expectCode(() => r.writeBlock(255, Uint8Array.of(1, 2)), "ERANGE");
      expectCode(() => r.writeBlock(0, [1, 2] as unknown as Uint8Array), "EINVAL");
      expectCode(() => r.writeBlock(0, new Uint16Array(2) as unknown as Uint8Array), "EINVAL");
    });
  });

  describe("views", () => {
    it("gives a live zero-copy view over the mapping", () => {
      const r = region();
      const view = r.view();
      expect(r.viewIsCopy).toBe(false);
      expect(view.length).toBe(256);
      expect(view[0]).toBe((PAGE + 16) % 251);
      view[5] = 0x42;
      expect(r.read8(5)).toBe(0x42);
      r.write8(6, 0x43);
      expect(view[6]).toBe(0x43);
      expect(r.view().buffer).toBe(view.buffer);
    });

    it("detaches every view on close: length 0, reads undefined, writes ignored, no crash", () => {
      const r = region();
      const view = r.view();
      const words = new Uint32Array(view.buffer);
      r.close();
      expect(view.byteLength).toBe(0);
      expect(view.buffer.byteLength).toBe(0);
      expect(words.length).toBe(0);
      expect(view[0]).toBeUndefined();
      view[0] = 1;
      expect(view[0]).toBeUndefined();
    });

    it("hands out copies when asked to (the Electron fallback)", () => {
      const r = region({ copyViews: true });
      expect(r.viewIsCopy).toBe(true);
      const copy = r.view();
      copy[0] = 0x99;
      expect(r.read8(0)).toBe((PAGE + 16) % 251);
      r.write8(1, 0x77);
      expect(copy[1]).toBe((PAGE + 17) % 251);
      expect(r.view()[1]).toBe(0x77);
      r.close();
      // A copy is ordinary memory and stays valid.
      expect(copy.length).toBe(256);
      expect(copy[0]).toBe(0x99);
    });

    it("maps read-only on request: reads work, writes are EACCES, views are copies", () => {
      const r = region({ writable: false });
      expect(r.read8(0)).toBe((PAGE + 16) % 251);
      expect(r.viewIsCopy).toBe(true);
      const err = expectCode(() => r.write8(0, 1), "EACCES");
      expect(err.message).toMatch(/writable: true/);
      expectCode(() => r.writeBlock(0, Uint8Array.of(1)), "EACCES");
      const copy = r.view();
      copy[0] = 1;
      expect(r.read8(0)).toBe((PAGE + 16) % 251);
    });
  });

  describe("close", () => {
    it("makes every method throw ECLOSED, and is idempotent", () => {
      const r = region();
      r.close();
      r.close();
      r[Symbol.dispose]();
      expect(r.closed).toBe(true);
      const calls: (() => unknown)[] = [
        () => r.read8(0),
        () => r.read16(0),
        () => r.read32(0),
        () => r.read64(0),
        () => r.write8(0, 0),
        () => r.write16(0, 0),
        () => r.write32(0, 0),
        () => r.write64(0, 0n),
        () => r.readBlock(0, 1),
        () => r.writeBlock(0, Uint8Array.of(0)),
        () => r.view(),
        // Closed wins over a bad argument.
        () => r.read32(-5),
      ];
      for (const call of calls) {
        const err = expectCode(call, "ECLOSED");
        expect(err.message).toMatch(/open .* again/i);
      }
    });

    it("does not disturb other regions of the same file", () => {
      const a = region();
      const b = region();
      a.close();
      expect(b.read8(0)).toBe((PAGE + 16) % 251);
    });
  });
});
