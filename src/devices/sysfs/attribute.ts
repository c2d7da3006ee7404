import * as t from "io-ts";

/**
 * Codecs for the text of single sysfs attributes. The kernel prints UIO
 * attributes in a few fixed formats (drivers/uio/uio.c): addresses with `%pa`
 * ("0x00000000fea00000"), sizes and offsets with `0x%lx`, the event count with
 * `%u`, names as plain lines. Each codec takes the raw file text (or
 * `undefined` when the file is absent) and yields the typed value, so a
 * malformed attribute fails here, at the boundary, with the file's own text.
 */

const HEX = /^0x[0-9a-f]+$/i;
const DECIMAL = /^[0-9]+$/;

/** The file's text without the trailing newline sysfs appends. */
function line(text: string): string {
  return text.replace(/\n$/, "").trim();
}

/** A required line of text, e.g. `name`, `version`, `porttype`. */
export const TextAttribute = new t.Type<string, string, unknown>(
  "TextAttribute",
  (u): u is string => typeof u === "string",
  (u, c) => (typeof u === "string" ? t.success(line(u)) : t.failure(u, c)),
  (s) => `${s}\n`,
);

/** An optional name: absent or empty both mean "the driver set none". */
export const OptionalNameAttribute = new t.Type<string | undefined, string, unknown>(
  "OptionalNameAttribute",
  (u): u is string | undefined => u === undefined || typeof u === "string",
  (u, c) => {
    if (u === undefined) return t.success(undefined);
    if (typeof u !== "string") return t.failure(u, c);
    const name = line(u);
    return t.success(name === "" ? undefined : name);
  },
  (s) => `${s ?? ""}\n`,
);

/** A hexadecimal address of any width (`%pa`), kept exact as a bigint. */
export const HexAddressAttribute = new t.Type<bigint, string, unknown>(
  "HexAddress",
  (u): u is bigint => typeof u === "bigint",
  (u, c) => {
    if (typeof u !== "string" || !HEX.test(line(u))) return t.failure(u, c);
    return t.success(BigInt(line(u)));
  },
  (n) => `0x${n.toString(16).padStart(16, "0")}\n`,
);

/**
 * A hexadecimal size, offset or port number (`0x%lx`). It must fit a JS
 * number exactly, because lengths and offsets are used as numbers everywhere.
 */
export const HexNumberAttribute = new t.Type<number, string, unknown>(
  "HexNumber",
  (u): u is number => typeof u === "number",
  (u, c) => {
    if (typeof u !== "string" || !HEX.test(line(u))) return t.failure(u, c);
    const n = Number(line(u));
    return Number.isSafeInteger(n) ? t.success(n) : t.failure(u, c);
  },
  (n) => `0x${n.toString(16)}\n`,
);

/** The decimal interrupt count (`%u`, an unsigned 32-bit value). */
export const EventCountAttribute = new t.Type<number, string, unknown>(
  "EventCount",
  (u): u is number => typeof u === "number",
  (u, c) => {
    if (typeof u !== "string" || !DECIMAL.test(line(u))) return t.failure(u, c);
    const n = Number(line(u));
    return n <= 0xffff_ffff ? t.success(n) : t.failure(u, c);
  },
  (n) => `${n}\n`,
);
