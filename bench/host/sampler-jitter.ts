import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext } from "../bench-context.js";
import { CReference } from "../c-reference.js";
import type { MetricResult } from "../metric.js";
import {
  SAMPLER_HZ,
  cJitterRun,
  jitterMetric,
  jitterRounds,
  samplerLateness,
} from "../sampler-jitter.js";

/** sampler-jitter-p99 on the host: one register of a mapped file, the sampler thread vs the C loop. */
export async function hostSamplerJitter(context: BenchContext): Promise<MetricResult[]> {
  const path = join(context.scratchDir, "sampled.bin");
  writeFileSync(path, randomBytes(4096));
  const reference = await CReference.build(context.projectDir, "sampler_loop");
  const samples = context.quick ? 1_000 : 20_000;
  const region = { path, fileOffset: 0, inPageOffset: 0, length: 4096 };
  context.log(`sampler-jitter: NativeSampler vs C clock_nanosleep loop at ${SAMPLER_HZ} Hz (host)`);
  const result = await jitterRounds(
    context.rounds,
    () => samplerLateness(region, 0x10, samples),
    async () =>
      cJitterRun(await reference.run([path, "0", "16", String(SAMPLER_HZ), String(samples)])),
  );
  return [jitterMetric("host, a 4 KiB file", context.rounds, samples, result)];
}
