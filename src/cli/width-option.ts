import { InvalidArgumentError, Option } from "commander";
import type { Width } from "../devices/backend.js";

/** `--width 8|16|32|64`, in bits; 32 by default as in devmem2's "w". */
export function widthOption(): Option {
  return new Option("-w, --width <bits>", "access width in bits: 8, 16, 32 or 64")
    .default(32)
    .argParser(parseWidth);
}

function parseWidth(text: string): Width {
  const width = Number(text);
  if (width === 8 || width === 16 || width === 32 || width === 64) return width;
  throw new InvalidArgumentError("Use 8, 16, 32 or 64.");
}
