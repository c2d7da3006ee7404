import fc from "fast-check";
import { isLeft, isRight } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import {
  EventCountAttribute,
  HexAddressAttribute,
  HexNumberAttribute,
  OptionalNameAttribute,
  TextAttribute,
} from "../../../src/devices/sysfs/attribute.js";

describe("sysfs attribute codecs", () => {
  it("decode what the kernel prints for addresses (%pa), sizes (0x%lx) and counts (%u)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (addr) => {
        const text = `0x${addr.toString(16).padStart(16, "0")}\n`;
        expect(HexAddressAttribute.decode(text)).toEqual({ _tag: "Right", right: addr });
        expect(HexAddressAttribute.encode(addr)).toBe(text);
      }),
    );
    fc.assert(
      fc.property(fc.maxSafeNat(), (size) => {
        expect(HexNumberAttribute.decode(`0x${size.toString(16)}\n`)).toEqual({
          _tag: "Right",
          right: size,
        });
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (count) => {
        expect(EventCountAttribute.decode(`${count}\n`)).toEqual({ _tag: "Right", right: count });
      }),
    );
  });

  it("accept upper-case hex digits", () => {
    expect(HexNumberAttribute.decode("0xFEA00000")).toEqual({ _tag: "Right", right: 0xfea00000 });
  });

  it("refuse anything that is not the kernel's format", () => {
    for (const text of ["", "\n", "100000", "0x", "0x1g", "-0x1", "0x 10", "1e3", undefined, 42]) {
      expect(isLeft(HexNumberAttribute.decode(text))).toBe(true);
      expect(isLeft(HexAddressAttribute.decode(text))).toBe(true);
    }
    for (const text of ["", "lots", "-1", "0x10", "4294967296", "1.5", undefined]) {
      expect(isLeft(EventCountAttribute.decode(text))).toBe(true);
    }
  });

  it("refuse sizes a JS number cannot hold exactly", () => {
    expect(isLeft(HexNumberAttribute.decode("0x20000000000000"))).toBe(true);
    expect(isRight(HexNumberAttribute.decode("0x1fffffffffffff"))).toBe(true);
  });

  it("treat an absent or empty map name as no name, but require text attributes", () => {
    expect(OptionalNameAttribute.decode(undefined)).toEqual({ _tag: "Right", right: undefined });
    expect(OptionalNameAttribute.decode("\n")).toEqual({ _tag: "Right", right: undefined });
    expect(OptionalNameAttribute.decode("regs\n")).toEqual({ _tag: "Right", right: "regs" });
    expect(TextAttribute.decode("0.01.0\n")).toEqual({ _tag: "Right", right: "0.01.0" });
    expect(isLeft(TextAttribute.decode(undefined))).toBe(true);
  });
});
