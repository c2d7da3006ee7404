import { PerformanceObserver, constants, type PerformanceEntry } from "node:perf_hooks";
import { percentile } from "../rounds.js";

/**
 * The GC pauses seen while recording, across many runs, scavenges
 * (young generation) apart from mark-compacts (the whole heap): a
 * diagnostic, never a metric. One traced run sees one or two scavenges, too
 * few to compare two GC settings by; a whole rate ladder sees dozens.
 */
export class GcPauses {
  readonly #scavenges: number[] = [];
  readonly #markCompacts: number[] = [];
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
    const ms = (value: number): string => value.toFixed(1);
    const scavenges = [...this.#scavenges].sort((a, b) => a - b);
    const majors = this.#markCompacts;
    return (
      (scavenges.length === 0
        ? "no scavenges"
        : `${scavenges.length} scavenges, median ${ms(percentile(scavenges, 50))} ms, ` +
          `p90 ${ms(percentile(scavenges, 90))} ms, longest ${ms(scavenges[scavenges.length - 1] ?? 0)} ms`) +
      (majors.length === 0
        ? ", no mark-compact"
        : `, ${majors.length} mark-compact${majors.length === 1 ? "" : "s"} (${majors.map(ms).join("/")} ms)`)
    );
  }

  #add(entries: readonly PerformanceEntry[]): void {
    if (!this.#recording) return;
    for (const entry of entries) {
      const kind = gcKind(entry);
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) this.#scavenges.push(entry.duration);
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        this.#markCompacts.push(entry.duration);
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
