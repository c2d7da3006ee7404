import { RxuioError } from "../../errors.js";
import type { Region, SnapshotRegister, Width } from "../backend.js";
import { readAtWidth, writeAtWidth } from "../region-width.js";
import { fieldBits, type Access, type FieldSpec, type RegisterSpec } from "./register-spec.js";

/**
 * Typed accessors over one region, made by `RegisterMap.bind(region)`.
 * The access mode is enforced here, at run time, for maps that came from
 * JSON as well as from TypeScript: a write to `ro`/`rc` or a read of `wo`
 * throws RxuioError ENOSYS (the register does not support the operation),
 * and `w1c` writes never read first.
 */

/** A register value: `bigint` for 64-bit registers, `number` otherwise. */
export type RegisterValue = number | bigint;

export interface BoundField<Name extends string = string> {
  readonly name: string;
  readonly lsb: number;
  /** Width in bits. */
  readonly width: number;
  /** The field's mask before shifting (e.g. 0b11 for a 2-bit field). */
  readonly mask: number;
  /** Named values, as declared. */
  readonly values: Readonly<Record<Name, number>>;
  /** The field of a register value already read (no device access). */
  extract(registerValue: RegisterValue): number;
  /** Read the register and return this field. */
  read(): number;
  /** Read the register and compare this field with a value or a value name. */
  is(value: Name | number): boolean;
  /**
   * Write this field: read-modify-write on `rw`; only the field's bits on
   * `w1c` (so other pending status bits survive); merged into the shadow of
   * the last write on `wo`. Refused (ENOSYS) on `ro`/`rc`.
   */
  write(value: Name | number): void;
}

export interface BoundRegister<
  V extends RegisterValue = RegisterValue,
  F = Record<string, BoundField>,
> {
  readonly name: string;
  readonly offset: number;
  readonly width: Width;
  readonly access: Access;
  readonly volatile: boolean;
  readonly region: Region;
  /** Where this register lives, for reads at interrupt wake-up (`onInterrupt`). */
  readonly snapshot: SnapshotRegister;
  readonly fields: F;
  read(): V;
  write(value: V): void;
}

function refuse(name: string, access: Access, operation: "read" | "write"): RxuioError {
  const what = access === "wo" ? "write-only" : access === "rc" ? "read-to-clear" : "read-only";
  return new RxuioError(
    "ENOSYS",
    `register ${name} is ${what} and cannot be ${operation === "read" ? "read" : "written"}`,
    {
      path: `registers.${name}`,
      hint:
        operation === "write"
          ? "Write the register the device documents for this purpose (e.g. its ack or control register)"
          : "Keep the value you wrote, or read the matching status register",
    },
  );
}

function rawWrite(region: Region, offset: number, width: Width, value: RegisterValue): void {
  const n = Number(value);
  if (width !== 64 && (!Number.isInteger(n) || n < 0 || n >= 2 ** width)) {
    throw new RxuioError("EINVAL", `${String(value)} does not fit a ${width}-bit register`, {
      value,
      hint: `Pass an integer between 0 and 0x${(2 ** width - 1).toString(16)}`,
    });
  }
  writeAtWidth(region, offset, width, width === 64 ? value : n);
}

function maskOf(bits: number): number {
  // Not (1 << bits) - 1: shifts are 32-bit signed, so 31 and 32 bits would go negative.
  return 2 ** bits - 1;
}

function extractBits(value: RegisterValue, lsb: number, bits: number): number {
  if (typeof value === "bigint") return Number((value >> BigInt(lsb)) & BigInt(maskOf(bits)));
  // Arithmetic rather than >>>, which would wrap values and masks above bit 31.
  return Math.floor(value / 2 ** lsb) % 2 ** bits;
}

function insertBits(base: RegisterValue, lsb: number, bits: number, field: number): RegisterValue {
  if (typeof base === "bigint") {
    const mask = BigInt(maskOf(bits)) << BigInt(lsb);
    return (base & ~mask) | (BigInt(field) << BigInt(lsb));
  }
  const low = base % 2 ** lsb;
  const high = Math.floor(base / 2 ** (lsb + bits));
  return high * 2 ** (lsb + bits) + field * 2 ** lsb + low;
}

class Register implements BoundRegister<RegisterValue, Record<string, BoundField>> {
  readonly width: Width;
  readonly access: Access;
  readonly volatile: boolean;
  readonly snapshot: SnapshotRegister;
  readonly fields: Record<string, BoundField>;
  /** Last value written through this binding; what `wo` field writes merge into. */
  private shadow: RegisterValue;

  constructor(
    readonly name: string,
    spec: RegisterSpec,
    readonly region: Region,
  ) {
    this.width = spec.width ?? 32;
    this.access = spec.access ?? "rw";
    this.volatile = spec.volatile ?? false;
    this.snapshot = { region: region.index, offset: spec.offset, width: this.width };
    this.shadow = this.width === 64 ? 0n : 0;
    this.fields = {};
    for (const [fieldName, field] of Object.entries(spec.fields ?? {})) {
      this.fields[fieldName] = new Field(this, fieldName, field);
    }
  }

  get offset(): number {
    return this.snapshot.offset;
  }

  read(): RegisterValue {
    if (this.access === "wo") throw refuse(this.name, this.access, "read");
    return readAtWidth(this.region, this.offset, this.width);
  }

  write(value: RegisterValue): void {
    if (this.access === "ro" || this.access === "rc") throw refuse(this.name, this.access, "write");
    rawWrite(this.region, this.offset, this.width, value);
    this.shadow = value;
  }

  /** The value a field write starts from; null when only the field's bits may be sent. */
  baseForFieldWrite(): RegisterValue | null {
    switch (this.access) {
      case "rw":
        return readAtWidth(this.region, this.offset, this.width);
      case "wo":
        return this.shadow;
      case "w1c":
        return null;
      case "ro":
      case "rc":
        throw refuse(this.name, this.access, "write");
    }
  }
}

class Field implements BoundField {
  readonly lsb: number;
  readonly width: number;
  readonly mask: number;
  readonly values: Readonly<Record<string, number>>;

  constructor(
    private readonly register: Register,
    readonly name: string,
    spec: FieldSpec,
  ) {
    [this.lsb, this.width] = fieldBits(spec);
    this.mask = maskOf(this.width);
    this.values = "bits" in spec ? (spec.values ?? {}) : {};
  }

  extract(registerValue: RegisterValue): number {
    return extractBits(registerValue, this.lsb, this.width);
  }

  read(): number {
    return this.extract(this.register.read());
  }

  is(value: string | number): boolean {
    return this.read() === this.resolve(value);
  }

  write(value: string | number): void {
    const field = this.resolve(value);
    const base = this.register.baseForFieldWrite();
    const zero = this.register.width === 64 ? 0n : 0;
    this.register.write(insertBits(base ?? zero, this.lsb, this.width, field));
  }

  private resolve(value: string | number): number {
    const path = `registers.${this.register.name}.fields.${this.name}`;
    if (typeof value === "string") {
      const named = this.values[value];
      if (named === undefined) {
        throw new RxuioError("EINVAL", `${path} has no value named "${value}"`, {
          path,
          value,
          hint: `Use one of: ${Object.keys(this.values).join(", ") || "(no named values; pass a number)"}`,
        });
      }
      return named;
    }
    if (!Number.isInteger(value) || value < 0 || value > this.mask) {
      throw new RxuioError(
        "EINVAL",
        `${path}: ${value} does not fit in a ${this.width}-bit field`,
        {
          path,
          value,
          hint: `Pass an integer between 0 and ${this.mask}`,
        },
      );
    }
    return value;
  }
}

/** Bind one register declaration to a region. */
export function bindRegister(name: string, spec: RegisterSpec, region: Region): BoundRegister {
  return new Register(name, spec, region);
}
