import type { LabGap } from "./lab-probe.js";

/**
 * What the kernel test files do on this machine: run, skip loudly (the lab is
 * not installed), or fail (the lab is missing but RXUIO_REQUIRE_KERNEL=1
 * says it must not be — CI sets it so a broken lab can never pass as "skipped").
 */
export type KernelPolicy =
  | { readonly action: "run" }
  | { readonly action: "skip"; readonly message: string }
  | { readonly action: "fail"; readonly message: string };

/** RXUIO_REQUIRE_KERNEL is on for "1", "true" or "yes" (any case). */
export function kernelRequired(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env["RXUIO_REQUIRE_KERNEL"]?.trim().toLowerCase();
  return value === "1" || value === "true" || value === "yes";
}

/** The explanation shared by the skip banner and the failure: what is missing and how to install it. */
export function describeGaps(gaps: readonly LabGap[]): string {
  const packages = [...new Set(gaps.map((gap) => gap.package))];
  return [
    "The kernel lab is not installed, so the kernel-in-the-loop tests (test/kernel/) cannot boot a guest.",
    "Missing:",
    ...gaps.map((gap) => `  - ${gap.what} (Debian package ${gap.package})`),
    `Install it as root with: npm run lab:setup   (apt-get install ${packages.join(" ")})`,
  ].join("\n");
}

/** Decides run/skip/fail from what the probe found and the environment. */
export function decideKernelPolicy(
  gaps: readonly LabGap[],
  env: Readonly<Record<string, string | undefined>>,
): KernelPolicy {
  if (gaps.length === 0) return { action: "run" };
  const why = describeGaps(gaps);
  if (kernelRequired(env)) {
    return {
      action: "fail",
      message: `RXUIO_REQUIRE_KERNEL=1 but ${why.charAt(0).toLowerCase()}${why.slice(1)}`,
    };
  }
  return {
    action: "skip",
    message: `${why}\nKernel tests were SKIPPED. Set RXUIO_REQUIRE_KERNEL=1 to make this a failure.`,
  };
}

/** A banner nobody scrolls past. */
export function loudBanner(message: string): string {
  const rule = "!".repeat(78);
  return `\n${rule}\n!!! KERNEL TESTS SKIPPED\n${rule}\n${message}\n${rule}\n`;
}
