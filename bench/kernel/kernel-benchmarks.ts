import { isLeft } from "fp-ts/lib/Either.js";
import { formatValidationErrors } from "io-ts-reporters";
import { bootGuest } from "../../test/kernel/lab/guest-boot.js";
import { compileGuest } from "../../test/kernel/lab/guest-build.js";
import { probeLab } from "../../test/kernel/lab/lab-probe.js";
import type { BenchContext } from "../bench-context.js";
import { CReference } from "../c-reference.js";
import { unmeasured, type MetricName, type MetricResult, type MetricSpec } from "../metric.js";
import { BENCH_ENV, BENCH_LINE_PREFIX, GuestBenchMessage } from "./guest-message.js";
import { histogramSvg } from "./latency-histogram.js";

/**
 * The kernel benchmarks: one QEMU guest boot (the kernel lab of
 * test/kernel/lab) with edu on uio_pci_generic and kmod/uio_vadc loaded,
 * running the guest suite bench/kernel/guest-suite.ts (registered as
 * test/kernel/guest/suites/bench.ts), which alternates rxuio with the C
 * references in bench/c/ built here on the host (the guest runs the host's
 * root over 9p, so the same paths work inside).
 */
export const KERNEL_METRICS: readonly MetricSpec[] = [
  { name: "irq-latency-p50", unit: "ns", target: { ratio: { op: "<=", value: 1.3 } } },
  { name: "irq-latency-p99", unit: "ns", target: { ratio: { op: "<=", value: 2 } } },
  { name: "irq-rate-max", unit: "events/s", target: { ratio: { op: ">=", value: 0.5 } } },
  { name: "snapshot-latency", unit: "ns", target: { ratio: { op: "<=", value: 1.2 } } },
  { name: "soak-rss", unit: "MB", target: { absolute: { op: "<=", value: 5 } } },
];

/**
 * uio_vadc's ring in the benchmarks, in samples: its largest, 256 KiB, the
 * kind of buffer a real ADC driver gives user space (an IIO buffer, a DMA
 * ring) rather than a one-page FIFO. The C reference and rxuio read the same
 * ring and both take its length from the RING_LEN register. With the default
 * 512 samples (10 ms at 50 kHz) a rate mostly measures how long QEMU's vCPU
 * thread went without the host CPU, which hits C and rxuio alike.
 */
export const VADC_RING_LENGTH = 65_536;

export interface KernelBenchOutcome {
  readonly results: MetricResult[];
  /** The IRQ latency histogram as SVG, when the latency benchmark ran. */
  readonly histogramSvg?: string;
  /** sampler-jitter-p99 measured in the guest, reported beside the host figure. */
  readonly guestSamplerJitter?: MetricResult;
  /** Guest benchmarks that failed (their metrics are unmeasured, with the reason). */
  readonly failures: readonly string[];
}

function allUnmeasured(reason: string): KernelBenchOutcome {
  return { results: KERNEL_METRICS.map((spec) => unmeasured(spec, reason)), failures: [] };
}

/** Kernel metrics not measured for an environmental reason (no lab, --skip-kernel). */
export function kernelSkipped(reason: string): KernelBenchOutcome {
  return allUnmeasured(reason);
}

export async function kernelBenchmarks(context: BenchContext): Promise<KernelBenchOutcome> {
  const probe = probeLab();
  if (!probe.ready) {
    const missing = probe.gaps.map((gap) => `${gap.what} (${gap.package})`).join(", ");
    return allUnmeasured(
      `the kernel lab is not installed (missing ${missing}); run npm run lab:setup`,
    );
  }
  context.log("kernel: compiling the guest code and the C references");
  await compileGuest(context.projectDir);
  const [pingpong] = await Promise.all([
    CReference.build(context.projectDir, "irq_pingpong"),
    CReference.build(context.projectDir, "vadc_consumer"),
    CReference.build(context.projectDir, "sampler_loop"),
    CReference.build(context.projectDir, "irq_pingpong_threaded"),
  ]);
  const cDir = pingpong.binary.slice(0, pingpong.binary.lastIndexOf("/"));
  context.log("kernel: booting one guest for every kernel benchmark (TCG: minutes, not seconds)");
  const run = await bootGuest(probe.tools, context.projectDir, {
    suite: "bench",
    devices: ["edu"],
    uioPciGenericIds: ["1234 11e8"],
    buildKmod: true,
    extraModules: [{ path: "kmod/uio_vadc.ko", params: [`ring_len=${VADC_RING_LENGTH}`] }],
    env: {
      [BENCH_ENV.cDir]: cDir,
      [BENCH_ENV.quick]: context.quick ? "1" : "0",
      // The guest has its own environment: pass the profiling switch through.
      [BENCH_ENV.profile]: process.env[BENCH_ENV.profile] === "1" ? "1" : "0",
      [BENCH_ENV.only]: process.env[BENCH_ENV.only] ?? "",
      [BENCH_ENV.trace]: process.env[BENCH_ENV.trace] === "1" ? "1" : "0",
    },
    runTimeoutMs: 1_200_000,
  });
  context.log(
    `kernel: guest finished in ${(run.totalMs / 1000).toFixed(0)} s${run.failure ? `: ${run.failure}` : ""}`,
  );

  const results = new Map<MetricName, MetricResult>();
  let svg: string | undefined;
  for (const line of run.serialLog.split("\n")) {
    const at = line.indexOf(BENCH_LINE_PREFIX);
    if (at < 0) continue;
    const decoded = GuestBenchMessage.decode(JSON.parse(line.slice(at + BENCH_LINE_PREFIX.length)));
    if (isLeft(decoded)) {
      context.log(
        `kernel: a malformed result line: ${formatValidationErrors(decoded.left).join("; ")}`,
      );
      continue;
    }
    for (const result of decoded.right.results) results.set(result.name, result);
    if (decoded.right.histogram) {
      svg = histogramSvg(
        decoded.right.histogram,
        "IRQ round trip, edu ping-pong (raise → wake → ack → unmask)",
      );
    }
  }
  // A guest test that failed leaves its metrics unmeasured, with the guest's reason.
  const failed = (run.report?.tests ?? [])
    .filter((test) => test.status === "failed")
    .map((test) => `${test.name}: ${test.error?.message ?? "failed"}`);
  const reason =
    failed.length > 0
      ? `the guest benchmark failed: ${failed.join("; ")}`
      : `the guest produced no figure${run.failure ? `: ${run.failure}` : ""}`;
  return {
    results: KERNEL_METRICS.map((spec) => results.get(spec.name) ?? unmeasured(spec, reason)),
    failures: failed.length > 0 || results.size === 0 ? [reason] : [],
    ...(results.has("sampler-jitter-p99")
      ? { guestSamplerJitter: results.get("sampler-jitter-p99") }
      : {}),
    ...(svg === undefined ? {} : { histogramSvg: svg }),
  };
}
