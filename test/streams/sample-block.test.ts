import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { sampleBlockDecoder } from "../../src/streams/sample-block.js";
import {
  parseSampleFormat,
  sampleDecoder,
  type SampleFormat,
} from "../../src/streams/sample-format.js";
import { sampleFormatCases } from "./sample-format-cases.js";

function format(text: string): SampleFormat {
  const parsed = parseSampleFormat(text);
  if (E.isLeft(parsed)) throw new Error(parsed.left);
  return parsed.right;
}

describe("sampleBlockDecoder", () => {
  it("decodes every sample of a block as the per-sample decoder does, at any alignment (property)", () => {
    fc.assert(
      fc.property(
        sampleFormatCases.map((c) => c.text),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 40 }),
        fc.uint8Array({ minLength: 40 * 8, maxLength: 40 * 8 }),
        (text, pad, count, noise) => {
          const f = format(text);
          const size = f.storageBits / 8;
          // The block starts `pad` bytes into its buffer: aligned or not.
          const buffer = new Uint8Array(pad + count * size);
          buffer.set(noise.subarray(0, buffer.length));
          const block = buffer.subarray(pad);
          const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
          const one = sampleDecoder(f);
          const expected = Array.from({ length: count }, (_, i) => one(view, i * size));
          expect(sampleBlockDecoder(f)(block)).toEqual(expected);
        },
      ),
    );
  });

  it("decodes blocks of every length from 0 to 9 samples (whole groups of four and each remainder)", () => {
    for (const text of [
      "le:s6/8>>1",
      "le:u8/8",
      "le:s12/16>>4",
      "le:u16/16",
      "le:s24/32>>8",
      "le:u12/32>>4",
    ]) {
      const f = format(text);
      const size = f.storageBits / 8;
      const one = sampleDecoder(f);
      const bytes = Uint8Array.from({ length: 9 * size }, (_, i) => (i * 37 + 0x81) & 0xff);
      for (let count = 0; count <= 9; count++) {
        const block = bytes.subarray(0, count * size);
        const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
        const expected = Array.from({ length: count }, (_, i) => one(view, i * size));
        expect(sampleBlockDecoder(f)(block), `${text}, ${count} samples`).toEqual(expected);
      }
    }
  });

  it("reads aligned native-order blocks in place and returns a new array each time", () => {
    const decode = sampleBlockDecoder(format("le:s12/16>>4"));
    const words = Uint16Array.of(0x7ff0, 0x8010, 0xfff0, 0x0000);
    const block = new Uint8Array(words.buffer, 2, 4);
    const first = decode(block);
    expect(first).toEqual([-2047, -1]);
    expect(decode(block)).not.toBe(first);
    expect(sampleBlockDecoder(format("le:u32/32"))(Uint8Array.of(0, 0, 0, 0x80))).toEqual([
      0x80000000,
    ]);
  });

  it("decodes an empty block, even on a detached buffer, to an empty array", () => {
    const buffer = new ArrayBuffer(8);
    const block = new Uint8Array(buffer, 0, 0);
    structuredClone(buffer, { transfer: [buffer] }); // detaches
    for (const text of ["le:u12/32>>4", "be:s10/16", "le:u8/8", "le:s40/64"]) {
      expect(sampleBlockDecoder(format(text))(block)).toEqual([]);
    }
  });
});
