/**
 * One benchmark result as it lands in bench/results.json and the table of
 * docs/BENCHMARKS.md. `ratio` is always rxuio ÷ reference (the issue's
 * convention), whatever the direction of "better"; the target says which way
 * it must go. A metric that could not be measured keeps null numbers and a
 * `note` saying why — a number is never made up.
 */
export interface MetricResult {
  readonly name: MetricName;
  readonly unit: string;
  readonly rxuio: number | null;
  readonly reference: number | null;
  readonly ratio: number | null;
  /** Human-readable target, e.g. ">= 0.5x reference and >= 10000000 calls/s". */
  readonly target: string;
  /** null when the metric (or the part of it the target needs) was not measured. */
  readonly meets: boolean | null;
  /** What the reference is, how it was measured, or why a value is missing. */
  readonly note?: string;
}

export const METRIC_NAMES = [
  "irq-latency-p50",
  "irq-latency-p99",
  "irq-rate-max",
  "snapshot-latency",
  "read32",
  "view-read",
  "pipeline",
  "batching",
  "sampler-jitter-p99",
  "soak-rss",
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** A bound on the ratio and/or on rxuio's own value. */
export interface Target {
  readonly ratio?: { readonly op: "<=" | ">="; readonly value: number };
  readonly absolute?: { readonly op: "<=" | ">="; readonly value: number };
}

/** What a metric is and what it must reach, declared next to its benchmark. */
export interface MetricSpec {
  readonly name: MetricName;
  readonly unit: string;
  readonly target: Target;
}

export interface Measured extends MetricSpec {
  readonly rxuio: number | null;
  readonly reference: number | null;
  /** Defaults to rxuio ÷ reference; pass the median of per-round ratios when there are rounds. */
  readonly ratio?: number | null;
  readonly note?: string;
}

function holds(op: "<=" | ">=", actual: number, bound: number): boolean {
  return op === "<=" ? actual <= bound : actual >= bound;
}

export function describeTarget(target: Target, unit: string): string {
  const parts: string[] = [];
  if (target.ratio) parts.push(`${target.ratio.op} ${target.ratio.value}x reference`);
  if (target.absolute) parts.push(`${target.absolute.op} ${target.absolute.value} ${unit}`);
  return parts.join(" and ");
}

/** Turns measurements into a result: the ratio, and whether every part of the target holds. */
export function metric(measured: Measured): MetricResult {
  const { name, unit, rxuio, reference, target, note } = measured;
  const ratio =
    measured.ratio !== undefined
      ? measured.ratio
      : rxuio !== null && reference !== null && reference !== 0
        ? rxuio / reference
        : null;
  let meets: boolean | null = true;
  if (target.ratio) {
    meets = ratio === null ? null : meets && holds(target.ratio.op, ratio, target.ratio.value);
  }
  if (target.absolute) {
    if (rxuio === null) meets = null;
    else if (meets !== null)
      meets = meets && holds(target.absolute.op, rxuio, target.absolute.value);
  }
  return {
    name,
    unit,
    rxuio,
    reference,
    ratio,
    target: describeTarget(target, unit),
    meets,
    ...(note === undefined ? {} : { note }),
  };
}

/** A metric this run could not measure, with the reason. */
export function unmeasured(spec: MetricSpec, reason: string): MetricResult {
  return metric({ ...spec, rxuio: null, reference: null, ratio: null, note: reason });
}
