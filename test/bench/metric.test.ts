import { describe, expect, it } from "vitest";
import { metric, unmeasured, type MetricSpec } from "../../bench/metric.js";
import { alternate, median, percentile } from "../../bench/rounds.js";

const RATE: MetricSpec = {
  name: "read32",
  unit: "reads/s",
  target: { ratio: { op: ">=", value: 0.5 }, absolute: { op: ">=", value: 10 } },
};
const LATENCY: MetricSpec = {
  name: "irq-latency-p50",
  unit: "ns",
  target: { ratio: { op: "<=", value: 1.3 } },
};

describe("metric", () => {
  it("computes rxuio ÷ reference and checks every part of the target", () => {
    expect(metric({ ...RATE, rxuio: 30, reference: 40 })).toMatchObject({
      ratio: 0.75,
      meets: true,
    });
    // Ratio fine, absolute bound missed.
    expect(metric({ ...RATE, rxuio: 6, reference: 8 })).toMatchObject({
      ratio: 0.75,
      meets: false,
    });
    // Absolute fine, ratio missed.
    expect(metric({ ...RATE, rxuio: 30, reference: 100 })).toMatchObject({
      ratio: 0.3,
      meets: false,
    });
  });

  it("reads a lower-is-better bound the right way round", () => {
    expect(metric({ ...LATENCY, rxuio: 1200, reference: 1000 }).meets).toBe(true);
    expect(metric({ ...LATENCY, rxuio: 1400, reference: 1000 }).meets).toBe(false);
  });

  it("keeps a given ratio (the median of rounds) instead of recomputing it", () => {
    expect(metric({ ...LATENCY, rxuio: 1400, reference: 1000, ratio: 1.1 })).toMatchObject({
      ratio: 1.1,
      meets: true,
    });
  });

  it("has no ratio and no verdict when a side is missing or the reference is zero", () => {
    expect(metric({ ...LATENCY, rxuio: 5, reference: null })).toMatchObject({
      ratio: null,
      meets: null,
    });
    expect(metric({ ...LATENCY, rxuio: 5, reference: 0 })).toMatchObject({
      ratio: null,
      meets: null,
    });
  });

  it("describes the target in words with its unit", () => {
    expect(metric({ ...RATE, rxuio: 1, reference: 1 }).target).toBe(
      ">= 0.5x reference and >= 10 reads/s",
    );
  });

  it("marks an unmeasured metric with null figures and the reason", () => {
    expect(unmeasured(LATENCY, "no kernel lab")).toEqual({
      name: "irq-latency-p50",
      unit: "ns",
      rxuio: null,
      reference: null,
      ratio: null,
      target: "<= 1.3x reference",
      meets: null,
      note: "no kernel lab",
    });
  });
});

describe("rounds", () => {
  it("takes medians and nearest-rank percentiles", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(() => median([])).toThrow(RangeError);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });

  it("alternates the two sides, swapping who goes first, and pairs each round's ratio", async () => {
    const order: string[] = [];
    let a = 0;
    let b = 0;
    const result = await alternate(
      4,
      () => {
        order.push("rxuio");
        return [10, 20, 30, 40][a++] as number;
      },
      () => {
        order.push("reference");
        return [10, 10, 10, 10][b++] as number;
      },
    );
    expect(order).toEqual([
      "rxuio",
      "reference",
      "reference",
      "rxuio",
      "rxuio",
      "reference",
      "reference",
      "rxuio",
    ]);
    expect(result).toEqual({ rxuio: 25, reference: 10, ratio: 2.5, rounds: 4 });
  });
});
