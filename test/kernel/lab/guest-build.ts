import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { RxuioError } from "../../../src/errors.js";
import { withLabLock } from "./lab-lock.js";

const run = promisify(execFile);

/**
 * Guest code is TypeScript (src + test/kernel/guest) compiled by the
 * project's own tsc into .lab/guest with tsconfig.kernel.json — the guest has
 * only node, no tsx or vitest. An unchanged tree (same files, sizes and
 * mtimes) skips tsc; otherwise tsc runs incrementally.
 */
export const GUEST_OUT_DIR = ".lab/guest";

/** The compiled guest runner, relative to the project root. */
export const GUEST_RUNNER = `${GUEST_OUT_DIR}/test/kernel/guest/runner/main.js`;

/** Everything the guest build reads, as path:size:mtime, so an unchanged tree skips tsc entirely. */
async function sourceFingerprint(projectDir: string): Promise<string> {
  const hash = createHash("sha256");
  const visit = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.name.endsWith(".ts")) {
        const info = await stat(full);
        hash.update(`${full}:${info.size}:${info.mtimeMs}\n`);
      }
    }
  };
  for (const file of ["tsconfig.json", "tsconfig.kernel.json", "package.json"]) {
    const info = await stat(join(projectDir, file));
    hash.update(`${file}:${info.size}:${info.mtimeMs}\n`);
  }
  await visit(join(projectDir, "src"));
  await visit(join(projectDir, "test", "kernel", "guest"));
  // The "bench" suite re-exports bench/kernel, whose files the guest build compiles too.
  if (existsSync(join(projectDir, "bench"))) await visit(join(projectDir, "bench"));
  return hash.digest("hex");
}

export async function compileGuest(projectDir: string): Promise<void> {
  // Another process may be compiling into the same .lab/guest right now.
  await withLabLock(join(projectDir, ".lab", "guest-build.lock"), () =>
    compileUnlocked(projectDir),
  );
}

async function compileUnlocked(projectDir: string): Promise<void> {
  const stampFile = join(projectDir, GUEST_OUT_DIR, "sources.sha256");
  const fingerprint = await sourceFingerprint(projectDir);
  if (existsSync(stampFile) && (await readFile(stampFile, "utf8")) === fingerprint) return;
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
  await writeFile(stampFile, fingerprint);
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
