import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";

/** Where and on what a run happened: printed above the table. */
export interface RunInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly kernel: string;
  readonly node: string;
  /** 1-minute load average when the run started: other work on the machine. */
  readonly load: number;
  readonly date: string;
  readonly commit: string;
  /** The working tree had changes not in `commit`. */
  readonly dirty: boolean;
  readonly quick: boolean;
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // Not Linux /proc: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? "unknown";
}

function git(projectDir: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: projectDir, encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

export function runInfo(projectDir: string, quick: boolean): RunInfo {
  return {
    cpu: cpuModel(),
    cores: cpus().length,
    kernel: release(),
    node: process.version,
    load: loadavg()[0] ?? 0,
    date: new Date().toISOString(),
    commit: git(projectDir, ["rev-parse", "--short", "HEAD"]) ?? "unknown",
    // The run's own outputs (results.json, BENCHMARKS.md, the histogram) do not count.
    dirty:
      (git(projectDir, [
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ".",
        ":!bench/results.json",
        ":!docs/BENCHMARKS.md",
        ":!docs/*.svg",
      ]) ?? "") !== "",
    quick,
  };
}
