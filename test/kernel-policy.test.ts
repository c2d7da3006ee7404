import { describe, expect, it } from "vitest";
import {
  decideKernelPolicy,
  describeGaps,
  kernelRequired,
  loudBanner,
} from "./kernel/lab/kernel-policy.js";
import type { LabGap } from "./kernel/lab/lab-probe.js";

const gaps: LabGap[] = [
  { what: "qemu-system-x86_64", package: "qemu-system-x86" },
  { what: "a statically linked busybox", package: "busybox-static" },
];

describe("decideKernelPolicy", () => {
  it("runs the kernel tests when nothing is missing, whatever the environment", () => {
    expect(decideKernelPolicy([], {})).toEqual({ action: "run" });
    expect(decideKernelPolicy([], { RXUIO_REQUIRE_KERNEL: "1" })).toEqual({ action: "run" });
  });

  it("skips with the missing pieces and the install command when the lab is missing", () => {
    const policy = decideKernelPolicy(gaps, {});
    expect(policy.action).toBe("skip");
    if (policy.action !== "skip") return;
    expect(policy.message).toContain("qemu-system-x86_64 (Debian package qemu-system-x86)");
    expect(policy.message).toContain("a statically linked busybox (Debian package busybox-static)");
    expect(policy.message).toContain("npm run lab:setup");
    expect(policy.message).toContain("SKIPPED");
    expect(policy.message).toContain("RXUIO_REQUIRE_KERNEL=1");
  });

  it("fails with the same explanation when RXUIO_REQUIRE_KERNEL=1", () => {
    const policy = decideKernelPolicy(gaps, { RXUIO_REQUIRE_KERNEL: "1" });
    expect(policy.action).toBe("fail");
    if (policy.action !== "fail") return;
    expect(policy.message).toMatch(/^RXUIO_REQUIRE_KERNEL=1 but the kernel lab is not installed/);
    expect(policy.message).toContain("apt-get install qemu-system-x86 busybox-static");
    expect(policy.message).toContain("npm run lab:setup");
  });

  it("reads RXUIO_REQUIRE_KERNEL as a boolean flag", () => {
    for (const on of ["1", "true", "TRUE", "yes", " 1 "])
      expect(kernelRequired({ RXUIO_REQUIRE_KERNEL: on })).toBe(true);
    for (const off of [undefined, "", "0", "false", "no"])
      expect(kernelRequired({ RXUIO_REQUIRE_KERNEL: off })).toBe(false);
    expect(decideKernelPolicy(gaps, { RXUIO_REQUIRE_KERNEL: "0" }).action).toBe("skip");
  });

  it("names each package once even when several gaps share it", () => {
    const text = describeGaps([
      { what: "a kernel", package: "linux-image-amd64" },
      { what: "its modules", package: "linux-image-amd64" },
    ]);
    expect(text).toContain("apt-get install linux-image-amd64)");
  });

  it("frames the skip message in a banner nobody scrolls past", () => {
    const banner = loudBanner("why");
    expect(banner).toContain("KERNEL TESTS SKIPPED");
    expect(banner).toContain("why");
    expect(banner.split("\n").filter((line) => /^!{78}$/.test(line))).toHaveLength(3);
  });
});
