import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { NativeRegion } from "../../src/native/region.js";
import type { BenchContext } from "../bench-context.js";
import { CReference, numberField } from "../c-reference.js";
import { metric, type MetricResult, type MetricSpec } from "../metric.js";
import { alternate, type RoundsResult } from "../rounds.js";

/**
 * read32 and view-read on the host: a page of a regular file mapped through
 * NativeRegion (the same code path as map N of /dev/uioN), against
 * bench/c/read32.c doing volatile reads on its own MAP_SHARED mapping of the
 * same file. Figures are reads per second, higher is better.
 */
export const READ32: MetricSpec = {
  name: "read32",
  unit: "reads/s",
  target: { ratio: { op: ">=", value: 0.5 }, absolute: { op: ">=", value: 10_000_000 } },
};
export const VIEW_READ: MetricSpec = {
  name: "view-read",
  unit: "reads/s",
  target: { ratio: { op: ">=", value: 0.8 } },
};

const LENGTH = 4096;
const WORDS = LENGTH / 4;

// Kept outside the loops and returned, so the JIT cannot drop the reads.
let sink = 0;

// The loops are what a user writes, each in a function of its own that
// returns its sum: timed from outside, so that after the warm-up they run as
// whole-function optimised code. Timing inside the loop's own function left
// it in on-stack-replacement code, where `sum` enters as a tagged value and
// every add goes through floats (about a quarter of the speed).

/** Polling registers: read32 at 16 offsets, round robin. */
function sumRead32(region: NativeRegion, iterations: number): number {
  let sum = 0;
  // Integer adds, as C's uint32_t sum: the figure is the reads, not float arithmetic.
  for (let i = 0; i < iterations; i++) sum = (sum + region.read32((i & 15) << 2)) | 0;
  return sum;
}

/**
 * Sweeping a Uint32Array over view(), the idiom docs/registers.md shows
 * (VIEW_LOOP is its text, for the metric's note).
 *
 * Why it stays near 0.4x C (V8 11.3, Node 20; seen with --print-opt-code and
 * objdump -d): C's volatile sweep is 5 instructions a word (load, add,
 * pointer add, compare, branch), about one cycle. TurboFan's inner loop is
 * 15: the interrupt check at each loop turn may run arbitrary code, so every
 * turn re-checks the array's map and reloads its length, base and external
 * pointer, then bounds-checks, overflow-checks i++ and does the interrupt
 * check itself. No deopts, no float arithmetic (the Uint32 element and the
 * `| 0` sum stay in 32-bit registers). Hoisting `length` (as here) saves
 * nothing while no ArrayBuffer was ever detached in the process, but once
 * one was (any close() of a region or simulated device), V8 adds a detach
 * test to every access and `i < words.length` turns into a float
 * conversion each turn: then the hoisted loop is about 1.8x faster.
 */
function sumWords(words: Uint32Array, passes: number): number {
  let sum = 0;
  const length = words.length;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < length; i++) sum = (sum + (words[i] as number)) | 0;
  }
  return sum;
}
const VIEW_LOOP =
  "const length = words.length; for (let i = 0; i < length; i++) sum = (sum + words[i]) | 0";

/**
 * V8's own ceiling for read32 (a diagnostic, not the metric): the same round
 * robin as sumRead32 as one bare element load of a Uint32Array, no method,
 * no checks of rxuio's. No register read in JS can beat this loop.
 */
function sumRoundRobin(words: Uint32Array, iterations: number): number {
  let sum = 0;
  for (let i = 0; i < iterations; i++) sum = (sum + (words[i & 15] as number)) | 0;
  return sum;
}

/** Reads per second of `sum(iterations)`, which makes `reads` reads. */
function rate(reads: number, sum: () => number): number {
  const start = process.hrtime.bigint();
  sink ^= sum();
  return (reads / Number(process.hrtime.bigint() - start)) * 1e9;
}

function read32Rate(region: NativeRegion, iterations: number): number {
  return rate(iterations, () => sumRead32(region, iterations));
}

function viewRate(region: NativeRegion, passes: number): number {
  const bytes = region.view();
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, WORDS);
  return rate(passes * WORDS, () => sumWords(words, passes));
}

async function cRate(
  reference: CReference,
  path: string,
  iterations: number,
  mode: string,
): Promise<number> {
  const out = await reference.run([path, String(LENGTH), String(iterations), mode]);
  return (numberField(out, "reads") / numberField(out, "ns")) * 1e9;
}

export async function registerReads(context: BenchContext): Promise<MetricResult[]> {
  const path = join(context.scratchDir, "region.bin");
  writeFileSync(path, randomBytes(LENGTH));
  const reference = await CReference.build(context.projectDir, "read32");
  const region = NativeRegion.open(path, {
    index: 0,
    fileOffset: 0,
    inPageOffset: 0,
    length: LENGTH,
  });
  try {
    // Each round makes the same number of reads on both sides, so a round
    // of either lasts some 50-250 ms: a fixed hiccup of the machine (a
    // timer tick, a neighbour's burst) weighs alike on both. (JS ran a 20th
    // of C's reads, some 10 ms, and the ratio swung from round to round.)
    const calls = context.quick ? 4_000_000 : 100_000_000;
    const passes = Math.floor(calls / WORDS);
    // Warm both sides up (JIT tiers, page faults) before anything counts.
    read32Rate(region, calls);
    viewRate(region, passes);

    context.log("read32: NativeRegion.read32 vs C volatile reads");
    const single = await alternate(
      context.rounds,
      () => read32Rate(region, calls),
      () => cRate(reference, path, calls, "single"),
    );
    context.log("view-read: Uint32Array over region.view() vs C volatile sweep");
    const sweep = await alternate(
      context.rounds,
      () => viewRate(region, passes),
      () => cRate(reference, path, passes, "sweep"),
    );
    // V8's ceiling: the same loops over a Uint32Array of V8's own memory
    // holding the same words, against the same C, in rounds of their own.
    const plain = new Uint32Array(WORDS);
    plain.set(new Uint32Array(region.readBlock(0, LENGTH).buffer, 0, WORDS));
    rate(calls, () => sumRoundRobin(plain, calls));
    context.log("V8's ceiling: the same loops over a plain Uint32Array vs C");
    const bareSingle = await alternate(
      context.rounds,
      () => rate(calls, () => sumRoundRobin(plain, calls)),
      () => cRate(reference, path, calls, "single"),
    );
    const bareSweep = await alternate(
      context.rounds,
      () => rate(passes * WORDS, () => sumWords(plain, passes)),
      () => cRate(reference, path, passes, "sweep"),
    );
    const ceiling = (bare: RoundsResult): string =>
      `V8's ceiling (a diagnostic, not the metric): the same loop as one bare element load of a Uint32Array over V8's own memory, no rxuio code in it, ${(bare.rxuio / 1e6).toFixed(0)} M reads/s, ${bare.ratio.toFixed(2)}x C over ${bare.rounds} alternating rounds of its own`;
    const note = region.viewIsCopy
      ? "view() returned a copy here (no external buffers)"
      : undefined;
    return [
      metric({
        ...READ32,
        rxuio: single.rxuio,
        reference: single.reference,
        ratio: single.ratio,
        note: `host, mmap of a 4 KiB file; ${region.fastReads ? "reads in JS from the region's window" : "reads by native call (no external buffers)"}; C = bench/c/read32.c single; ${single.rounds} alternating rounds. ${ceiling(bareSingle)}`,
      }),
      metric({
        ...VIEW_READ,
        rxuio: sweep.rxuio,
        reference: sweep.reference,
        ratio: sweep.ratio,
        note:
          note ??
          `host, Uint32Array over view() of a 4 KiB file, one pass = \`${VIEW_LOOP}\` in a function of its own (whole-function optimised code); C = bench/c/read32.c sweep (sum += words[i] over a volatile uint32_t pointer); ${sweep.rounds} alternating rounds. ${ceiling(bareSweep)}`,
      }),
    ];
  } finally {
    region.close();
    if (sink === 0.5) context.log("unreachable: keeps the read sums alive");
  }
}
