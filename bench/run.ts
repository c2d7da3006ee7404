import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdir, writeFile } from "node:fs/promises";
import { Command } from "commander";
import type { BenchContext } from "./bench-context.js";
import { BATCHING, batching } from "./host/batching.js";
import { PIPELINE, pipeline } from "./host/pipeline.js";
import { READ32, VIEW_READ, registerReads } from "./host/register-reads.js";
import {
  kernelBenchmarks,
  kernelSkipped,
  type KernelBenchOutcome,
} from "./kernel/kernel-benchmarks.js";
import { hostSamplerJitter } from "./host/sampler-jitter.js";
import { runInfo } from "./machine.js";
import { METRIC_NAMES, unmeasured, type MetricResult, type MetricSpec } from "./metric.js";
import { reportPaths, writeReport } from "./report.js";
import { SAMPLER_JITTER } from "./sampler-jitter.js";

/**
 * `npm run bench [-- --quick] [-- --out DIR]`: runs every benchmark, each
 * rxuio figure alternating with its reference in the same run, and writes
 * bench/results.json and docs/BENCHMARKS.md (or both into DIR). Exits 1 only
 * when a benchmark's own code failed; a target that is not met, or a metric
 * this machine cannot measure, is a result, not a failure.
 */

/** The IRQ latency histogram, next to BENCHMARKS.md. */
const HISTOGRAM_FILE = "irq-latency.svg";

// Compiled to build/bench/bench/run.js; the project root is three levels up.
const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** A group of metrics measured together, and what each promises when it cannot run. */
interface Benchmark {
  readonly metrics: readonly MetricSpec[];
  run(context: BenchContext): Promise<MetricResult[]>;
}

const HOST_BENCHMARKS: readonly Benchmark[] = [
  { metrics: [READ32, VIEW_READ], run: registerReads },
  { metrics: [PIPELINE], run: pipeline },
  { metrics: [BATCHING], run: batching },
  { metrics: [SAMPLER_JITTER], run: hostSamplerJitter },
];

async function runKernel(
  context: BenchContext,
  skip: boolean,
  failures: string[],
): Promise<KernelBenchOutcome> {
  if (skip) return kernelSkipped("skipped: --skip-kernel was given");
  try {
    const outcome = await kernelBenchmarks(context);
    failures.push(...outcome.failures);
    return outcome;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    failures.push(`kernel: ${message}`);
    context.log(`FAILED kernel benchmarks: ${message}`);
    return kernelSkipped(`the kernel benchmarks failed: ${message}`);
  }
}

async function runBenchmark(
  benchmark: Benchmark,
  context: BenchContext,
  failures: string[],
): Promise<MetricResult[]> {
  try {
    return await benchmark.run(context);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const names = benchmark.metrics.map((m) => m.name).join(", ");
    failures.push(`${names}: ${message}`);
    context.log(`FAILED ${names}: ${message}`);
    return benchmark.metrics.map((spec) => unmeasured(spec, `the benchmark failed: ${message}`));
  }
}

async function main(): Promise<number> {
  const options = new Command("bench")
    .description("Run rxuio's benchmarks against their C and plain-JS references")
    .option("--quick", "short runs: check that every benchmark works, figures are rough", false)
    .option(
      "--out <dir>",
      "write results.json and BENCHMARKS.md into DIR instead of bench/ and docs/",
    )
    .option("--rounds <n>", "alternating rounds per metric", (v) => Number.parseInt(v, 10))
    .option(
      "--skip-kernel",
      "do not boot the kernel lab (its metrics are reported as not measured)",
      false,
    )
    .parse()
    .opts<{ quick: boolean; out?: string; rounds?: number; skipKernel: boolean }>();

  // src/native/binding.ts finds the addon at ../../build/Release from its own
  // compiled location, build/bench/src/native: point build/bench/build at build/.
  const addonLink = join(PROJECT_DIR, "build", "bench", "build");
  if (!existsSync(addonLink)) symlinkSync("..", addonLink);

  const scratchDir = mkdtempSync(join(tmpdir(), "rxuio-bench-"));
  const context: BenchContext = {
    projectDir: PROJECT_DIR,
    quick: options.quick,
    rounds: options.rounds ?? (options.quick ? 2 : 7),
    scratchDir,
    log: (message) => process.stderr.write(`bench: ${message}\n`),
  };
  const info = runInfo(PROJECT_DIR, options.quick);
  const failures: string[] = [];
  const results: MetricResult[] = [];
  let histogram: string | undefined;
  try {
    for (const benchmark of HOST_BENCHMARKS)
      results.push(...(await runBenchmark(benchmark, context, failures)));
    const kernel = await runKernel(context, options.skipKernel, failures);
    results.push(...kernel.results);
    const guest = kernel.guestSamplerJitter;
    const host = results.findIndex((r) => r.name === "sampler-jitter-p99");
    const hostResult = results[host];
    if (guest && hostResult) {
      // One metric name, two places: the host run is the figure, the guest run goes in its note.
      const inGuest = `In the guest: rxuio ${guest.rxuio ?? "not measured"} ns, C ${guest.reference ?? "not measured"} ns, ratio ${guest.ratio?.toFixed(2) ?? "—"} (${guest.note ?? ""})`;
      results[host] = { ...hostResult, note: `${hostResult.note ?? ""}. ${inGuest}` };
    }
    if (kernel.histogramSvg !== undefined) histogram = kernel.histogramSvg;
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
  const ordered = METRIC_NAMES.map((name) => results.find((r) => r.name === name)).filter(
    (r): r is MetricResult => r !== undefined,
  );
  const paths = reportPaths(
    PROJECT_DIR,
    options.out === undefined ? undefined : resolve(options.out),
  );
  const figures: string[] = [];
  if (histogram !== undefined) {
    await mkdir(paths.figures, { recursive: true });
    await writeFile(join(paths.figures, HISTOGRAM_FILE), histogram);
    figures.push(HISTOGRAM_FILE);
  }
  await writeReport(paths, info, ordered, figures);
  context.log(`wrote ${paths.json} and ${paths.markdown}`);
  for (const r of ordered) {
    context.log(
      `${r.name}: rxuio ${r.rxuio ?? "-"} ref ${r.reference ?? "-"} ratio ${r.ratio?.toFixed(3) ?? "-"} meets ${String(r.meets)}`,
    );
  }
  if (failures.length > 0) {
    context.log(`${failures.length} benchmark(s) failed:\n  ${failures.join("\n  ")}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
