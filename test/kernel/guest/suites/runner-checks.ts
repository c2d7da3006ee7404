import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { RxuioError } from "../../../../src/errors.js";
import { defineGuestSuite } from "../runner/guest-suite.js";

/**
 * Deliberately failing tests that prove the guest runner isolates and
 * reports failures; run on the host by test/kernel/lab-failures.test.ts, which
 * asserts on the report. Not a device suite.
 */
const cleanupOrder: number[] = [];

export default defineGuestSuite({
  passes: () => {},
  "fails an assertion": () => {
    assert.equal(1, 2);
  },
  "carries an RxuioError code": () => {
    throw new RxuioError("ENODEV", "no such device");
  },
  "times out": { timeoutMs: 200, run: () => new Promise<void>(() => {}) },
  "an unawaited rejection fails the test that caused it": async () => {
    void Promise.reject(new Error("stray rejection"));
    await sleep(200);
  },
  "a failing cleanup fails an otherwise passing test": (t) => {
    t.defer(() => {
      throw new Error("cleanup failed");
    });
  },
  "cleanups run after a failure, last registered first": (t) => {
    t.defer(() => cleanupOrder.push(1));
    t.defer(() => cleanupOrder.push(2));
    throw new Error("failing on purpose");
  },
  "later tests still run, and saw those cleanups": () => {
    assert.deepEqual(cleanupOrder, [2, 1]);
  },
});
