import type { Region, Width } from "./backend.js";

/**
 * Width-selected access to a Region: the one place that turns a runtime
 * width (from a register map, a CLI flag or a snapshot spec) into the
 * width-exact call. 64-bit values are bigints; narrower ones are numbers.
 */

/** Read `width` bits at `offset`. */
export function readAtWidth(region: Region, offset: number, width: Width): number | bigint {
  switch (width) {
    case 8:
      return region.read8(offset);
    case 16:
      return region.read16(offset);
    case 32:
      return region.read32(offset);
    case 64:
      return region.read64(offset);
  }
}

/**
 * A read of `width` bits at `offset` with the width chosen now, once: for
 * paths that read the same register per interrupt or per sample.
 */
export function readerAtWidth(region: Region, offset: number, width: 8 | 16 | 32): () => number;
export function readerAtWidth(region: Region, offset: number, width: Width): () => number | bigint;
export function readerAtWidth(region: Region, offset: number, width: Width): () => number | bigint {
  switch (width) {
    case 8:
      return () => region.read8(offset);
    case 16:
      return () => region.read16(offset);
    case 32:
      return () => region.read32(offset);
    case 64:
      return () => region.read64(offset);
  }
}

/**
 * Write `width` bits at `offset`. A narrower write takes the value as a
 * number; the region itself refuses one that does not fit (ERANGE).
 */
export function writeAtWidth(
  region: Region,
  offset: number,
  width: Width,
  value: number | bigint,
): void {
  switch (width) {
    case 8:
      return region.write8(offset, Number(value));
    case 16:
      return region.write16(offset, Number(value));
    case 32:
      return region.write32(offset, Number(value));
    case 64:
      return region.write64(offset, BigInt(value));
  }
}
