import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import type { BenchContext } from "./bench-context.js";
import { BATCHING, batching } from "./host/batching.js";
import { PIPELINE, pipeline } from "./host/pipeline.js";
import { READ32, VIEW_READ, registerReads } from "./host/register-reads.js";
import { runInfo } from "./machine.js";
import { METRIC_NAMES, unmeasured, type MetricResult, type MetricSpec } from "./metric.js";
import { reportPaths, writeReport } from "./report.js";

/**
 * `npm run bench [-- --quick] [-- --out DIR]`: runs every benchmark, each
 * rxuio figure alternating with its reference in the same run, and writes
 * bench/results.json and docs/BENCHMARKS.md (or both into DIR). Exits 1 only
 * when a benchmark's own code failed; a target that is not met, or a metric
 * this machine cannot measure, is a result, not a failure.
 */

// Compiled to build/bench/bench/run.js; the project root is three levels up.
const KERNEL_PENDING = "kernel benchmarks are not implemented in this runner yet";

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
];

/** Metrics whose benchmark is not part of this runner yet, and why. */
const NOT_YET: readonly { spec: MetricSpec; reason: string }[] = [
  {
    spec: { name: "irq-latency-p50", unit: "ns", target: { ratio: { op: "<=", value: 1.3 } } },
    reason: KERNEL_PENDING,
  },
  {
    spec: { name: "irq-latency-p99", unit: "ns", target: { ratio: { op: "<=", value: 2 } } },
    reason: KERNEL_PENDING,
  },
  {
    spec: { name: "irq-rate-max", unit: "events/s", target: { ratio: { op: ">=", value: 0.5 } } },
    reason: KERNEL_PENDING,
  },
  {
    spec: { name: "snapshot-latency", unit: "ns", target: { ratio: { op: "<=", value: 1.2 } } },
    reason: KERNEL_PENDING,
  },
  {
    spec: { name: "sampler-jitter-p99", unit: "ns", target: { ratio: { op: "<=", value: 2 } } },
    reason: "the native sampler does not exist yet",
  },
  {
    spec: { name: "soak-rss", unit: "MB", target: { absolute: { op: "<=", value: 5 } } },
    reason: KERNEL_PENDING,
  },
];

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
  try {
    for (const benchmark of HOST_BENCHMARKS)
      results.push(...(await runBenchmark(benchmark, context, failures)));
    for (const { spec, reason } of NOT_YET) results.push(unmeasured(spec, reason));
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
  await writeReport(paths, info, ordered, []);
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
