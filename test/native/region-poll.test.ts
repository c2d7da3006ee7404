import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NativeRegion } from "../../src/native/region.js";
import { scratchDir, scratchFile } from "./scratch.js";
import { transpiledSource } from "./transpiled-source.js";

/**
 * Register reads must behave as volatile loads: a status poll loop has to
 * see another writer's change, however hot the JIT has made it. NativeRegion
 * reads with plain typed-array loads (see src/native/region.ts), so this is
 * the proof that V8 neither hoists nor drops them: a child process polls a
 * word in a loop that TurboFan has optimised (forced with natives syntax, and
 * checked), and this process, through its own mapping of the same file, sets
 * the bit the loop waits for. The loop must end, still optimised.
 */

// kTurboFanned in V8's %GetOptimizationStatus bits.
const TURBOFANNED = 1 << 6;
const STATUS = 0x40;
const TIMEOUT_MS = 20_000;

interface PollerReport {
  readonly fastReads: boolean;
  readonly optimisedBefore: boolean;
  readonly optimisedAfter: boolean;
  readonly spins: number;
  readonly seen: string;
}

/** The child: `read` is the expression a poll loop tests, e.g. `region.read32(0x40) & 1`. */
function pollerScript(regionModule: string, file: string, read: string): string {
  return `
    const { NativeRegion } = await import(${JSON.stringify(pathToFileURL(regionModule).href)});
    const region = NativeRegion.open(${JSON.stringify(file)}, { index: 0, fileOffset: 0, inPageOffset: 0, length: 4096 });
    // What a driver writes; \`limit\` only bounds the warm-up runs (-1: none).
    function poll(region, limit) {
      let spins = 0;
      while (!(${read}) && spins !== limit) spins++;
      return spins;
    }
    %PrepareFunctionForOptimization(poll);
    poll(region, 1000);
    poll(region, 1000);
    %OptimizeFunctionOnNextCall(poll);
    poll(region, 1000);
    const optimisedBefore = (%GetOptimizationStatus(poll) & ${TURBOFANNED}) !== 0;
    console.log("polling");
    const spins = poll(region, -1);
    const optimisedAfter = (%GetOptimizationStatus(poll) & ${TURBOFANNED}) !== 0;
    const seen = String(${read.replace(/ & .*$/, "")});
    console.log(JSON.stringify({ fastReads: region.fastReads, optimisedBefore, optimisedAfter, spins, seen }));
    region.close();
  `;
}

/** Runs the poller, sets the awaited bit once it polls, and returns its report. */
async function pollUntilSet(
  regionModule: string,
  file: string,
  read: string,
  set: (region: NativeRegion) => void,
): Promise<PollerReport> {
  const child = spawn(
    process.execPath,
    ["--allow-natives-syntax", "--input-type=module", "-e", pollerScript(regionModule, file, read)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    let report: PollerReport | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === "polling") {
        // Let it spin for a while in the optimised loop first.
        await new Promise((resolve) => setTimeout(resolve, 100));
        const writer = NativeRegion.open(file, { index: 0, fileOffset: 0, inPageOffset: 0, length: 4096 });
        set(writer);
        writer.close();
      } else {
        report = JSON.parse(line) as PollerReport;
      }
    }
    const status = await exited;
    if (report === undefined || status !== 0) {
      throw new Error(`poller ended with status ${String(status)} and no report (killed after ${TIMEOUT_MS} ms if it never saw the write): ${stderr}`);
    }
    return report;
  } finally {
    clearTimeout(timer);
    child.kill("SIGKILL");
  }
}

describe("NativeRegion register reads in an optimised poll loop", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let file: string;
  let regionModule: string;

  beforeEach(() => {
    scratch = scratchDir();
    file = scratchFile(scratch.dir, "regs", new Uint8Array(4096));
    regionModule = transpiledSource("src/native/region.ts", `${scratch.dir}/js`);
  });

  afterEach(() => scratch.remove());

  // Values below 2^63 for read64: `& 1n` on a bigint past the signed 64-bit
  // range deoptimises (V8 speculates BigInt64), which would end the loop in
  // the interpreter and prove nothing about the optimised one.
  it.each([
    ["read8", `region.read8(${STATUS}) & 1`, (r: NativeRegion) => r.write8(STATUS, 1), "1"],
    ["read16", `region.read16(${STATUS}) & 1`, (r: NativeRegion) => r.write16(STATUS, 0x8001), String(0x8001)],
    ["read32", `region.read32(${STATUS}) & 1`, (r: NativeRegion) => r.write32(STATUS, 0x80000001), String(0x80000001)],
    ["read64", `region.read64(${STATUS}) & 1n`, (r: NativeRegion) => r.write64(STATUS, 2n ** 40n + 1n), String(2n ** 40n + 1n)],
  ])(
    "%s sees a bit another process sets through its own mapping, and the loop ends still optimised",
    async (_width, read, set, value) => {
      const report = await pollUntilSet(regionModule, file, read, set);
      expect(report.fastReads).toBe(true);
      expect(report.optimisedBefore).toBe(true);
      expect(report.spins).toBeGreaterThan(0);
      expect(report.seen).toBe(value);
      // It ended because the optimised loop read the new value, not because
      // a deoptimisation sent it back to the interpreter.
      expect(report.optimisedAfter).toBe(true);
    },
    TIMEOUT_MS + 5_000,
  );
});
