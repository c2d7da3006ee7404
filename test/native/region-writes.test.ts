import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RxuioError } from "../../src/errors.js";
import { NativeRegion, type NativeRegionOptions } from "../../src/native/region.js";
import { expectCode, scratchDir, scratchFile } from "./scratch.js";
import { transpiledSource } from "./transpiled-source.js";

/**
 * Register writes of 8 to 32 bits have two paths, like the reads: a store
 * through the region's window in JS, and the native call (forced here with
 * copyViews). Whatever the offset and value, both must leave the same bytes
 * or throw the same error; and in optimised code every store must happen, in
 * program order, as a device needs it.
 */

type Width = 8 | 16 | 32;
const WIDTHS: readonly Width[] = [8, 16, 32];
const FILE_LENGTH = 2 * 4096;
// kTurboFanned in V8's %GetOptimizationStatus bits.
const TURBOFANNED = 1 << 6;

type Outcome =
  | { readonly stored: true }
  | {
      readonly code: string;
      readonly message: string;
      readonly offending: unknown;
      readonly path?: string | undefined;
    };

function write(region: NativeRegion, width: Width, offset: unknown, value: unknown): Outcome {
  try {
    region[`write${width}`](offset as number, value as number);
    return { stored: true };
  } catch (err) {
    expect(err).toBeInstanceOf(RxuioError);
    const { code, message, value: offending, path } = err as RxuioError;
    // The two paths write two files: an error names its own.
    return { code, message, offending, path: path === region.path ? "<region file>" : path };
  }
}

const anyOffset = (length: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: length + 16 }) },
    fc.integer({ min: -64, max: -1 }),
    fc.constantFrom(-0, Number.NaN, Infinity, 2 ** 32, 2 ** 32 + 4, 4.5),
    fc.constantFrom("4", undefined, null, 4n, { valueOf: () => 4 }),
  );

/** Values of every kind: in range, at and past each width's bounds, negative, fractional, not numbers. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }) },
  fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
  fc.constantFrom(0, -0, 0xff, 0x100, -0x80, -0x81, 0xffff, 0x10000, -0x8000, -0x8001),
  fc.constantFrom(0xffffffff, 2 ** 32, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, 1.5, -1.5, 1e-9),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, "1", 1n, null, undefined, { valueOf: () => 1 }),
);

describe("NativeRegion register writes", () => {
  let scratch: ReturnType<typeof scratchDir>;
  const open: NativeRegion[] = [];
  const initial = Uint8Array.from({ length: FILE_LENGTH }, (_, i) => (i * 37 + 11) % 256);

  function region(file: string, options: Partial<NativeRegionOptions>): NativeRegion {
    const r = NativeRegion.open(file, {
      index: 0,
      fileOffset: 0,
      inPageOffset: 0,
      length: 64,
      ...options,
    });
    open.push(r);
    return r;
  }

  beforeEach(() => {
    scratch = scratchDir();
  });

  afterEach(() => {
    for (const r of open.splice(0)) r.close();
    scratch.remove();
  });

  it("leave the same bytes or throw the same error on both paths, for any geometry, offset and value (property)", () => {
    const fastFile = scratchFile(scratch.dir, "fast", initial);
    const nativeFile = scratchFile(scratch.dir, "native", initial);
    fc.assert(
      fc.property(
        fc.nat({ max: 16 }),
        fc.integer({ min: 1, max: 96 }),
        fc.constantFrom(...WIDTHS),
        fc.array(fc.tuple(anyOffset(96), anyValue), { minLength: 1, maxLength: 16 }),
        (inPageOffset, length, width, writes) => {
          const geometry = { index: 0, fileOffset: 4096, inPageOffset, length };
          const fast = NativeRegion.open(fastFile, geometry);
          const native = NativeRegion.open(nativeFile, { ...geometry, copyViews: true });
          try {
            expect(fast.fastReads).toBe(true);
            for (const [offset, value] of writes) {
              expect(write(fast, width, offset, value)).toEqual(write(native, width, offset, value));
            }
          } finally {
            fast.close();
            native.close();
          }
          expect(readFileSync(fastFile)).toEqual(readFileSync(nativeFile));
        },
      ),
      { numRuns: 300 },
    );
  }, 30_000);

  it("store exactly the width: the neighbours of a written register keep their bytes", () => {
    const file = scratchFile(scratch.dir, "regs", initial);
    const r = region(file, {});
    r.write8(1, 0xab);
    r.write16(4, -2);
    r.write32(8, 0xfeedf00d);
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 12)]).toEqual([
      initial[0],
      0xab,
      initial[2],
      initial[3],
      0xfe,
      0xff,
      initial[6],
      initial[7],
      0x0d,
      0xf0,
      0xed,
      0xfe,
    ]);
  });

  it("refuse a read-only mapping with EACCES (the store would fault), and a closed region with ECLOSED", () => {
    const file = scratchFile(scratch.dir, "regs", initial);
    const readOnly = region(file, { writable: false });
    expect(readOnly.fastReads).toBe(true);
    for (const width of WIDTHS) expectCode(() => readOnly[`write${width}`](0, 1), "EACCES");
    const closed = region(file, {});
    closed.close();
    for (const width of WIDTHS) expectCode(() => closed[`write${width}`](0, 1), "ECLOSED");
    expect(readFileSync(file)).toEqual(Buffer.from(initial));
  });

  it("perform every store, in order, in optimised code: each is seen at once through another mapping", () => {
    const file = scratchFile(scratch.dir, "regs", new Uint8Array(4096));
    const regionModule = transpiledSource("src/native/region.ts", `${scratch.dir}/js`);
    // Two stores to one register with a load through a second mapping
    // between them and after them: a dropped, merged, delayed or forwarded
    // store shows as a wrong value. V8 cannot know the mappings alias.
    const script = `
      const { NativeRegion } = await import(${JSON.stringify(pathToFileURL(regionModule).href)});
      const geometry = { index: 0, fileOffset: 0, inPageOffset: 0, length: 4096 };
      const a = NativeRegion.open(${JSON.stringify(file)}, geometry);
      const b = NativeRegion.open(${JSON.stringify(file)}, geometry);
      function sequence(a, b, i) {
        a.write32(0x40, i);
        const first = b.read32(0x40);
        a.write32(0x40, i + 1);
        a.write16(0x44, i & 0xffff);
        a.write8(0x46, i & 0xff);
        a.write8(0x46, (i + 1) & 0xff);
        const second = b.read32(0x40);
        const low = b.read16(0x44);
        const byte = b.read8(0x46);
        a.write32(0x40, i + 2);
        return first === i && second === i + 1 && low === (i & 0xffff) && byte === ((i + 1) & 0xff);
      }
      function loop(a, b, n) {
        let seen = 0;
        for (let i = 0; i < n; i++) {
          a.write32(0x48, i);
          if (b.read32(0x48) === i) seen++;
        }
        return seen;
      }
      %PrepareFunctionForOptimization(sequence);
      %PrepareFunctionForOptimization(loop);
      // Warmed over the values the checked part writes (bytes and halfwords
      // past 2^7 and 2^15 too): a value whose path has no feedback would
      // deoptimise it, and under load its concurrent re-optimisation may
      // land after the check of the optimisation status.
      for (let i = 0; i < 100; i++) { sequence(a, b, 1000 + i * 1000); loop(a, b, 10); }
      %OptimizeFunctionOnNextCall(sequence);
      %OptimizeFunctionOnNextCall(loop);
      sequence(a, b, 0);
      loop(a, b, 10);
      let wrong = 0;
      for (let i = 1000; i < 101000; i++) if (!sequence(a, b, i)) wrong++;
      const seen = loop(a, b, 100000);
      const optimised = (%GetOptimizationStatus(sequence) & ${TURBOFANNED}) !== 0 &&
        (%GetOptimizationStatus(loop) & ${TURBOFANNED}) !== 0;
      console.log(JSON.stringify({ fastReads: a.fastReads, optimised, wrong, seen, last: b.read32(0x40) }));
    `;
    const run = spawnSync(
      process.execPath,
      ["--allow-natives-syntax", "--input-type=module", "-e", script],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(report).toEqual({
      fastReads: true,
      optimised: true,
      wrong: 0,
      seen: 100000,
      last: 101001,
    });
  });
});
