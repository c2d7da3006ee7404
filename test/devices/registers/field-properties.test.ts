import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryRegion } from "../../../src/devices/sim/memory-region.js";
import { registersFromJson } from "../../../src/devices/registers/define-registers.js";

/** A field inside a register of the given width: [lsb, bits]. */
const fieldIn = (width: number) =>
  fc
    .integer({ min: 1, max: Math.min(32, width) })
    .chain((bits) => fc.tuple(fc.integer({ min: 0, max: width - bits }), fc.constant(bits)));

describe("bit fields (properties)", () => {
  it("a field write on an rw register reads back and leaves every other bit alone", () => {
    const cases = fc
      .constantFrom(8, 16, 32)
      .chain((width) => fc.tuple(fc.constant(width), fieldIn(width), fc.nat(), fc.nat()));
    fc.assert(
      fc.property(cases, ([width, [lsb, bits], initialSeed, valueSeed]) => {
        const regs = registersFromJson({
          registers: { r: { offset: 0, width, fields: { f: [lsb, bits] } } },
        }).bind(new MemoryRegion(0, undefined, 8));
        const reg = regs["r"];
        const field = reg?.fields["f"];
        if (!reg || !field) throw new Error("map did not bind");
        const initial = initialSeed % 2 ** width;
        const value = valueSeed % 2 ** bits;
        reg.write(initial);
        field.write(value);
        const after = Number(reg.read());
        const others = (v: number) => v - (Math.floor(v / 2 ** lsb) % 2 ** bits) * 2 ** lsb;
        expect(field.read()).toBe(value);
        expect(others(after)).toBe(others(initial));
      }),
    );
  });

  it("a field write on a w1c register sends exactly the field's bits", () => {
    fc.assert(
      fc.property(fieldIn(32), fc.nat(), ([lsb, bits], seed) => {
        const region = new MemoryRegion(0, undefined, 4);
        const written: number[] = [];
        region.hook(0, {
          width: 32,
          read: () => 0xffffffff,
          write: (v) => written.push(Number(v)),
        });
        const field = registersFromJson({
          registers: { s: { offset: 0, access: "w1c", fields: { f: [lsb, bits] } } },
        }).bind(region)["s"]?.fields["f"];
        const value = seed % 2 ** bits;
        field?.write(value);
        expect(written).toEqual([value * 2 ** lsb]);
      }),
    );
  });
});
