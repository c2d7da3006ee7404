import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileGuest, listGuestTests } from "./guest-build.js";
import {
  bootGuest,
  DEFAULT_RUN_TIMEOUT_MS,
  type GuestBootOptions,
  type GuestRun,
} from "./guest-boot.js";
import { kernelLabGate } from "./lab-gate.js";
import { PROJECT_DIR } from "./project-root.js";
import type { GuestTestResult } from "../guest/runner/protocol.js";

/** Re-exported for test files that locate kmod/ or other project files. */
export { PROJECT_DIR } from "./project-root.js";

/** The last lines of the serial log: enough context without drowning the report. */
function serialTail(run: GuestRun, lines = 60): string {
  return run.serialLog.split("\n").slice(-lines).join("\n");
}

/** Rebuilds the guest's failure as an Error whose message and stack are the guest's own. */
function guestFailure(result: GuestTestResult): Error {
  const err = new Error(
    `${result.error?.code ? `[${result.error.code}] ` : ""}${result.error?.message ?? "failed"}`,
  );
  err.name = `guest ${result.error?.name ?? "Error"}`;
  err.stack = `${err.name}: ${err.message}\n(in the guest)\n${result.error?.stack ?? ""}`;
  return err;
}

/**
 * Declares a host-side vitest file for one guest suite: one guest boot per
 * file (beforeAll), one vitest test per guest test, plus a test that the boot
 * itself went cleanly. Use with top-level await:
 *
 *   await defineKernelSuite({ suite: "edu-uio-pci-generic", devices: ["edu"], uioPciGenericIds: ["1234 11e8"] });
 *
 * Without the lab the tests are reported as skipped after a loud banner on
 * stderr; with RXUIO_REQUIRE_KERNEL=1 they fail with the same explanation.
 */
export async function defineKernelSuite(options: GuestBootOptions): Promise<void> {
  const title = `${options.suite} (in a QEMU guest)`;
  const tools = kernelLabGate(title);
  if (tools === undefined) return;
  await compileGuest(PROJECT_DIR);
  const names = await listGuestTests(PROJECT_DIR, options.suite);

  describe(title, () => {
    let run: GuestRun | undefined;
    beforeAll(
      async () => {
        run = await bootGuest(tools, PROJECT_DIR, options);
        const report = run.report;
        const boot =
          run.bootMs === undefined
            ? "did not boot"
            : `booted in ${(run.bootMs / 1000).toFixed(1)} s`;
        process.stderr.write(
          `kernel lab: ${options.suite}: ${boot}, ${(run.totalMs / 1000).toFixed(1)} s in all` +
            `${report ? ` (guest kernel ${report.kernel}, node ${report.node})` : ""}\n`,
        );
        // The harness's own run timeout fires first, so a slow guest fails with its serial log.
      },
      (options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS) + 60_000,
    );
    afterAll(() => {
      run = undefined;
    });

    it("boots, runs the guest suite and powers off cleanly", () => {
      if (run === undefined) throw new Error("the guest did not run (see the beforeAll error)");
      if (run.failure !== undefined) {
        throw new Error(
          `${run.failure}\n--- serial log (tail; full log in .lab/logs/${options.suite}.serial.log) ---\n${serialTail(run)}`,
        );
      }
      const reported = run.report?.tests.map((test) => test.name) ?? [];
      expect(reported).toEqual(names);
    });

    for (const name of names) {
      it(name, async ({ annotate }) => {
        if (run === undefined) throw new Error("the guest did not run (see the beforeAll error)");
        const result = run.report?.tests.find((test) => test.name === name);
        if (result === undefined) {
          throw new Error(
            `the guest never reported this test: ${run.failure ?? "unknown reason"}\n--- serial log (tail) ---\n${serialTail(run)}`,
          );
        }
        // vitest times this host-side check (~0 ms); the guest's own timing goes with the result.
        await annotate(`${result.durationMs} ms in the guest`, "guest-duration");
        if (result.status === "failed") throw guestFailure(result);
      });
    }
  });
}
