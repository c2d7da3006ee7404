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

/** Decode the sample stored at `offset` (bytes) of `data`. */
export function decodeOne(format: SampleFormat, data: DataView, offset: number): number {
  const le = format.littleEndian;
  let raw: bigint;
  switch (format.storageBits) {
    case 8:
      raw = BigInt(data.getUint8(offset));
      break;
    case 16:
      raw = BigInt(data.getUint16(offset, le));
      break;
    case 32:
      raw = BigInt(data.getUint32(offset, le));
      break;
    case 64:
      raw = data.getBigUint64(offset, le);
      break;
  }
  const value = BigInt.asUintN(format.bits, raw >> BigInt(format.shift));
  return Number(format.signed ? BigInt.asIntN(format.bits, value) : value);
}
