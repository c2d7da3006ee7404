import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RxuioError } from "../../src/errors.js";
import { parseDeviceArgument, parseMapArgument } from "../../src/cli/device-argument.js";
import {
  formatHex,
  parseIndexArgument,
  parseNumberArgument,
} from "../../src/cli/number-argument.js";

describe("command-line numbers", () => {
  it("round-trip any 64-bit value through formatHex and parseNumberArgument", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (value) => {
        const text = formatHex(value, 64);
        expect(text).toMatch(/^0x[0-9a-f]{16}$/);
        expect(parseNumberArgument(text, "value")).toBe(value);
        expect(parseNumberArgument(value.toString(), "value")).toBe(value);
      }),
    );
  });

  it("pads to the width's digits", () => {
    expect(formatHex(0xed, 8)).toBe("0xed");
    expect(formatHex(0xed, 32)).toBe("0x000000ed");
    expect(formatHex(5, 16)).toBe("0x0005");
  });

  it("refuses text that is not a number, with EINVAL naming what it was for", () => {
    for (const text of ["", "0x", "-1", "1.5", "ten", "0b101", "0x-1"]) {
      const parse = () => parseNumberArgument(text, "offset");
      expect(parse).toThrow(RxuioError);
      expect(parse).toThrow(/^The offset must be a number/);
    }
  });

  it("refuses offsets beyond what a JS number holds exactly", () => {
    expect(() => parseIndexArgument("0x20000000000000", "offset")).toThrow(/too large/);
    expect(parseIndexArgument("0x1fffffffffffff", "offset")).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe("command-line devices and maps", () => {
  it("reads 3 and uio3 as indexes and anything else as a name", () => {
    expect(parseDeviceArgument("3")).toEqual({ index: 3 });
    expect(parseDeviceArgument("uio12")).toEqual({ index: 12 });
    expect(parseDeviceArgument("uio_pci_generic")).toEqual({ name: "uio_pci_generic" });
    expect(parseDeviceArgument("uio03")).toEqual({ name: "uio03" });
    expect(parseMapArgument("1")).toBe(1);
    expect(parseMapArgument("mailbox")).toBe("mailbox");
  });
});
