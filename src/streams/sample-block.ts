import { sampleDecoder, type SampleFormat } from "./sample-format.js";

/**
 * Decodes a block holding a whole number of samples of one format into a new
 * array, one number per sample (the caller checks the length).
 */
export type SampleBlockDecoder = (block: Uint8Array) => number[];

/** Whether this machine stores integers little-endian (typed arrays use the machine's order). */
const machineLittleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * The block decoder of one format, chosen once. Storage of 8 bits, and of 16
 * or 32 bits in the machine's byte order at an aligned offset (a ring slice,
 * a Buffer from readBlock), is read through a typed array over the block:
 * element loads cost a fraction of DataView calls where they matter most,
 * under emulation (QEMU TCG). Anything else (the other byte order, an
 * unaligned block, 64-bit storage) goes through the per-sample DataView
 * decoder.
 *
 * Each storage size has its own loop, so a process decoding several formats
 * keeps each loop monomorphic (one typed-array kind, one element kind of its
 * output), and the u32 values that do not fit a small integer change only
 * the arrays of their own loop to doubles.
 */
export function sampleBlockDecoder(format: SampleFormat): SampleBlockDecoder {
  const { signed, storageBits } = format;
  // Two shifts mask and sign- or zero-extend: the value's top bit is moved to
  // bit 31 (left by `up`, which also drops the bits above it), then back down
  // by `unused` (which also drops the `shift` bits below it).
  const unused = 32 - format.bits;
  const up = unused - format.shift; // >= 0: bits + shift fit the storage
  const viaDataView = dataViewBlockDecoder(format);
  if (storageBits === 8) return (block) => decodeBytes(block, up, unused, signed);
  if (storageBits === 64 || format.littleEndian !== machineLittleEndian) return viaDataView;
  if (storageBits === 16) {
    return (block) =>
      (block.byteOffset & 1) === 0 && block.byteLength > 0
        ? decodeHalfWords(
            new Uint16Array(block.buffer, block.byteOffset, block.byteLength >>> 1),
            up,
            unused,
            signed,
          )
        : viaDataView(block);
  }
  return (block) =>
    (block.byteOffset & 3) === 0 && block.byteLength > 0
      ? decodeWords(
          new Int32Array(block.buffer, block.byteOffset, block.byteLength >>> 2),
          up,
          unused,
          signed,
        )
      : viaDataView(block);
}

function dataViewBlockDecoder(format: SampleFormat): SampleBlockDecoder {
  const decode = sampleDecoder(format);
  // Integers throughout (>>> 3, offsets by addition): V8 would keep a quotient
  // from `/` as a double, and every offset derived from it too, which costs
  // most where floating point is slow (QEMU TCG emulates it in software).
  const size = format.storageBits >>> 3;
  return (block) => {
    const count = (block.byteLength / size) | 0; // exact: the caller checked
    const samples = new Array<number>(count);
    // An empty block may sit on a detached buffer, where a DataView cannot be made.
    if (count === 0) return samples;
    const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
    for (let i = 0, offset = 0; i < count; i++, offset += size) samples[i] = decode(view, offset);
    return samples;
  };
}

// The three loops below differ only in the typed array they read (see above).
// Every element they load is a small integer (32-bit words are read as
// int32): a uint32 at or above 2^31 would be a heap number, and the first
// one to arrive would deoptimise a loop compiled for small integers, which
// under emulation runs unoptimised for hundreds of milliseconds. `?? 0`
// never applies (every index is below the length); it only tells the type
// checker so.
//
// Each decodes four samples an iteration, then the rest one by one: under
// emulation (QEMU TCG) the loop's own compare, branch and interrupt check
// cost about as much as the sample's shifts and store. In the kernel lab's
// guest, u12/32 blocks of 1024 samples: 53 ns/sample one by one, 34 four
// at a time (median of 40 passes over 64 blocks each, idle guest).

function decodeBytes(bytes: Uint8Array, up: number, unused: number, signed: boolean): number[] {
  const count = bytes.length;
  const samples = new Array<number>(count);
  const grouped = count & ~3;
  let i = 0;
  if (signed) {
    for (; i < grouped; i += 4) {
      samples[i] = ((bytes[i] ?? 0) << up) >> unused;
      samples[i + 1] = ((bytes[i + 1] ?? 0) << up) >> unused;
      samples[i + 2] = ((bytes[i + 2] ?? 0) << up) >> unused;
      samples[i + 3] = ((bytes[i + 3] ?? 0) << up) >> unused;
    }
    for (; i < count; i++) samples[i] = ((bytes[i] ?? 0) << up) >> unused;
  } else {
    for (; i < grouped; i += 4) {
      samples[i] = ((bytes[i] ?? 0) << up) >>> unused;
      samples[i + 1] = ((bytes[i + 1] ?? 0) << up) >>> unused;
      samples[i + 2] = ((bytes[i + 2] ?? 0) << up) >>> unused;
      samples[i + 3] = ((bytes[i + 3] ?? 0) << up) >>> unused;
    }
    for (; i < count; i++) samples[i] = ((bytes[i] ?? 0) << up) >>> unused;
  }
  return samples;
}

function decodeHalfWords(
  halves: Uint16Array,
  up: number,
  unused: number,
  signed: boolean,
): number[] {
  const count = halves.length;
  const samples = new Array<number>(count);
  const grouped = count & ~3;
  let i = 0;
  if (signed) {
    for (; i < grouped; i += 4) {
      samples[i] = ((halves[i] ?? 0) << up) >> unused;
      samples[i + 1] = ((halves[i + 1] ?? 0) << up) >> unused;
      samples[i + 2] = ((halves[i + 2] ?? 0) << up) >> unused;
      samples[i + 3] = ((halves[i + 3] ?? 0) << up) >> unused;
    }
    for (; i < count; i++) samples[i] = ((halves[i] ?? 0) << up) >> unused;
  } else {
    for (; i < grouped; i += 4) {
      samples[i] = ((halves[i] ?? 0) << up) >>> unused;
      samples[i + 1] = ((halves[i + 1] ?? 0) << up) >>> unused;
      samples[i + 2] = ((halves[i + 2] ?? 0) << up) >>> unused;
      samples[i + 3] = ((halves[i + 3] ?? 0) << up) >>> unused;
    }
    for (; i < count; i++) samples[i] = ((halves[i] ?? 0) << up) >>> unused;
  }
  return samples;
}

function decodeWords(words: Int32Array, up: number, unused: number, signed: boolean): number[] {
  const count = words.length;
  const samples = new Array<number>(count);
  const grouped = count & ~3;
  let i = 0;
  if (signed) {
    for (; i < grouped; i += 4) {
      samples[i] = ((words[i] ?? 0) << up) >> unused;
      samples[i + 1] = ((words[i + 1] ?? 0) << up) >> unused;
      samples[i + 2] = ((words[i + 2] ?? 0) << up) >> unused;
      samples[i + 3] = ((words[i + 3] ?? 0) << up) >> unused;
    }
    for (; i < count; i++) samples[i] = ((words[i] ?? 0) << up) >> unused;
  } else {
    for (; i < grouped; i += 4) {
      samples[i] = ((words[i] ?? 0) << up) >>> unused;
      samples[i + 1] = ((words[i + 1] ?? 0) << up) >>> unused;
      samples[i + 2] = ((words[i + 2] ?? 0) << up) >>> unused;
      samples[i + 3] = ((words[i + 3] ?? 0) << up) >>> unused;
    }
    for (; i < count; i++) samples[i] = ((words[i] ?? 0) << up) >>> unused;
  }
  return samples;
}
