import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";

/**
 * An IIO scan-element format (Documentation/ABI/testing/sysfs-bus-iio,
 * `in_*_type`): `[be|le]:[s|u]bits/storagebits[>>shift]`, e.g. `le:s12/16>>4`
 * is a signed 12-bit value in a little-endian 16-bit slot, shifted left by 4.
 * Repeats (`X2`) are not supported.
 */
export interface SampleFormat {
  readonly text: string;
  readonly littleEndian: boolean;
  readonly signed: boolean;
  readonly bits: number;
  readonly storageBits: 8 | 16 | 32 | 64;
  readonly shift: number;
}

const grammar = /^(be|le):([su])(\d+)\/(\d+)(?:>>(\d+))?$/;

function isStorage(bits: number): bits is SampleFormat["storageBits"] {
  return bits === 8 || bits === 16 || bits === 32 || bits === 64;
}

/** Parse a format; Left is a sentence saying what is wrong with it. */
export function parseSampleFormat(text: string): E.Either<string, SampleFormat> {
  const match = grammar.exec(text);
  if (!match) {
    return E.left(
      /X\d+/.test(text)
        ? `sample format "${text}": repeat (X) is not supported`
        : `sample format "${text}" is not [be|le]:[s|u]bits/storagebits[>>shift], e.g. "le:s12/16>>4"`,
    );
  }
  const [, endian, sign, bitsText, storageText, shiftText] = match;
  const bits = Number(bitsText);
  const storage = Number(storageText);
  const shift = Number(shiftText ?? "0");
  return pipe(
    isStorage(storage)
      ? E.right(storage)
      : E.left(`sample format "${text}": storage of ${storage} bits is not 8, 16, 32 or 64`),
    E.chain((storageBits): E.Either<string, SampleFormat> =>
      bits < 1 || bits > 53
        ? E.left(`sample format "${text}": ${bits} bits is not between 1 and 53`)
        : bits + shift > storageBits
          ? E.left(
              `sample format "${text}": ${bits} bits shifted by ${shift} do not fit ${storageBits}-bit storage`,
            )
          : E.right({
              text,
              littleEndian: endian === "le",
              signed: sign === "s",
              bits,
              storageBits,
              shift,
            }),
    ),
  );
}

/** Reads one sample of a format from `data` at `offset` (bytes). */
export type SampleDecoder = (data: DataView, offset: number) => number;

/**
 * The decoder of one format, chosen once: storage up to 32 bits is decoded in
 * int32 arithmetic, with no allocation per sample (a BigInt per sample costs
 * more than everything else on a high-rate path); only 64-bit storage, whose
 * raw value a double cannot hold, goes through BigInt.
 */
export function sampleDecoder(format: SampleFormat): SampleDecoder {
  const { littleEndian: le, signed, bits, shift } = format;
  if (format.storageBits === 64) {
    const wide = BigInt(shift);
    return (data, offset) => {
      const value = BigInt.asUintN(bits, data.getBigUint64(offset, le) >> wide);
      return Number(signed ? BigInt.asIntN(bits, value) : value);
    };
  }
  const read: (data: DataView, offset: number) => number =
    format.storageBits === 8
      ? (data, offset) => data.getUint8(offset)
      : format.storageBits === 16
        ? (data, offset) => data.getUint16(offset, le)
        : (data, offset) => data.getUint32(offset, le);
  // The value's bits moved to the top of an int32 (`<< unused`), then back down
  // with sign (>>) or zero (>>>) extension: masks and sign-extends in two shifts.
  const unused = 32 - bits;
  return signed
    ? (data, offset) => ((read(data, offset) >>> shift) << unused) >> unused
    : (data, offset) => ((read(data, offset) >>> shift) << unused) >>> unused;
}

/** Decode the sample stored at `offset` (bytes) of `data`. */
export function decodeOne(format: SampleFormat, data: DataView, offset: number): number {
  return sampleDecoder(format)(data, offset);
}
