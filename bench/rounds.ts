/**
 * Alternating rounds: rxuio and its reference run one after the other, round
 * after round, in the same process (or guest boot), so a machine that gets
 * busier or quieter during the run affects both alike. Each round yields one
 * figure per side; the result keeps the medians and the median of the
 * per-round ratios, which pairs each rxuio figure with its neighbour.
 */
export interface RoundsResult {
  readonly rxuio: number;
  readonly reference: number;
  /** Median over rounds of rxuio ÷ reference. */
  readonly ratio: number;
  readonly rounds: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError("percentile of no values");
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export async function alternate(
  rounds: number,
  rxuio: () => number | Promise<number>,
  reference: () => number | Promise<number>,
): Promise<RoundsResult> {
  const ours: number[] = [];
  const theirs: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Swap who goes first each round so neither side always runs warm.
    const first = round % 2 === 0;
    const a = first ? await rxuio() : await reference();
    const b = first ? await reference() : await rxuio();
    const mine = first ? a : b;
    const ref = first ? b : a;
    ours.push(mine);
    theirs.push(ref);
    ratios.push(mine / ref);
  }
  return { rxuio: median(ours), reference: median(theirs), ratio: median(ratios), rounds };
}
