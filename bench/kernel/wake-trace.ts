import { gcKind } from "./gc-pauses.js";
import {
  PerformanceObserver,
  constants,
  performance,
  type EventLoopUtilization,
  type PerformanceEntry,
} from "node:perf_hooks";

/**
 * A diagnostic of one acquisition run, never the metric itself: how often JS
 * woke up, the longest time between two wake-ups, how far behind the
 * producer a wake-up found itself (in samples, against the ring's length),
 * how busy the event loop was, and the GC pauses meanwhile. It tells a
 * consumer too slow for the rate (event loop busy throughout: the cost per
 * sample) from one that stalled (long gaps with an idle loop: GC, JIT, or the
 * host not running the guest).
 */
export class WakeTrace {
  wakeUps = 0;
  maxGapMs = 0;
  maxBehind = 0;
  gcPauses = 0;
  gcMs = 0;
  maxGcMs = 0;
  /** Of the pauses, the scavenges (young generation) and their longest. */
  scavenges = 0;
  maxScavengeMs = 0;
  /** Share of the run the event loop was busy (0..1). */
  utilization = 0;
  /** Time spent delivering wake-ups through the pipeline to the subscriber, and the samples it carried. */
  workMs = 0;
  workSamples = 0;
  /** Of workMs, the benchmark's own part: checking and copying samples out of the ring. */
  sliceMs = 0;
  #last = 0;
  #elu: EventLoopUtilization | undefined;
  readonly #observer = new PerformanceObserver((list) => this.#count(list.getEntries()));

  start(): void {
    this.#observer.observe({ entryTypes: ["gc"] });
    this.#elu = performance.eventLoopUtilization();
  }

  /** A wake-up that found the producer `behind` samples ahead of the reader. */
  wake(behind: number): void {
    const now = performance.now();
    if (this.#last !== 0) this.maxGapMs = Math.max(this.maxGapMs, now - this.#last);
    this.#last = now;
    this.wakeUps++;
    this.maxBehind = Math.max(this.maxBehind, behind);
  }

  /** One wake-up's synchronous trip through the pipeline: `ms` for `samples` samples. */
  work(ms: number, samples: number): void {
    this.workMs += ms;
    this.workSamples += samples;
  }

  /** Runs the benchmark's slicing of one wake-up, timing it. */
  slicing<T>(slice: () => T): T {
    const start = performance.now();
    try {
      return slice();
    } finally {
      this.sliceMs += performance.now() - start;
    }
  }

  stop(): void {
    this.#count(this.#observer.takeRecords());
    this.#observer.disconnect();
    if (this.#elu) this.utilization = performance.eventLoopUtilization(this.#elu).utilization;
  }

  describe(ringLength: number): string {
    return (
      `${this.wakeUps} wake-ups, longest gap ${this.maxGapMs.toFixed(1)} ms, ` +
      `at most ${this.maxBehind} samples behind (ring ${ringLength}), event loop busy ${(100 * this.utilization).toFixed(0)}%, ` +
      `GC ${this.gcPauses} pauses, ${this.gcMs.toFixed(1)} ms in all, longest ${this.maxGcMs.toFixed(1)} ms ` +
      `(${this.scavenges} scavenges, longest ${this.maxScavengeMs.toFixed(1)} ms), ` +
      `pipeline ${this.workMs.toFixed(1)} ms for ${this.workSamples} samples (${this.#nsPerSample()} ns each, of which ${this.sliceMs.toFixed(1)} ms checking and copying them out of the ring)`
    );
  }

  #nsPerSample(): string {
    return this.workSamples === 0 ? "-" : ((1e6 * this.workMs) / this.workSamples).toFixed(0);
  }

  #count(entries: readonly PerformanceEntry[]): void {
    for (const entry of entries) {
      this.gcPauses++;
      this.gcMs += entry.duration;
      this.maxGcMs = Math.max(this.maxGcMs, entry.duration);
      if (gcKind(entry) === constants.NODE_PERFORMANCE_GC_MINOR) {
        this.scavenges++;
        this.maxScavengeMs = Math.max(this.maxScavengeMs, entry.duration);
      }
    }
  }
}
