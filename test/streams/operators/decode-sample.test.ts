import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { firstValueFrom, of } from "rxjs";
import { describe, expect, it } from "vitest";
import { decodeSample } from "../../../src/streams/operators/decode-sample.js";
import { parseSampleFormat } from "../../../src/streams/sample-format.js";
import { sampleFormatCases } from "../sample-format-cases.js";
import { testScheduler } from "../sim-fixtures.js";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("decodeSample", () => {
  it("decodes little-endian signed 12-bit samples in 16-bit slots shifted by 4", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("--a------b--|", { a: bytes(0xf0, 0x7f, 0x10, 0x80), b: bytes(0, 0) });
      expectObservable(source.pipe(decodeSample("le:s12/16>>4"))).toBe("--x------y--|", {
        x: [2047, -2047],
        y: [0],
      });
      expectSubscriptions(source.subscriptions).toBe("^-----------!");
    });
  });

  it("decodes big-endian unsigned and other storage sizes", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold("-a|", { a: bytes(0x03, 0xff, 0xff, 0xff) }).pipe(decodeSample("be:u10/16>>0")),
      ).toBe("-x|", { x: [1023, 1023] });
      expectObservable(cold("-a|", { a: bytes(0x80) }).pipe(decodeSample("le:s8/8"))).toBe("-x|", {
        x: [-128],
      });
      expectObservable(
        cold("-a|", { a: bytes(0, 0, 0, 0x80) }).pipe(decodeSample("le:u32/32")),
      ).toBe("-x|", { x: [0x80000000] });
      expectObservable(
        cold("-a|", { a: bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) }).pipe(
          decodeSample("be:s24/64>>8"),
        ),
      ).toBe("-x|", { x: [-1] });
    });
  });

  it("throws EDECODE at the call for malformed formats", () => {
    expect(() => decodeSample("le:s12/16>>x")).toThrow(
      expect.objectContaining({ code: "EDECODE" }),
    );
    expect(() => decodeSample("le:s12/16X2>>4")).toThrow(/repeat/);
    expect(() => decodeSample("le:s12/24")).toThrow(/not 8, 16, 32 or 64/);
    expect(() => decodeSample("le:s14/16>>4")).toThrow(/do not fit 16-bit storage/);
    expect(E.isRight(parseSampleFormat("be:u10/16>>0"))).toBe(true);
  });

  it("errors EDECODE on a partial sample; passes errors; stops on unsubscribe", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const odd = cold("-a-b|", { a: bytes(1, 0), b: bytes(1, 2, 3) });
      expectObservable(odd.pipe(decodeSample("le:u16/16"))).toBe(
        "-a-#",
        { a: [1] },
        expect.objectContaining({ code: "EDECODE", message: expect.stringMatching(/3 bytes/) }),
      );
      expectObservable(cold<Uint8Array>("-#").pipe(decodeSample("le:u16/16"))).toBe("-#");
      const endless = cold("-a-a-a", { a: bytes(2, 0) });
      expectObservable(endless.pipe(decodeSample("le:u16/16")), "^--!").toBe("-a-", { a: [2] });
      expectSubscriptions(endless.subscriptions).toBe("^--!");
    });
  });

  it("decodes what was encoded, for any format and value (property)", async () => {
    const cases = sampleFormatCases.chain((format) =>
      fc.record({
        format: fc.constant(format),
        value: format.signed
          ? fc.maxSafeInteger().map((v) => (v % 2 ** (format.bits - 1)) + 0) // + 0: no -0
          : fc.maxSafeNat().map((v) => v % 2 ** format.bits),
        // Bits outside the sample (above it, or shifted out below) must not leak in.
        noise: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ format, value, noise }) => {
        const shift = BigInt(format.shift);
        const sampleBits = ((1n << BigInt(format.bits)) - 1n) << shift;
        const raw = BigInt.asUintN(
          format.storage,
          (BigInt.asUintN(format.bits, BigInt(value)) << shift) | (noise & ~sampleBits),
        );
        const bytes = new Uint8Array(format.storage / 8);
        const view = new DataView(bytes.buffer);
        if (format.storage === 8) view.setUint8(0, Number(raw));
        else if (format.storage === 16) view.setUint16(0, Number(raw), format.le);
        else if (format.storage === 32) view.setUint32(0, Number(raw), format.le);
        else view.setBigUint64(0, raw, format.le);
        expect(await firstValueFrom(of(bytes).pipe(decodeSample(format.text)))).toEqual([value]);
      }),
    );
  });
});
