/** What every benchmark gets from the runner. */
export interface BenchContext {
  /** The project root (where bench/, src/ and build/ are). */
  readonly projectDir: string;
  /** --quick: fewer rounds and shorter runs; checks the code paths, not the speed. */
  readonly quick: boolean;
  /** Alternating rounds per metric. */
  readonly rounds: number;
  /** A private temp directory, removed after the run. */
  readonly scratchDir: string;
  /** One progress line on stderr. */
  log(message: string): void;
}
