import { readFileSync } from "node:fs";
import { SYSCALLS, parseTraceLines, startTrace } from "./ftrace.js";

/**
 * System calls per round trip, the way `strace -c` counts them, without
 * strace in the guest: ftrace's raw_syscalls/sys_enter, limited to this
 * process's main thread and the threads and processes it starts during the
 * run (rxuio-irq, a C reference), then counted by thread name and call. The "no extra syscalls on the
 * interrupt path" is checked with these counts: they do not depend on how
 * fast the emulator runs, unlike the latencies.
 */
export interface SyscallCounts {
  /** Calls by name (or number) per thread name (comm), e.g. "node" or "irq_pingpong". */
  readonly byThread: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/** Parses a raw_syscalls/sys_enter trace into counts. */
export function countSysEnter(text: string): SyscallCounts {
  const byThread = new Map<string, Map<string, number>>();
  for (const { comm, event, fields } of parseTraceLines(text)) {
    // "NR 17 (fd, buf, count, ...)"
    const nr = event === "sys_enter" ? /^NR (\d+) /.exec(fields)?.[1] : undefined;
    if (nr === undefined) continue;
    const name = SYSCALLS[Number(nr)] ?? `#${nr}`;
    const calls = byThread.get(comm) ?? new Map<string, number>();
    calls.set(name, (calls.get(name) ?? 0) + 1);
    byThread.set(comm, calls);
  }
  return { byThread };
}

/**
 * Runs `run` with the main thread's system calls counted, and those of the
 * threads and processes it starts; `self` is the main thread's alone.
 */
export async function withSyscallCounts<T>(
  run: () => Promise<T>,
): Promise<{ result: T; counts: SyscallCounts; self: ReadonlyMap<string, number> }> {
  // The main thread's name, as the trace prints it (child processes have their own).
  const comm = readFileSync(`/proc/${process.pid}/comm`, "utf8").trim();
  const recording = startTrace(["raw_syscalls/sys_enter"], [process.pid]);
  let text = "";
  let result: T;
  try {
    result = await run();
  } finally {
    text = recording.stop();
  }
  const counts = countSysEnter(text);
  return { result, counts, self: counts.byThread.get(comm) ?? new Map<string, number>() };
}

/**
 * One thread's calls per round trip, most frequent first, e.g.
 * "read 1.00, pread64 1.00, pwrite64 1.00 (3.01 in all)"; calls below 0.01
 * per trip are summed as "other".
 */
export function perTrip(counts: SyscallCounts, comm: string, trips: number): string {
  const calls = [...(counts.byThread.get(comm) ?? new Map<string, number>())].sort(
    (a, b) => b[1] - a[1],
  );
  const total = calls.reduce((sum, [, n]) => sum + n, 0);
  const shown = calls.filter(([, n]) => n / trips >= 0.01);
  const other = total - shown.reduce((sum, [, n]) => sum + n, 0);
  const parts = shown.map(([name, n]) => `${name} ${(n / trips).toFixed(2)}`);
  if (other > 0) parts.push(`other ${(other / trips).toFixed(3)}`);
  if (parts.length === 0) return "none";
  return `${parts.join(", ")} (${(total / trips).toFixed(2)} in all)`;
}
