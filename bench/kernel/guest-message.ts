import * as t from "io-ts";
import { ResultsFile } from "../results-file.js";
import { LatencyHistogram } from "./latency-histogram.js";

/**
 * What the kernel benchmarks in the guest send back: one line per test on
 * the serial console, `RXUIO-BENCH <json>`, decoded on the host. (The run's
 * writable share is deleted after a clean run, the console log is not.)
 */
export const BENCH_LINE_PREFIX = "RXUIO-BENCH ";

export const GuestBenchMessage = t.intersection([
  t.type({ results: ResultsFile }),
  t.partial({ histogram: LatencyHistogram }),
]);
export type GuestBenchMessage = t.TypeOf<typeof GuestBenchMessage>;

/** Environment the host hands the guest suite. */
export const BENCH_ENV = {
  /** Directory of the built C references (build/bench/c), same path in the guest. */
  cDir: "RXUIO_BENCH_C_DIR",
  /** "1" for --quick. */
  quick: "RXUIO_BENCH_QUICK",
  /** "1": print CPU profiles of the rxuio side (guest-profile.ts); figures are then not comparable. */
  profile: "RXUIO_BENCH_PROFILE",
  /**
   * A substring of guest benchmark names: only those run (e.g. "edu IRQ" for
   * the latency benchmarks alone while working on them); unset runs all.
   */
  only: "RXUIO_BENCH_ONLY",
  /** "1": ftrace timelines of IRQ round trips in the guest log (irq-trace.ts); a diagnostic. */
  trace: "RXUIO_BENCH_TRACE",
} as const;
