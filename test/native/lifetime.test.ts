import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scratchDir, scratchFifo, scratchFile } from "./scratch.js";

/**
 * What happens when JS drops native objects without closing them, or throws
 * from a callback. Each case runs in a child process with --expose-gc, so a
 * crash (SIGSEGV/SIGBUS) shows up as a failed exit instead of taking vitest
 * down, and gc() can force the finalizers to run.
 */
const ADDON = fileURLToPath(new URL("../../build/Release/rxuio.node", import.meta.url));

function runScript(body: string): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const script = `
    const addon = require(${JSON.stringify(ADDON)});
    const fs = require("node:fs");
    const collect = async () => {
      for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); }
    };
    (async () => { ${body} })().catch((err) => { console.error(err); process.exit(3); });
  `;
  const result = spawnSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8", timeout: 20_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

describe("native object lifetime", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let file: string;

  beforeEach(() => {
    scratch = scratchDir();
    file = scratchFile(scratch.dir, "mem", new Uint8Array(4096).fill(7));
  });

  afterEach(() => scratch.remove());

  it("keeps the mapping alive for a view whose region was collected without close()", () => {
    const run = runScript(`
      let region = new addon.Region(${JSON.stringify(file)}, 0, 0, 4096, true, false);
      const view = region.view();
      region = undefined;
      await collect();
      view[1] = 9;
      console.log(view.length, view[0], view[1]);
    `);
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("4096 7 9");
    expect(run.status).toBe(0);
  });

  it("drops the file mapping at close() even while detached views are still referenced", () => {
    const run = runScript(`
      const mapped = () => fs.readFileSync("/proc/self/maps", "utf8").split("\\n")
        .some((line) => line.endsWith(${JSON.stringify(file)}));
      const region = new addon.Region(${JSON.stringify(file)}, 0, 0, 4096, true, false);
      const view = region.view();
      const before = mapped();
      region.close();
      console.log(before, mapped(), view.byteLength);
    `);
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("true false 0");
  });

  it("keeps a detached accessor valid after its region was collected", () => {
    const run = runScript(`
      let region = new addon.Region(${JSON.stringify(file)}, 0, 0, 4096, true, false);
      const read8 = region.read8;
      const close = region.close.bind(region);
      region = undefined;
      await collect();
      console.log(read8(3));
      close();
      try { read8(3); } catch (err) { console.log(err.code); }
    `);
    expect(run.stderr).toBe("");
    expect(run.stdout.trim().split("\n")).toEqual(["7", "ECLOSED"]);
  });

  it("unmaps collected regions and closes collected event fds (no leaked mappings or fds)", () => {
    const fifo = scratchFifo(scratch.dir);
    const run = runScript(`
      const mappings = () => fs.readFileSync("/proc/self/maps", "utf8").split("\\n")
        .filter((line) => line.endsWith(${JSON.stringify(file)})).length;
      const fds = () => fs.readdirSync("/proc/self/fd").length;
      const fdsBefore = fds();
      for (let i = 0; i < 500; i++) {
        const region = new addon.Region(${JSON.stringify(file)}, 0, 0, 4096, true, false);
        region.view();
        if (i % 2) region.close();
        const events = new addon.EventFd(${JSON.stringify(fifo)}, true, undefined);
        events.watch(() => {}, () => {}, undefined);
        if (i % 2) events.close(); else events.unwatch();
      }
      await collect();
      console.log(mappings(), fds() - fdsBefore);
    `);
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("0 0");
  });

  it("reports a throwing listener as the process's uncaught exception and keeps watching", () => {
    const fifo = scratchFifo(scratch.dir);
    const run = runScript(`
      process.on("uncaughtException", (err) => console.log("uncaught", err.message));
      const events = new addon.EventFd(${JSON.stringify(fifo)}, false, 0);
      const writer = fs.openSync(${JSON.stringify(fifo)}, "w");
      let wakes = 0;
      await new Promise((resolve) => {
        const batch = events.watch((n) => {
          wakes++;
          if (wakes === 1) throw new Error("listener failed");
          console.log("wake", batch.counts[0]);
          resolve();
        }, () => {}, undefined);
        fs.writeSync(writer, Buffer.from(Int32Array.of(1).buffer));
        setTimeout(() => fs.writeSync(writer, Buffer.from(Int32Array.of(2).buffer)), 50);
      });
      events.close();
      fs.closeSync(writer);
    `);
    expect(run.stderr).toBe("");
    expect(run.stdout.trim().split("\n")).toEqual(["uncaught listener failed", "wake 2"]);
    expect(run.status).toBe(0);
  });

  it("lets the process exit when the last watch stops (no handle left behind)", () => {
    const fifo = scratchFifo(scratch.dir);
    const run = runScript(`
      const events = new addon.EventFd(${JSON.stringify(fifo)}, true, undefined);
      events.watch(() => {}, () => {}, undefined);
      setTimeout(() => events.unwatch(), 20);
    `);
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
  });
});
