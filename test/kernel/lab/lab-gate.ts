import { closeSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { decideKernelPolicy, loudBanner } from "./kernel-policy.js";
import { probeLab, type LabTools } from "./lab-probe.js";

/**
 * The entrance of every kernel test file: returns the lab's tools when the
 * lab is installed. Otherwise it declares the file's outcome itself and
 * returns undefined — a skipped test after a loud banner on stderr, or, with
 * RXUIO_REQUIRE_KERNEL=1, a failing test with the same explanation.
 *
 *   const tools = kernelLabGate("my behaviour (in a QEMU guest)");
 *   if (tools) describe(..., () => { ... bootGuest(tools, PROJECT_DIR, {...}) ... });
 */
/**
 * True for the first kernel test file of a vitest run to ask, so the banner
 * is printed once per run rather than once per file. Workers share the
 * vitest process as parent; a marker file named after it records the banner.
 */
function firstInThisRun(): boolean {
  try {
    closeSync(openSync(join(tmpdir(), `rxuio-kernel-skip-banner-${process.ppid}`), "wx"));
    return true;
  } catch {
    return false;
  }
}

export function kernelLabGate(title: string): LabTools | undefined {
  const probe = probeLab();
  const policy = decideKernelPolicy(probe.gaps, process.env);
  if (policy.action === "run" && probe.ready) return probe.tools;
  if (policy.action === "skip") {
    process.stderr.write(
      firstInThisRun()
        ? loudBanner(policy.message)
        : `kernel lab not installed: ${title} skipped\n`,
    );
    describe(title, () =>
      it.skip(`kernel lab not installed: ${policy.message.split("\n")[0]}`, () => {}),
    );
  } else {
    const message =
      policy.action === "fail"
        ? policy.message
        : "the kernel lab probe found nothing missing but is not ready";
    describe(title, () =>
      it("the kernel lab is installed", () => {
        throw new Error(message);
      }),
    );
  }
  return undefined;
}
