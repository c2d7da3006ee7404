import * as t from "io-ts";

/**
 * The IRQ round-trip latency histogram: rxuio and C over the same
 * log-spaced bins, counted in the guest (so only counts cross the serial
 * console) and drawn on the host as an SVG for docs/.
 */
export const LatencyHistogram = t.type({
  /** Bin edges in ns, ascending; bin i is [edges[i], edges[i + 1]). */
  edges: t.array(t.number),
  rxuio: t.array(t.number),
  reference: t.array(t.number),
});
export type LatencyHistogram = t.TypeOf<typeof LatencyHistogram>;

const BINS = 40;

function countInto(edges: readonly number[], samples: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const sample of samples) {
    let bin = edges.findIndex((edge) => edge > sample) - 1;
    if (bin < 0) bin = counts.length - 1; // the maximum itself lands in the last bin
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts;
}

export function latencyHistogram(
  rxuio: readonly number[],
  reference: readonly number[],
): LatencyHistogram {
  const all = [...rxuio, ...reference];
  const low = Math.max(1, Math.min(...all));
  const high = Math.max(...all) * 1.0001;
  const step = Math.log(high / low) / BINS;
  const edges = Array.from({ length: BINS + 1 }, (_, i) => Math.round(low * Math.exp(step * i)));
  return { edges, rxuio: countInto(edges, rxuio), reference: countInto(edges, reference) };
}

function microseconds(ns: number): string {
  return `${Number((ns / 1000).toPrecision(2))}`;
}

/** Two step outlines (rxuio, C) over a log time axis, share of round trips per bin. */
export function histogramSvg(histogram: LatencyHistogram, title: string): string {
  const width = 720;
  const height = 360;
  const left = 60;
  const right = 20;
  const top = 40;
  const bottom = 50;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const bins = histogram.edges.length - 1;
  const share = (counts: readonly number[]): number[] => {
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    return counts.map((c) => c / total);
  };
  const ours = share(histogram.rxuio);
  const theirs = share(histogram.reference);
  const peak = Math.max(...ours, ...theirs, 1e-9);
  const x = (i: number): number => left + (plotW * i) / bins;
  const y = (v: number): number => top + plotH - (plotH * v) / peak;
  const outline = (values: readonly number[]): string => {
    const points: string[] = [`${x(0)},${y(0)}`];
    values.forEach((v, i) => points.push(`${x(i)},${y(v)}`, `${x(i + 1)},${y(v)}`));
    points.push(`${x(bins)},${y(0)}`);
    return points.join(" ");
  };
  const ticks = [0, Math.round(bins / 4), Math.round(bins / 2), Math.round((3 * bins) / 4), bins]
    .map((i) => {
      const edge = histogram.edges[i] ?? 0;
      return `<text x="${x(i)}" y="${top + plotH + 18}" text-anchor="middle">${microseconds(edge)}</text>`;
    })
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="black"/>`,
    ticks,
    `<text x="${left + plotW / 2}" y="${height - 10}" text-anchor="middle">round trip, µs (log scale)</text>`,
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle">share of round trips</text>`,
    `<polyline points="${outline(theirs)}" fill="#1f77b4" fill-opacity="0.25" stroke="#1f77b4"/>`,
    `<polyline points="${outline(ours)}" fill="#d62728" fill-opacity="0.25" stroke="#d62728"/>`,
    `<rect x="${width - 190}" y="${top}" width="12" height="12" fill="#d62728" fill-opacity="0.5"/>`,
    `<text x="${width - 172}" y="${top + 11}">rxuio interrupts()</text>`,
    `<rect x="${width - 190}" y="${top + 18}" width="12" height="12" fill="#1f77b4" fill-opacity="0.5"/>`,
    `<text x="${width - 172}" y="${top + 29}">C (bench/c/irq_pingpong.c)</text>`,
    `</svg>`,
    "",
  ].join("\n");
}
