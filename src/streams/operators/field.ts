import { map, type OperatorFunction } from "rxjs";
import type { RegisterValue } from "../../devices/registers/bound-register.js";
import type { FieldBits } from "../../devices/registers/register-spec.js";

/** A field to cut out: a bound field (`regs.status.fields.done`) or `[lsb, width]`. */
export type FieldRef = { extract(value: RegisterValue): number } | FieldBits;

/**
 * Maps each register value to one of its bit fields.
 *
 * ```
 * source:               --a----b----c--|      a=0x05 b=0x04 c=0x13
 * field([0, 1]):        --1----0----1--|
 * ```
 *
 * Use it after `poll` or on snapshot values, where the register was already
 * read; it never touches the device.
 *
 * ```ts
 * poll(regs.status, 10).pipe(field(regs.status.fields.done), changes())
 * ```
 *
 * @see changes
 * @see edge
 * @param ref The field, bound or as `[lsb, width]`.
 * @return The field's value, unsigned.
 */
export function field(ref: FieldRef): OperatorFunction<RegisterValue, number> {
  if ("extract" in ref) return map((value) => ref.extract(value));
  const [lsb, width] = ref;
  const mask = (1n << BigInt(width)) - 1n;
  const shift = BigInt(lsb);
  const viaBigInt = (value: RegisterValue) => Number((BigInt(value) >> shift) & mask);
  // Fields reaching bit 31 or beyond need bigint arithmetic (>>> and & are
  // 32-bit signed in JS); the rest, on number values, stay on small integers.
  // Decided once here, not per value: this runs for every event of a stream.
  if (lsb + width > 31) return map(viaBigInt);
  const numberMask = Number(mask);
  return map((value) =>
    typeof value === "bigint" ? viaBigInt(value) : (value >>> lsb) & numberMask,
  );
}
