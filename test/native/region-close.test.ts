import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NativeRegion } from "../../src/native/region.js";
import { expectCode, scratchDir, scratchFile } from "./scratch.js";
import { transpiledSource } from "./transpiled-source.js";

/**
 * What close() does to the memory under a region. It must make the device
 * memory unreachable at once (every method ECLOSED, no store reaching the
 * file, the file mapping gone), yet must not detach the region's private
 * window: detaching any ArrayBuffer invalidates V8's process-wide "array
 * buffer detaching" protector, after which every optimised typed-array
 * access in every region carries a detach check. Each case runs in a child
 * process: the protector is per process, and --trace-protector-invalidation
 * (V8's own report of the invalidation) is a flag of the process.
 */
const ADDON = fileURLToPath(new URL("../../build/Release/rxuio.node", import.meta.url));
const PROTECTOR_LINE = "Invalidating protector cell ArrayBufferDetaching";
const LENGTH = 4096;

interface ChildRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runModule(
  body: string,
  flags: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildRun {
  const run = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", body], {
    encoding: "utf8",
    timeout: 30_000,
    env,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The JSON report the child printed last, and how often V8 reported the protector invalidated. */
function parseRun(run: ChildRun): { report: Record<string, unknown>; invalidations: number } {
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const lines = run.stdout.trim().split("\n");
  // V8 prints its trace through C stdio, which may flush after Node's own
  // writes: the report is the last JSON line, wherever the trace landed.
  const report = lines.filter((line) => line.startsWith("{")).pop();
  return {
    report: JSON.parse(report ?? "null") as Record<string, unknown>,
    invalidations: lines.filter((line) => line.includes(PROTECTOR_LINE)).length,
  };
}

describe("NativeRegion close", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let file: string;

  beforeEach(() => {
    scratch = scratchDir();
    file = scratchFile(scratch.dir, "regs", new Uint8Array(LENGTH));
  });

  afterEach(() => scratch.remove());

  /**
   * A child that writes and reads registers through two regions of `file`
   * in optimised code, then closes one of them (after `beforeClose`) and
   * tries every access again through the same optimised functions.
   */
  function closeInChild(beforeClose: string): ChildRun {
    const regionModule = transpiledSource("src/native/region.ts", `${scratch.dir}/js`);
    const script = `
      const { NativeRegion } = await import(${JSON.stringify(pathToFileURL(regionModule).href)});
      const geometry = { index: 0, fileOffset: 0, inPageOffset: 0, length: ${LENGTH} };
      const closing = NativeRegion.open(${JSON.stringify(file)}, geometry);
      const witness = NativeRegion.open(${JSON.stringify(file)}, geometry);
      const accesses = {
        write8: (r, v) => r.write8(0x40, v & 0xff),
        write16: (r, v) => r.write16(0x42, v & 0xffff),
        write32: (r, v) => r.write32(0x44, v),
        read8: (r) => r.read8(0x40),
        read16: (r) => r.read16(0x42),
        read32: (r) => r.read32(0x44),
        read64: (r) => r.read64(0x40),
      };
      for (const access of Object.values(accesses)) %PrepareFunctionForOptimization(access);
      for (let i = 0; i < 200; i++) {
        for (const access of Object.values(accesses)) { access(closing, i); access(witness, i); }
      }
      for (const access of Object.values(accesses)) %OptimizeFunctionOnNextCall(access);
      // The last values before close: 0xa5 at 0x40, 0xbeef at 0x42, 0x12345678 at 0x44.
      accesses.write8(closing, 0xa5);
      accesses.write16(closing, 0xbeef);
      accesses.write32(closing, 0x12345678);
      const accessor = closing.read32;
      ${beforeClose}
      console.log("closing");
      closing.close();
      const after = {};
      for (const [name, access] of Object.entries(accesses)) {
        try { access(closing, 0xdeadbeef); after[name] = "no error"; } catch (err) { after[name] = err.code; }
      }
      for (const [name, call] of Object.entries({
        write64: () => closing.write64(0x48, 1n),
        writeBlock: () => closing.writeBlock(0x40, Uint8Array.of(1, 2, 3, 4)),
        readBlock: () => closing.readBlock(0x40, 4),
        view: () => closing.view(),
        unboundRead32: () => accessor.call(closing, 0x44),
      })) {
        try { call(); after[name] = "no error"; } catch (err) { after[name] = err.code; }
      }
      console.log(JSON.stringify({
        after,
        witness: { fastReads: witness.fastReads, read32: witness.read32(0x44), read8: witness.read8(0x40) },
        closing: { fastReads: closing.fastReads, closed: closing.closed },
        view: typeof view === "undefined" ? null : view.length,
      }));
      // Not a normal exit: Node's teardown detaches every external buffer
      // still alive, which V8 would report too (harmlessly, but here it
      // would hide what close() did).
      process.exit(0);
    `;
    return runModule(script, ["--allow-natives-syntax", "--trace-protector-invalidation"]);
  }

  const ECLOSED_EVERYWHERE = {
    write8: "ECLOSED",
    write16: "ECLOSED",
    write32: "ECLOSED",
    read8: "ECLOSED",
    read16: "ECLOSED",
    read32: "ECLOSED",
    read64: "ECLOSED",
    write64: "ECLOSED",
    writeBlock: "ECLOSED",
    readBlock: "ECLOSED",
    view: "ECLOSED",
    unboundRead32: "ECLOSED",
  };

  it("detaches no ArrayBuffer: V8's detach protector survives, and every access throws ECLOSED, in optimised code too", () => {
    const { report, invalidations } = parseRun(closeInChild(""));
    expect(invalidations).toBe(0);
    expect(report).toEqual({
      after: ECLOSED_EVERYWHERE,
      witness: { fastReads: true, read32: 0x12345678, read8: 0xa5 },
      closing: { fastReads: false, closed: true },
      view: null,
    });
    // No store after close reached the file.
    const bytes = readFileSync(file);
    expect(bytes.readUInt8(0x40)).toBe(0xa5);
    expect(bytes.readUInt16LE(0x42)).toBe(0xbeef);
    expect(bytes.readUInt32LE(0x44)).toBe(0x12345678);
    expect(bytes.readBigUInt64LE(0x48)).toBe(0n);
  });

  it("still detaches the user's views (their documented cost: once, the protector), with the same errors", () => {
    // The control for the case above: the trace does report a detach.
    const { report, invalidations } = parseRun(closeInChild("const view = closing.view();"));
    expect(invalidations).toBe(1);
    expect(report).toEqual({
      after: ECLOSED_EVERYWHERE,
      witness: { fastReads: true, read32: 0x12345678, read8: 0xa5 },
      closing: { fastReads: false, closed: true },
      view: 0,
    });
    expect(readFileSync(file).readUInt32LE(0x44)).toBe(0x12345678);
  });

  it("closes a read-only region the same way: its loads went through the window too", () => {
    const geometry = { index: 0, fileOffset: 0, inPageOffset: 8, length: 64, writable: false };
    const region = NativeRegion.open(file, geometry);
    expect(region.fastReads).toBe(true);
    expect(region.read32(0)).toBe(0);
    region.close();
    expect(region.fastReads).toBe(false);
    for (const call of [
      () => region.read8(0),
      () => region.read16(2),
      () => region.read32(4),
      () => region.read64(8),
      () => region.write32(4, 1),
      () => region.readBlock(0, 4),
    ]) {
      expectCode(call, "ECLOSED");
    }
  });

  it("drops the file mapping at once: the window keeps only anonymous memory, where stores never reach the file", () => {
    const marked = new Uint8Array(LENGTH).fill(7);
    const path = scratchFile(scratch.dir, "marked", marked);
    const run = runModule(
      `
      import { createRequire } from "node:module";
      import { readFileSync } from "node:fs";
      const addon = createRequire(import.meta.url)(${JSON.stringify(ADDON)});
      const mapped = () => readFileSync("/proc/self/maps", "utf8").split("\\n")
        .some((line) => line.endsWith(${JSON.stringify(path)}));
      const region = new addon.Region(${JSON.stringify(path)}, 0, 0, ${LENGTH}, true, false);
      const window = new Uint8Array(region.window());
      const view = region.view();
      const before = [mapped(), window[0], view[0]];
      region.close();
      // The window (NativeRegion's alone) is not detached; what it spans now
      // is zeroed anonymous memory, so a store there is harmless.
      window[1] = 9;
      console.log(JSON.stringify({ before, after: [mapped(), window.length, window[0], window[1], view.length] }));
      `,
      [],
    );
    expect(parseRun(run).report).toEqual({ before: [true, 7, 7], after: [false, LENGTH, 0, 9, 0] });
    expect(readFileSync(path)).toEqual(Buffer.from(marked));
  });

  it("when the pages cannot be replaced (out of memory), unmaps them and detaches the window too: nothing can reach the range", () => {
    // LD_PRELOAD fault injection: the child's mmap() refuses the anonymous
    // replacement close() asks for (fixtures/refuse-page-replacement.c).
    const shim = join(scratch.dir, "refuse-page-replacement.so");
    const source = fileURLToPath(new URL("fixtures/refuse-page-replacement.c", import.meta.url));
    execFileSync("cc", ["-O2", "-Wall", "-Wextra", "-shared", "-fPIC", "-o", shim, source, "-ldl"]);
    const refusals = join(scratch.dir, "refusals");
    const path = scratchFile(scratch.dir, "marked", new Uint8Array(LENGTH).fill(7));
    const regionModule = transpiledSource("src/native/region.ts", `${scratch.dir}/js`);
    const run = runModule(
      `
      import { readFileSync } from "node:fs";
      const { NativeRegion } = await import(${JSON.stringify(pathToFileURL(regionModule).href)});
      const mapped = () => readFileSync("/proc/self/maps", "utf8").split("\\n")
        .some((line) => line.endsWith(${JSON.stringify(path)}));
      const region = NativeRegion.open(${JSON.stringify(path)}, { index: 0, fileOffset: 0, inPageOffset: 0, length: ${LENGTH} });
      const view = region.view();
      const before = [mapped(), region.read32(0), view[0]];
      region.close();
      const after = {};
      for (const [name, call] of Object.entries({
        read8: () => region.read8(0),
        read32: () => region.read32(0),
        write32: () => region.write32(0, 1),
        readBlock: () => region.readBlock(0, 4),
      })) {
        try { call(); after[name] = "no error"; } catch (err) { after[name] = err.code; }
      }
      console.log(JSON.stringify({ before, mapped: mapped(), view: view.length, after, closed: region.closed }));
      `,
      [],
      { ...process.env, LD_PRELOAD: shim, RXUIO_REFUSALS: refusals },
    );
    expect(parseRun(run).report).toEqual({
      before: [true, 0x07070707, 7],
      mapped: false,
      view: 0,
      after: { read8: "ECLOSED", read32: "ECLOSED", write32: "ECLOSED", readBlock: "ECLOSED" },
      closed: true,
    });
    // The shim did refuse, once: the path above is the fallback, not the usual close.
    expect(existsSync(refusals) && readFileSync(refusals, "utf8")).toBe("refused\n");
    expect(readFileSync(path)).toEqual(Buffer.from(new Uint8Array(LENGTH).fill(7)));
  });

  it("releases the address range once neither the window nor a view needs it: on collection and at worker exit", () => {
    const big = scratchFile(scratch.dir, "big", new Uint8Array(1 << 20));
    // 1 MiB regions, the window and a view taken, half of them closed: a
    // range kept after its last buffer went would add 1 MiB of address
    // space per region, 150 MiB per round. The first round is the baseline
    // (a worker's first start reserves address space of its own).
    const run = runModule(
      `
      import { Worker } from "node:worker_threads";
      import { readFileSync } from "node:fs";
      const addonPath = ${JSON.stringify(ADDON)};
      const file = ${JSON.stringify(big)};
      const mib = () => Number(/VmSize:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
      const mappings = () => readFileSync("/proc/self/maps", "utf8").split("\\n")
        .filter((line) => line.endsWith(file)).length;
      const body = (keep) => \`
        import { createRequire } from "node:module";
        import { parentPort } from "node:worker_threads";
        const addon = createRequire(import.meta.url)(\${JSON.stringify(addonPath)});
        const kept = [];
        for (let i = 0; i < 150; i++) {
          const region = new addon.Region(\${JSON.stringify(file)}, 0, 0, 1 << 20, true, false);
          const held = [region, new Uint32Array(region.window()), region.view()];
          if (i % 2) region.close();
          if (\${keep}) kept.push(held);
        }
        if (!\${keep}) for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); }
        parentPort.postMessage(0);
      \`;
      const round = async (keep) => {
        const worker = new Worker(body(keep), { eval: true });
        // Both listeners from the start: the exit may be dispatched before
        // the code after the message runs, and a listener added then would wait forever.
        let reported = false;
        await new Promise((resolve, reject) => {
          worker.on("message", () => (reported = true));
          worker.on("error", reject);
          worker.on("exit", (code) =>
            reported ? resolve() : reject(new Error(\`the worker exited (\${code}) without reporting\`)),
          );
        });
        return mib();
      };
      const baseline = await round(true);
      const growth = [];
      for (const keep of [true, false, true, false]) growth.push(Math.round((await round(keep)) - baseline));
      console.log(JSON.stringify({ leaked: growth.some((g) => g > 100), growth, mappings: mappings() }));
      `,
      ["--expose-gc"],
    );
    const { report } = parseRun(run);
    expect(report).toMatchObject({ leaked: false, mappings: 0 });
  });
});
