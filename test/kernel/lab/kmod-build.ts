import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { RxuioError } from "../../../src/errors.js";
import type { KernelImage } from "./kernel-image.js";

const run = promisify(execFile);

/**
 * Builds kmod/ (`make -C kmod KVER=<lab kernel>`) so guest runs can insmod
 * kmod/*.ko. make is incremental: an up-to-date tree costs well under a second.
 */
export async function buildKmod(projectDir: string, kernel: KernelImage): Promise<void> {
  if (kernel.headersDir === undefined) {
    throw new RxuioError(
      "ENOSYS",
      `no kernel headers for ${kernel.version}, so kmod/ cannot be built`,
      {
        hint: "install them with npm run lab:setup (linux-headers-amd64)",
      },
    );
  }
  try {
    await run(
      "make",
      ["-C", join(projectDir, "kmod"), `KVER=${kernel.version}`, `KDIR=${kernel.headersDir}`],
      {
        maxBuffer: 16 << 20,
      },
    );
  } catch (err) {
    const out = err as { stdout?: string; stderr?: string; message?: string };
    throw new RxuioError(
      "EIO",
      `building kmod/ for ${kernel.version} failed:\n${out.stdout ?? ""}${out.stderr ?? out.message ?? ""}`,
      {
        path: join(projectDir, "kmod"),
        hint: "fix the build errors above (make -C kmod reproduces them)",
        cause: err,
      },
    );
  }
}
