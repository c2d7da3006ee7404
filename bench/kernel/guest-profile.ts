import { Session } from "node:inspector/promises";

/**
 * Optional CPU profiling of guest benchmarks (RXUIO_BENCH_PROFILE=1): the
 * V8 sampling profiler runs around a benchmark and the functions with the
 * most self time are printed on the console, since the guest's share is
 * gone after a clean run. This is how the interrupt path's cost in the
 * guest is found without a debugger there.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
}

export async function profiled<T>(
  enabled: boolean,
  log: (line: string) => void,
  run: () => Promise<T>,
): Promise<T> {
  if (!enabled) return run();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  try {
    return await run();
  } finally {
    const { profile } = (await session.post("Profiler.stop")) as { profile: Profile };
    session.disconnect();
    const names = new Map(
      profile.nodes.map((n) => [
        n.id,
        `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`,
      ]),
    );
    const self = new Map<string, number>();
    for (const id of profile.samples ?? []) {
      const name = names.get(id) ?? "?";
      self.set(name, (self.get(name) ?? 0) + 1);
    }
    const total = profile.samples?.length ?? 1;
    for (const [name, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
      log(`profile ${((100 * count) / total).toFixed(1)}% ${name}`);
    }
  }
}
