/**
 * How a guest suite is written: a module under test/kernel/guest/suites/
 * whose default export is `defineGuestSuite({ "test name": async (t) => {...} })`.
 * Guest code runs under the host's node inside the QEMU guest, so there is no
 * vitest here: use node:assert/strict and throw to fail.
 */

export interface GuestTestContext {
  /** Runs `cleanup` after this test, pass or fail (last registered runs first). */
  defer(cleanup: () => unknown): void;
  /**
   * Runs an HMP command on the QEMU monitor of this guest (from the host) and
   * resolves with its output, e.g. `await t.monitor("device_del edu0")`.
   */
  monitor(command: string): Promise<string>;
  /** A line on the serial console, prefixed with the test name. */
  log(message: string): void;
}

export type GuestTestFn = (t: GuestTestContext) => Promise<void> | void;

export interface GuestTestSpec {
  readonly run: GuestTestFn;
  /** Per-test limit; the default is 120 s (TCG is slow). */
  readonly timeoutMs?: number;
}

export type GuestSuite = Readonly<Record<string, GuestTestFn | GuestTestSpec>>;

/** Identity with a type: gives suite files checking and completion. Tests run in declaration order. */
export function defineGuestSuite(tests: GuestSuite): GuestSuite {
  return tests;
}
