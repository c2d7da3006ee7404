import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { RxuioError } from "../../../src/errors.js";

const run = promisify(execFile);

/**
 * Guest code is TypeScript (src + test/kernel/guest) compiled by the
 * project's own tsc into .lab/guest with tsconfig.kernel.json — the guest has
 * only node, no tsx or vitest. tsc is incremental, so an unchanged tree
 * compiles in a second or two.
 */
export const GUEST_OUT_DIR = ".lab/guest";

/** The compiled guest runner, relative to the project root. */
export const GUEST_RUNNER = `${GUEST_OUT_DIR}/test/kernel/guest/runner/main.js`;

export async function compileGuest(projectDir: string): Promise<void> {
  const tsc = join(projectDir, "node_modules", "typescript", "bin", "tsc");
  try {
    await run(process.execPath, [tsc, "-p", "tsconfig.kernel.json"], {
      cwd: projectDir,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    const out = err as { code?: unknown; stdout?: string; stderr?: string };
    const diagnostics = `${out.stdout ?? ""}${out.stderr ?? ""}`;
    // Exit code 2 means "type errors, output emitted": the typecheck step
    // reports those; the guest can still run the emitted JavaScript.
    if (out.code === 2) {
      process.stderr.write(
        `kernel lab: tsc -p tsconfig.kernel.json reported type errors (running anyway):\n${diagnostics}\n`,
      );
    } else {
      throw new RxuioError(
        "EIO",
        `compiling the guest code (tsc -p tsconfig.kernel.json) failed:\n${diagnostics}`,
        {
          hint: "fix the errors above; the kernel tests run the compiled src and test/kernel/guest",
          cause: err,
        },
      );
    }
  }
  // The compiled src sits one level deeper than dist/, so code that finds the
  // addon relative to itself (../../build/Release) must find it here too.
  const addonLink = join(projectDir, GUEST_OUT_DIR, "build");
  if (!existsSync(addonLink)) await symlink("../../build", addonLink);
}

/** The names of a guest suite's tests, in order, read by running the compiled runner on the host. */
export async function listGuestTests(projectDir: string, suite: string): Promise<string[]> {
  try {
    const { stdout } = await run(process.execPath, [GUEST_RUNNER, "--list", suite], {
      cwd: projectDir,
    });
    const names: unknown = JSON.parse(stdout);
    if (!Array.isArray(names) || !names.every((name) => typeof name === "string")) {
      throw new Error(`unexpected output: ${stdout}`);
    }
    return names;
  } catch (err) {
    const out = err as { stderr?: string; message?: string };
    throw new RxuioError(
      "EIO",
      `cannot list the tests of guest suite "${suite}": ${out.stderr || out.message}`,
      {
        path: `test/kernel/guest/suites/${suite}.ts`,
        hint: "the suite module must load on the host too (it is imported to read its test names)",
        cause: err,
      },
    );
  }
}
