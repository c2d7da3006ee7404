import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { GuestReport, REPORT_FILE } from "./guest/runner/protocol.js";
import { compileGuest, GUEST_RUNNER, listGuestTests } from "./lab/guest-build.js";
import { bootGuest } from "./lab/guest-boot.js";
import { kernelLabGate } from "./lab/lab-gate.js";
import { PROJECT_DIR } from "./lab/project-root.js";

// The harness's failure paths: the guest runner isolates failing tests, and
// a guest that cannot boot or set up fails fast with its serial log instead
// of hanging the test run. Boots use the runner-checks suite's name, so
// their serial logs do not overwrite a device suite's in .lab/logs.
const tools = kernelLabGate("kernel lab failure paths");

if (tools) {
  await compileGuest(PROJECT_DIR);

  describe("the guest runner (run on the host)", () => {
    it("reports each test with its own outcome, error and timing", async () => {
      const share = await mkdtemp(join(tmpdir(), "rxuio-runner-"));
      try {
        await promisify(execFile)(process.execPath, [GUEST_RUNNER, "runner-checks", share], {
          cwd: PROJECT_DIR,
        });
        const decoded = GuestReport.decode(
          JSON.parse(await readFile(join(share, REPORT_FILE), "utf8")),
        );
        if (decoded._tag === "Left") throw new Error("malformed report");
        const report = decoded.right;
        expect(report.finished).toBe(true);
        const outcome = Object.fromEntries(report.tests.map((t) => [t.name, t]));
        expect(report.tests.map((t) => t.name)).toEqual(
          await listGuestTests(PROJECT_DIR, "runner-checks"),
        );
        expect(outcome["passes"]?.status).toBe("passed");
        expect(outcome["fails an assertion"]?.error?.message).toContain("1 !== 2");
        expect(outcome["fails an assertion"]?.error?.stack).toContain("runner-checks");
        expect(outcome["carries an RxuioError code"]?.error).toMatchObject({
          code: "ENODEV",
          name: "RxuioError",
        });
        expect(outcome["times out"]?.error?.message).toBe("timed out after 200 ms");
        expect(
          outcome["an unawaited rejection fails the test that caused it"]?.error?.message,
        ).toBe("stray rejection");
        expect(outcome["a failing cleanup fails an otherwise passing test"]?.error?.message).toBe(
          "cleanup failed",
        );
        expect(outcome["later tests still run, and saw those cleanups"]?.status).toBe("passed");
        for (const test of report.tests) expect(test.durationMs).toBeGreaterThanOrEqual(0);
      } finally {
        await rm(share, { recursive: true, force: true });
      }
    });

    it("refuses to list a suite that does not exist, naming it", async () => {
      await expect(listGuestTests(PROJECT_DIR, "no-such-suite")).rejects.toMatchObject({
        code: "EIO",
        message: expect.stringContaining('"no-such-suite"'),
      });
    });
  });

  describe("a guest that cannot boot or set up (QEMU)", () => {
    it("is killed at the boot timeout instead of hanging", async () => {
      const run = await bootGuest(tools, PROJECT_DIR, {
        suite: "runner-checks",
        bootTimeoutMs: 1_500,
      });
      expect(run.failure).toMatch(/did not finish booting within 1.5 s/);
      expect(run.bootMs).toBeUndefined();
      expect(run.totalMs).toBeLessThan(30_000);
      expect(run.report).toBeUndefined();
      expect(run.failure).toContain(`kept at ${run.keptShareDir}`);
      if (run.keptShareDir) await rm(run.keptShareDir, { recursive: true, force: true });
    });

    it("fails fast with the guest's message when a module does not load", async () => {
      // /etc/hostname exists on the host (and so in the guest) but is no module.
      const run = await bootGuest(tools, PROJECT_DIR, {
        suite: "runner-checks",
        extraModules: [{ path: "/etc/hostname" }],
      });
      expect(run.failure).toMatch(/guest setup failed: insmod \/host\/etc\/hostname/);
      expect(run.serialLog).toContain("RXUIO-LAB-FAIL");
      expect(run.serialLog).not.toContain("RXUIO-LAB-READY");
      expect(run.report).toBeUndefined();
      if (run.keptShareDir) await rm(run.keptShareDir, { recursive: true, force: true });
    });
  });
}
