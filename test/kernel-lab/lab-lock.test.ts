import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withLabLock } from "../kernel/lab/lab-lock.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rxuio-lock-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("withLabLock", () => {
  it("runs steps one at a time and releases the lock after each", async () => {
    const lock = join(dir, "build.lock");
    const events: string[] = [];
    const step = (name: string) => async () => {
      events.push(`start ${name}`);
      expect(await readFile(lock, "utf8")).toBe(String(process.pid));
      await sleep(50);
      events.push(`end ${name}`);
      return name;
    };
    expect(await Promise.all([withLabLock(lock, step("a")), withLabLock(lock, step("b"))])).toEqual(
      ["a", "b"],
    );
    // Whichever gets the lock first, the other starts only after it ended.
    const [first, second] = events[0] === "start a" ? ["a", "b"] : ["b", "a"];
    expect(events).toEqual([`start ${first}`, `end ${first}`, `start ${second}`, `end ${second}`]);
    await expect(readFile(lock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("releases the lock when the step fails", async () => {
    const lock = join(dir, "build.lock");
    await expect(withLabLock(lock, () => Promise.reject(new Error("tsc failed")))).rejects.toThrow(
      "tsc failed",
    );
    expect(await withLabLock(lock, async () => "next")).toBe("next");
  });

  it("takes over a lock whose owner process is gone", async () => {
    const lock = join(dir, "build.lock");
    await writeFile(lock, "999999999");
    expect(await withLabLock(lock, async () => "taken over", 1_000)).toBe("taken over");
  });

  it("gives up on a live owner after the timeout, naming it", async () => {
    const lock = join(dir, "build.lock");
    await writeFile(lock, String(process.ppid));
    await expect(withLabLock(lock, async () => "never", 300)).rejects.toThrow(
      `held by pid ${process.ppid}`,
    );
  });
});
