import { NativeSampler, type SampledRegion } from "../src/native/sampler.js";
import { metric, type MetricResult, type MetricSpec } from "./metric.js";
import { median, percentile } from "./rounds.js";

/**
 * sampler-jitter-p99: how late the native sampler's reads are against their
 * absolute deadlines at 10 kHz (read time − deadline, p99), against
 * bench/c/sampler_loop.c keeping the same deadlines on the same register.
 * Used on the host (a file) and in the guest (a UIO map).
 */
export const SAMPLER_JITTER: MetricSpec = {
  name: "sampler-jitter-p99",
  unit: "ns",
  target: { ratio: { op: "<=", value: 2 } },
};

export const SAMPLER_HZ = 10_000;

export interface JitterRun {
  readonly lateness: number[];
  readonly overruns: number;
}

/** `samples` samples of one 32-bit register through NativeSampler. */
export function samplerLateness(
  region: SampledRegion,
  offset: number,
  samples: number,
): Promise<JitterRun> {
  return new Promise((resolve) => {
    const lateness: number[] = [];
    const sampler = NativeSampler.start(
      region,
      { registers: [{ offset, width: 32 }], hz: SAMPLER_HZ, batch: 100 },
      (batch) => {
        for (let i = 0; i < batch.times.length && lateness.length < samples; i++) {
          lateness.push(Number((batch.times[i] ?? 0n) - (batch.deadlines[i] ?? 0n)));
        }
        if (lateness.length >= samples) {
          sampler.stop();
          resolve({ lateness, overruns: batch.overruns });
        }
      },
    );
  });
}

/** Decodes sampler_loop.c's output. */
export function cJitterRun(output: Record<string, unknown>): JitterRun {
  const lateness = output["lateness"];
  const overruns = output["overruns"];
  if (
    !Array.isArray(lateness) ||
    !lateness.every((v) => typeof v === "number") ||
    typeof overruns !== "number"
  ) {
    throw new Error("sampler_loop printed no lateness array");
  }
  return { lateness: lateness as number[], overruns };
}

/** Alternating rounds of rxuio and C; returns the p99s and the median of per-round ratios. */
export async function jitterRounds(
  rounds: number,
  rxuio: () => Promise<JitterRun>,
  reference: () => Promise<JitterRun>,
): Promise<{
  rxuio: number;
  reference: number;
  ratio: number;
  overruns: [number, number];
  p50: [number, number];
}> {
  const ours: number[] = [];
  const theirs: number[] = [];
  const ratios: number[] = [];
  const overruns: [number, number] = [0, 0];
  const all: [number[], number[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0;
    const a = first ? await rxuio() : await reference();
    const b = first ? await reference() : await rxuio();
    const [mine, ref] = first ? [a, b] : [b, a];
    const p99 = (run: JitterRun): number =>
      percentile(
        [...run.lateness].sort((x, y) => x - y),
        99,
      );
    ours.push(p99(mine));
    theirs.push(p99(ref));
    ratios.push(p99(mine) / p99(ref));
    overruns[0] += mine.overruns;
    overruns[1] += ref.overruns;
    all[0].push(...mine.lateness);
    all[1].push(...ref.lateness);
  }
  const p50 = (values: number[]): number =>
    percentile(
      [...values].sort((x, y) => x - y),
      50,
    );
  return {
    rxuio: median(ours),
    reference: median(theirs),
    ratio: median(ratios),
    overruns,
    p50: [p50(all[0]), p50(all[1])],
  };
}

export function jitterMetric(
  where: string,
  rounds: number,
  samples: number,
  result: Awaited<ReturnType<typeof jitterRounds>>,
  extra = "",
): MetricResult {
  return metric({
    ...SAMPLER_JITTER,
    rxuio: result.rxuio,
    reference: result.reference,
    ratio: result.ratio,
    note:
      `${where}: read time - absolute deadline at ${SAMPLER_HZ} Hz, p99 (median of ${rounds} alternating rounds of ${samples} samples); ` +
      `p50 rxuio ${result.p50[0]} ns, C ${result.p50[1]} ns; overruns rxuio ${result.overruns[0]}, C ${result.overruns[1]}; ` +
      `C = bench/c/sampler_loop.c${extra}`,
  });
}
