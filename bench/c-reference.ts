import { execFile } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { RxuioError } from "../src/errors.js";

const run = promisify(execFile);

/**
 * The C references (bench/c/*.c) are built with the system's cc at bench
 * time, into build/bench/c, and rebuilt when their source is newer. They
 * print one JSON object on stdout; the caller decodes what it needs.
 */
export class CReference {
  private constructor(readonly binary: string) {}

  static async build(projectDir: string, name: string): Promise<CReference> {
    const source = join(projectDir, "bench", "c", `${name}.c`);
    const outDir = join(projectDir, "build", "bench", "c");
    const binary = join(outDir, name);
    await mkdir(outDir, { recursive: true });
    const [src, bin] = await Promise.all([stat(source), stat(binary).catch(() => undefined)]);
    if (!bin || bin.mtimeMs < src.mtimeMs) {
      try {
        await run("cc", ["-O2", "-Wall", "-Wextra", "-std=gnu11", "-o", binary, source, "-lm"]);
      } catch (err) {
        const out = err as { stderr?: string; message?: string };
        throw new RxuioError(
          "ENOSYS",
          `cannot build the C reference ${source}: ${out.stderr || out.message}`,
          {
            path: source,
            cause: err,
            hint: "Install a C compiler (Debian: apt-get install build-essential)",
          },
        );
      }
    }
    return new CReference(binary);
  }

  /** Runs the reference with `args` and returns the JSON object it printed. */
  async run(args: readonly string[]): Promise<Record<string, unknown>> {
    let stdout: string;
    try {
      ({ stdout } = await run(this.binary, [...args], { maxBuffer: 64 << 20 }));
    } catch (err) {
      const out = err as { stderr?: string; message?: string };
      throw new RxuioError(
        "EIO",
        `the C reference ${this.binary} failed: ${out.stderr || out.message}`,
        {
          path: this.binary,
          cause: err,
        },
      );
    }
    const parsed: unknown = JSON.parse(stdout);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new RxuioError("EDECODE", `the C reference ${this.binary} printed no JSON object`, {
        path: this.binary,
        value: stdout,
      });
    }
    return parsed as Record<string, unknown>;
  }
}

/** A finite number field of a reference's output. */
export function numberField(output: Record<string, unknown>, key: string): number {
  const value = output[key];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RxuioError("EDECODE", `the C reference printed no number "${key}"`, {
      value: output,
    });
  }
  return value;
}
