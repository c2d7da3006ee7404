import * as t from "io-ts";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { formatValidationErrors } from "io-ts-reporters";
import type { Width } from "../backend.js";

/**
 * A register map is data: each register's offset, width, access mode and
 * bit fields, declared once (tock-registers style). The same declaration
 * comes from TypeScript (`defineRegisters`) or JSON (`registersFromJson`);
 * both pass through the io-ts codec and the semantic checks below, so a map
 * that binds is a map whose every field fits its register.
 */

/**
 * How software may touch a register:
 * - `ro`  read-only; writes are refused (ENOSYS).
 * - `wo`  write-only; reads are refused (ENOSYS). Field writes merge into the
 *         last value written through this binding (a shadow), never a read.
 * - `rw`  read-write; field writes read-modify-write.
 * - `w1c` write-1-to-clear status; reads are plain, writes (also field writes)
 *         send only the bits given, never a read-modify-write, which would
 *         clear every pending bit.
 * - `rc`  read-to-clear; reading consumes it, writes are refused (ENOSYS).
 */
export type Access = "ro" | "wo" | "rw" | "w1c" | "rc";

/** `[lsb, width]`: the field's lowest bit and its width in bits (1..32). */
export type FieldBits = readonly [lsb: number, width: number];

/** A bit field: bare bits, or bits with named values (`{ bits: [4, 2], values: { fast: 2 } }`). */
export type FieldSpec =
  FieldBits | { readonly bits: FieldBits; readonly values?: Readonly<Record<string, number>> };

export interface RegisterSpec {
  /** Byte offset inside the bound region; aligned to the width. */
  readonly offset: number;
  /** Access width in bits; 32 when absent. */
  readonly width?: Width;
  /** Access mode; "rw" when absent. */
  readonly access?: Access;
  /** The device changes it on its own (status, data, counters): never cache it. */
  readonly volatile?: boolean;
  readonly fields?: Readonly<Record<string, FieldSpec>>;
  readonly description?: string;
}

export type RegisterMapSpec = Readonly<Record<string, RegisterSpec>>;

const WidthCodec = t.union([t.literal(8), t.literal(16), t.literal(32), t.literal(64)]);
const AccessCodec = t.keyof({ ro: null, wo: null, rw: null, w1c: null, rc: null });
const BitsCodec = t.tuple([t.number, t.number]);
// Plain t.type with `| undefined` members rather than intersections with
// t.partial: intersections add member indexes to the reported paths.
const optional = <C extends t.Mixed>(codec: C) => t.union([codec, t.undefined]);
const FieldCodec = t.union([
  BitsCodec,
  t.type({ bits: BitsCodec, values: optional(t.record(t.string, t.number)) }),
]);
const RegisterCodec = t.type({
  offset: t.number,
  width: optional(WidthCodec),
  access: optional(AccessCodec),
  volatile: optional(t.boolean),
  fields: optional(t.record(t.string, FieldCodec)),
  description: optional(t.string),
});
/** The JSON document: `{ "registers": { "<name>": RegisterSpec, ... } }`. */
export const RegisterMapDocument = t.type({ registers: t.record(t.string, RegisterCodec) });

const registerKeys = ["offset", "width", "access", "volatile", "fields", "description"];
const fieldKeys = ["bits", "values"];

/** Normalised field bits, whichever way they were declared. */
export function fieldBits(field: FieldSpec): FieldBits {
  return isBareBits(field) ? field : field.bits;
}

function isBareBits(field: FieldSpec): field is FieldBits {
  return Array.isArray(field);
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Checks the codec cannot express; each message starts with its path. */
function semanticProblems(spec: RegisterMapSpec): string[] {
  const problems: string[] = [];
  for (const [name, reg] of Object.entries(spec)) {
    const path = `registers.${name}`;
    const width = reg.width ?? 32;
    for (const key of Object.keys(reg)) {
      if (!registerKeys.includes(key)) {
        problems.push(
          `${path}: unknown property "${key}" (expected one of ${registerKeys.join(", ")})`,
        );
      }
    }
    if (!Number.isSafeInteger(reg.offset) || reg.offset < 0) {
      problems.push(`${path}.offset: ${reg.offset} is not a non-negative integer byte offset`);
    } else if (reg.offset % (width / 8) !== 0) {
      problems.push(`${path}.offset: ${hex(reg.offset)} is not aligned to a ${width}-bit register`);
    }
    const taken: { name: string; lo: number; hi: number }[] = [];
    for (const [fieldName, field] of Object.entries(reg.fields ?? {})) {
      const fieldPath = `${path}.fields.${fieldName}`;
      if (!isBareBits(field)) {
        for (const key of Object.keys(field)) {
          if (!fieldKeys.includes(key)) {
            problems.push(`${fieldPath}: unknown property "${key}" (expected bits, values)`);
          }
        }
      }
      const [lsb, bits] = fieldBits(field);
      if (!Number.isInteger(lsb) || lsb < 0) {
        problems.push(`${fieldPath}: lsb ${lsb} is not a non-negative integer`);
        continue;
      }
      if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
        problems.push(`${fieldPath}: width ${bits} is not between 1 and 32 bits`);
        continue;
      }
      const msb = lsb + bits - 1;
      if (msb >= width) {
        problems.push(`${fieldPath}: bit ${msb} is outside a ${width}-bit register`);
        continue;
      }
      const clash = taken.find((other) => lsb <= other.hi && msb >= other.lo);
      if (clash) {
        problems.push(`${fieldPath}: bits ${lsb}..${msb} overlap field "${clash.name}"`);
      }
      taken.push({ name: fieldName, lo: lsb, hi: msb });
      if (!isBareBits(field)) {
        for (const [valueName, value] of Object.entries(field.values ?? {})) {
          if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
            problems.push(
              `${fieldPath}.values.${valueName}: ${value} does not fit in a ${bits}-bit field`,
            );
          }
        }
      }
    }
  }
  return problems;
}

/**
 * Decode a register map document: shape first (io-ts, reported with
 * io-ts-reporters paths), then the semantic checks. Left carries one
 * path-prefixed sentence per problem.
 */
export function decodeRegisterMap(document: unknown): E.Either<string[], RegisterMapSpec> {
  return pipe(
    RegisterMapDocument.decode(document),
    E.mapLeft((errors) => formatValidationErrors(errors)),
    E.chain(({ registers }) => {
      const problems = semanticProblems(registers);
      return problems.length === 0 ? E.right(registers) : E.left(problems);
    }),
  );
}
