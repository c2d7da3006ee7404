import { describe, expect, it } from "vitest";
import { histogramSvg, latencyHistogram } from "../../bench/kernel/latency-histogram.js";

describe("latencyHistogram", () => {
  it("counts both sides over the same ascending log-spaced bins, every sample once", () => {
    const rxuio = [1_000, 2_000, 4_000, 8_000, 100_000];
    const reference = [900, 950, 1_000, 1_100];
    const h = latencyHistogram(rxuio, reference);
    expect(h.edges[0]).toBe(900);
    expect(h.edges[h.edges.length - 1]).toBeGreaterThanOrEqual(100_000);
    for (let i = 1; i < h.edges.length; i++)
      expect(h.edges[i]).toBeGreaterThanOrEqual(h.edges[i - 1] ?? 0);
    expect(h.rxuio).toHaveLength(h.edges.length - 1);
    expect(h.rxuio.reduce((a, b) => a + b, 0)).toBe(rxuio.length);
    expect(h.reference.reduce((a, b) => a + b, 0)).toBe(reference.length);
    // The maximum lands in the last bin, the minimum in the first.
    expect(h.rxuio[h.rxuio.length - 1]).toBe(1);
    expect(h.reference[0]).toBeGreaterThan(0);
  });

  it("draws an SVG with both series, the legend and the title", () => {
    const svg = histogramSvg(latencyHistogram([1_000, 2_000], [900, 1_500]), "IRQ round trip");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain("IRQ round trip");
    expect(svg).toContain("rxuio interrupts()");
    expect(svg).toContain("bench/c/irq_pingpong.c");
    expect(svg).not.toMatch(/NaN|undefined/);
  });
});
