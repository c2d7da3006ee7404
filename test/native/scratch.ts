import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
export { thrown, expectCode } from "../rxuio-error-assertions.js";

/** A private temp directory; remove() deletes it and everything in it. */
export function scratchDir(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "rxuio-native-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `bytes` to `name` inside `dir` and returns the path. */
export function scratchFile(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A named pipe inside `dir`: stands in for /dev/uioN, carrying 4-byte counts. */
export function scratchFifo(dir: string, name = "events"): string {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  return path;
}

/** 4-byte native-endian s32 counts, as the UIO read() returns them. */
export function countBytes(...counts: number[]): Buffer {
  return Buffer.from(Int32Array.from(counts).buffer);
}


