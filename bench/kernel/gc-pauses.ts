import { PerformanceObserver, constants, type PerformanceEntry } from "node:perf_hooks";
import { percentile } from "../rounds.js";

/**
 * The scavenges (young-generation GC pauses) seen while recording, across
 * many runs: a diagnostic, never a metric. One traced run sees one or two
 * scavenges, too few to compare two GC settings by; a whole rate ladder sees
 * dozens.
 */
export class ScavengePauses {
  readonly #durations: number[] = [];
  readonly #observer = new PerformanceObserver((list) => this.#add(list.getEntries()));
  #recording = false;

  /** Records scavenges until the returned promise settles. */
  async during<T>(run: () => Promise<T>): Promise<T> {
    this.#observer.observe({ entryTypes: ["gc"] });
    this.#recording = true;
    try {
      return await run();
    } finally {
      this.#add(this.#observer.takeRecords());
      this.#observer.disconnect();
      this.#recording = false;
    }
  }

  describe(): string {
    const sorted = [...this.#durations].sort((a, b) => a - b);
    if (sorted.length === 0) return "no scavenges";
    const ms = (value: number): string => value.toFixed(1);
    return (
      `${sorted.length} scavenges, median ${ms(percentile(sorted, 50))} ms, ` +
      `p90 ${ms(percentile(sorted, 90))} ms, longest ${ms(sorted[sorted.length - 1] ?? 0)} ms`
    );
  }

  #add(entries: readonly PerformanceEntry[]): void {
    if (!this.#recording) return;
    for (const entry of entries) {
      if (gcKind(entry) === constants.NODE_PERFORMANCE_GC_MINOR)
        this.#durations.push(entry.duration);
    }
  }
}

/** A GC entry's kind (NODE_PERFORMANCE_GC_*), from `detail`, where Node.js puts it since 16. */
export function gcKind(entry: PerformanceEntry): number | undefined {
  // @types/node types `detail` on marks and measures only; a gc entry has it too.
  const detail: unknown = (entry as PerformanceEntry & { readonly detail?: unknown }).detail;
  if (typeof detail !== "object" || detail === null || !("kind" in detail)) return undefined;
  return typeof detail.kind === "number" ? detail.kind : undefined;
}
