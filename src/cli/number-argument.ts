import { RxuioError } from "../errors.js";

/**
 * Numbers on the command line, as devmem2 takes them: `0x`-prefixed hex or
 * decimal. Parsed to bigint so 64-bit values survive exactly.
 */
export function parseNumberArgument(text: string, what: string): bigint {
  const trimmed = text.trim();
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(trimmed)) {
    throw new RxuioError(
      "EINVAL",
      `The ${what} must be a number (hex like 0x24, or decimal), got ${JSON.stringify(text)}`,
      {
        value: text,
      },
    );
  }
  return BigInt(trimmed);
}

/** An offset or count: a non-negative integer a JS number holds exactly. */
export function parseIndexArgument(text: string, what: string): number {
  const value = parseNumberArgument(text, what);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RxuioError("ERANGE", `The ${what} ${text} is too large`, { value: text });
  }
  return Number(value);
}

/** Lower-case hex with `0x`, zero-padded to the width's digits (devmem2 style). */
export function formatHex(value: number | bigint, widthBits: number): string {
  return `0x${BigInt(value)
    .toString(16)
    .padStart(widthBits / 4, "0")}`;
}
