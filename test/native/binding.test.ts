import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RxuioError } from "../../src/errors.js";
import { monotonicNow, pageSize } from "../../src/native/binding.js";

describe("native binding", () => {
  afterEach(() => {
    vi.doUnmock("node:module");
    vi.resetModules();
  });

  it("reports the system page size", () => {
    const expected = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim());
    expect(pageSize()).toBe(expected);
  });

  it("reads CLOCK_MONOTONIC in nanoseconds, the clock behind process.hrtime", () => {
    const before = process.hrtime.bigint();
    const now = monotonicNow();
    const after = process.hrtime.bigint();
    expect(typeof now).toBe("bigint");
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
    expect(monotonicNow()).toBeGreaterThanOrEqual(now);
  });

  it("says how to build the addon when it is missing", async () => {
    vi.resetModules();
    vi.doMock("node:module", () => ({
      createRequire: () => () => {
        throw Object.assign(new Error("Cannot find module"), { code: "MODULE_NOT_FOUND" });
      },
    }));
    const binding = await import("../../src/native/binding.js");
    let failure: unknown;
    try {
      binding.pageSize();
    } catch (err) {
      failure = err;
    }
    // resetModules gave the binding a fresh copy of the errors module.
    const { RxuioError: FreshRxuioError } = await import("../../src/errors.js");
    expect(failure).toBeInstanceOf(FreshRxuioError);
    const err = failure as RxuioError;
    expect(err.code).toBe("ENOSYS");
    expect(err.message).toMatch(/not built/);
    expect(err.message).toMatch(/npm ci|node-gyp rebuild/);
  });

  it("reports an addon that fails to load (wrong ABI) as ENOSYS with the rebuild hint", async () => {
    vi.resetModules();
    vi.doMock("node:module", () => ({
      createRequire: () => () => {
        throw Object.assign(new Error("invalid ELF header"), { code: "ERR_DLOPEN_FAILED" });
      },
    }));
    const binding = await import("../../src/native/binding.js");
    let failure: unknown;
    try {
      binding.monotonicNow();
    } catch (err) {
      failure = err;
    }
    expect((failure as RxuioError).code).toBe("ENOSYS");
    expect((failure as RxuioError).message).toMatch(/failed to load.*node-gyp rebuild/);
  });
});
