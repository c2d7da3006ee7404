import { describe, expect, it } from "vitest";
import { MemoryRegion } from "../../../src/devices/sim/memory-region.js";
import {
  defineRegisters,
  registersFromJson,
} from "../../../src/devices/registers/define-registers.js";
import { isRxuioError, type RxuioError } from "../../../src/errors.js";

function caught(fn: () => unknown): RxuioError {
  try {
    fn();
  } catch (err) {
    if (isRxuioError(err)) return err;
    throw err;
  }
  throw new Error("expected an RxuioError");
}

const map = defineRegisters({
  ctrl: {
    offset: 0x00,
    fields: { enable: [0, 1], mode: { bits: [4, 2], values: { slow: 1, fast: 2 } } },
  },
  status: { offset: 0x04, access: "w1c", volatile: true, fields: { done: [0, 1], err: [1, 1] } },
  id: { offset: 0x08, access: "ro" },
  doorbell: { offset: 0x0c, access: "wo", fields: { lo: [0, 8], hi: [8, 8] } },
  fifo: { offset: 0x10, access: "rc", width: 16 },
  big: { offset: 0x18, width: 64, fields: { top: [32, 32] } },
  byte: { offset: 0x20, width: 8 },
});

function setup() {
  const region = new MemoryRegion(0, "regs", 0x40);
  return { region, regs: map.bind(region) };
}

describe("defineRegisters().bind(region)", () => {
  it("reads and writes registers at their offsets and widths", () => {
    const { region, regs } = setup();
    region.store(0x08, 32, 0x010000ed);
    expect(regs.id.read()).toBe(0x010000ed);
    regs.byte.write(0xab);
    expect(region.load(0x20, 8)).toBe(0xab);
    regs.big.write(0x1234_5678_9abc_def0n);
    expect(regs.big.read()).toBe(0x1234_5678_9abc_def0n);
    expect(regs.big.fields.top.read()).toBe(0x12345678);
    expect(regs.id.snapshot).toEqual({ region: 0, offset: 0x08, width: 32 });
  });

  it("derives static types from the declaration", () => {
    const { regs } = setup();
    const wide: bigint = regs.big.read();
    const narrow: number = regs.id.read();
    expect([typeof wide, typeof narrow]).toEqual(["bigint", "number"]);
    // @ts-expect-error fields that were not declared do not exist
    expect(regs.ctrl.fields.nope).toBeUndefined();
    // @ts-expect-error value names come from the declaration
    expect(() => regs.ctrl.fields.mode.write("turbo")).toThrow(/no value named/);
  });

  it("field writes on rw registers read-modify-write", () => {
    const { region, regs } = setup();
    region.store(0x00, 32, 0xff00_0000);
    regs.ctrl.fields.mode.write("fast");
    regs.ctrl.fields.enable.write(1);
    expect(region.load(0x00, 32)).toBe(0xff00_0021);
    expect(regs.ctrl.fields.mode.is("fast")).toBe(true);
    expect(regs.ctrl.fields.mode.read()).toBe(2);
    expect(regs.ctrl.fields.mode.extract(0x10)).toBe(1);
  });

  it("w1c writes send only the given bits and never read first", () => {
    const { region, regs } = setup();
    const writes: number[] = [];
    let reads = 0;
    region.hook(0x04, {
      width: 32,
      read: () => {
        reads++;
        return 0b11;
      },
      write: (v) => writes.push(Number(v)),
    });
    regs.status.write(0b01);
    regs.status.fields.err.write(1);
    expect(writes).toEqual([0b01, 0b10]);
    expect(reads).toBe(0);
    expect(regs.status.fields.done.read()).toBe(1);
  });

  it("wo field writes merge into the last value written, not a read", () => {
    const { region, regs } = setup();
    regs.doorbell.fields.lo.write(0x12);
    regs.doorbell.fields.hi.write(0x34);
    expect(region.load(0x0c, 32)).toBe(0x3412);
    expect(caught(() => regs.doorbell.read()).code).toBe("ENOSYS");
  });

  it("refuses writes to ro and rc registers with ENOSYS", () => {
    const { regs } = setup();
    const ro = caught(() => regs.id.write(1));
    expect(ro.code).toBe("ENOSYS");
    expect(ro.message).toMatch(/register id is read-only/);
    expect(caught(() => regs.fifo.write(1)).code).toBe("ENOSYS");
    expect(regs.fifo.read()).toBe(0);
  });

  it("refuses values that do not fit with EINVAL", () => {
    const { regs } = setup();
    expect(caught(() => regs.ctrl.fields.mode.write(4)).code).toBe("EINVAL");
    expect(caught(() => regs.byte.write(0x100)).code).toBe("EINVAL");
    const named = caught(() => regs.ctrl.fields.mode.write("turbo" as "fast"));
    expect(named.code).toBe("EINVAL");
    expect(named.message).toMatch(/slow, fast/);
  });

  it("surfaces region errors (ECLOSED after close)", () => {
    const { region, regs } = setup();
    region.close();
    expect(caught(() => regs.ctrl.read()).code).toBe("ECLOSED");
  });
});

describe("register map validation", () => {
  it("names the field that lies outside its register", () => {
    const err = caught(() => defineRegisters({ status: { offset: 0, fields: { done: [33, 1] } } }));
    expect(err.code).toBe("EDECODE");
    expect(err.message).toContain(
      "registers.status.fields.done: bit 33 is outside a 32-bit register",
    );
    expect(err.path).toBe("registers.status.fields.done");
  });

  it("reports misaligned offsets, overlapping fields, values that do not fit and unknown keys", () => {
    const err = caught(() =>
      registersFromJson({
        registers: {
          a: { offset: 2, width: 32 },
          b: { offset: 4, fields: { x: [0, 4], y: [3, 2] } },
          c: { offset: 8, fields: { m: { bits: [0, 2], values: { big: 4 } } } },
          d: { offset: 12, acess: "ro" },
        },
      }),
    );
    expect(err.code).toBe("EDECODE");
    expect(err.message).toContain("registers.a.offset: 0x2 is not aligned to a 32-bit register");
    expect(err.message).toContain('registers.b.fields.y: bits 3..4 overlap field "x"');
    expect(err.message).toContain(
      "registers.c.fields.m.values.big: 4 does not fit in a 2-bit field",
    );
    expect(err.message).toContain('registers.d: unknown property "acess"');
  });

  it("reports shape errors with io-ts-reporters paths", () => {
    const err = caught(() =>
      registersFromJson('{"registers":{"s":{"offset":"0x24","access":"rx"}}}'),
    );
    expect(err.code).toBe("EDECODE");
    expect(err.message).toMatch(/registers\.s\.offset/);
    expect(err.message).toMatch(/registers\.s\.access/);
  });

  it("rejects text that is not JSON", () => {
    const err = caught(() => registersFromJson("{registers"));
    expect(err.code).toBe("EDECODE");
    expect(err.message).toMatch(/not valid JSON/);
  });

  it("loads a valid JSON map and binds it", () => {
    const loaded = registersFromJson(
      JSON.stringify({
        registers: {
          status: { offset: 0x24, access: "ro", volatile: true, fields: { done: [0, 1] } },
          ack: { offset: 0x64, access: "w1c" },
        },
      }),
    );
    const region = new MemoryRegion(0, undefined, 0x100);
    region.store(0x24, 32, 1);
    const regs = loaded.bind(region);
    expect(regs["status"]?.fields["done"]?.read()).toBe(1);
    expect(() => regs["status"]?.write(0)).toThrow(/read-only/);
  });
});
