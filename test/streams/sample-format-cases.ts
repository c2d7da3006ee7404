import fc from "fast-check";

/** An IIO sample format as its parts and as the text decodeSample() takes. */
export interface SampleFormatCase {
  readonly le: boolean;
  readonly signed: boolean;
  readonly storage: 8 | 16 | 32 | 64;
  readonly bits: number;
  readonly shift: number;
  /** e.g. `le:s12/16>>4` */
  readonly text: string;
}

/**
 * Every kind of format the decoders treat differently: each storage size,
 * both byte orders, signedness, any width that fits (a decoded sample is a
 * double: at most 53 bits, whatever the storage) and any shift that keeps it
 * inside the storage.
 */
export const sampleFormatCases: fc.Arbitrary<SampleFormatCase> = fc
  .record({
    le: fc.boolean(),
    signed: fc.boolean(),
    storage: fc.constantFrom(8 as const, 16 as const, 32 as const, 64 as const),
  })
  .chain((f) =>
    fc.integer({ min: 1, max: Math.min(f.storage, 53) }).chain((bits) =>
      fc.integer({ min: 0, max: f.storage - bits }).map((shift) => ({
        ...f,
        bits,
        shift,
        text: `${f.le ? "le" : "be"}:${f.signed ? "s" : "u"}${bits}/${f.storage}>>${shift}`,
      })),
    ),
  );
