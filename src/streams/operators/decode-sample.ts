import * as E from "fp-ts/lib/Either.js";
import { map, type OperatorFunction } from "rxjs";
import { RxuioError } from "../../errors.js";
import { sampleBlockDecoder, type SampleBlockDecoder } from "../sample-block.js";
import { parseSampleFormat, type SampleFormat } from "../sample-format.js";

/**
 * Decodes blocks of raw samples in an IIO format (`le:s12/16>>4`,
 * `be:u10/16>>0`, ...) into numbers: each Uint8Array (a Buffer from
 * `readBlock`, a ring slice) becomes the array of the samples it holds.
 *
 * ```
 * source:                    --a------b--|    a = <f0 7f 10 80>, b = <00 00>
 * decodeSample("le:s12/16>>4"): --x------y--|    x = [2047, -2047], y = [0]
 * ```
 *
 * A malformed format throws RxuioError EDECODE at once (at the call, not at
 * subscription); a block whose length is not a whole number of samples
 * errors the stream with EDECODE.
 *
 * ```ts
 * onInterrupt(dev, [regs.count]).pipe(map(readNewSamples), decodeSample(ADC_SAMPLE_FORMAT))
 * ```
 *
 * @param format The IIO type string.
 * @return One array of decoded samples per block.
 */
export function decodeSample(format: string): OperatorFunction<Uint8Array, number[]> {
  const parsed = parseSampleFormat(format);
  if (E.isLeft(parsed)) {
    throw new RxuioError("EDECODE", parsed.left, {
      value: format,
      hint: 'Write it like the IIO sysfs "type" attribute, e.g. "le:s12/16>>4"',
    });
  }
  const sample = parsed.right;
  const decode = sampleBlockDecoder(sample);
  return map((block) => decodeBlock(sample, decode, block));
}

function decodeBlock(
  format: SampleFormat,
  decode: SampleBlockDecoder,
  block: Uint8Array,
): number[] {
  // An integer (>>> 3): V8 would keep a quotient from `/` as a double.
  const size = format.storageBits >>> 3;
  if (block.byteLength % size !== 0) {
    throw new RxuioError(
      "EDECODE",
      `a block of ${block.byteLength} bytes is not a whole number of ${size}-byte "${format.text}" samples`,
      { value: block.byteLength, hint: "Read whole samples from the device" },
    );
  }
  return decode(block);
}
