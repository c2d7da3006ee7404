import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { monotonicNow } from "../../src/native/binding.js";
import { NativeIrqService, type NativeServicePlan } from "../../src/native/irq-service.js";
import { EventRecorder } from "./event-recorder.js";
import { threadNames } from "./thread-names.js";
import { countBytes, expectCode, scratchDir, scratchFifo, scratchFile } from "./scratch.js";


const ADDON = fileURLToPath(new URL("../../build/Release/rxuio.node", import.meta.url));

// Every behaviour holds both where the plan runs: on its own thread, and in
// the event loop's poll callback (eventLoop); thread-only ones are marked.
describe.each([
  ["on its service thread", false],
  ["in the event loop", true],
])("NativeIrqService %s", (_where, eventLoop) => {
  /** A test of the service thread itself (priority, stalls): registered for the thread only. */
  const threadOnly = eventLoop ? (_name: string, _fn: () => unknown) => undefined : it;

  let scratch: ReturnType<typeof scratchDir>;
  let fifo: string;
  let registers: string;
  let config: string;
  const cleanups: (() => void)[] = [];

  beforeEach(() => {
    scratch = scratchDir();
    fifo = scratchFifo(scratch.dir);
    const page = new Uint8Array(4096);
    // 0x24: a status register with bits 0x5 pending.
    new DataView(page.buffer).setUint32(0x24, 0x5, true);
    new DataView(page.buffer).setUint32(0x00, 0x010000ed, true);
    registers = scratchFile(scratch.dir, "bar0", page);
    // A PCI config header whose command word (offset 4) has INTx disabled
    // (0x400) beside memory enable and bus master (0x006) and a high bit (0x100).
    const header = new Uint8Array(64);
    new DataView(header.buffer).setUint16(4, 0x0506, true);
    new DataView(header.buffer).setUint16(6, 0xbeef, true);
    config = scratchFile(scratch.dir, "config", header);
  });

  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
    scratch.remove();
  });

  function start(plan: Partial<NativeServicePlan>, recorder: EventRecorder): NativeIrqService {
    const service = NativeIrqService.start(
      { eventPath: fifo, rearm: { kind: "none" }, ...(eventLoop ? { eventLoop } : {}), ...plan },
      recorder.onEvents,
      recorder.onError,
    );
    cleanups.push(() => service.stop());
    return service;
  }

  /** The FIFO's writer end: the "device" raising interrupts. */
  function writer(): (...counts: number[]) => void {
    const fd = openSync(fifo, "w");
    cleanups.push(() => closeSync(fd));
    return (...counts) => void writeSync(fd, countBytes(...counts));
  }

  const region = () => ({ path: registers, fileOffset: 0, inPageOffset: 0, length: 4096 });
  const word = (path: string, offset: number, bytes: 2 | 4) =>
    bytes === 2
      ? readFileSync(path).readUInt16LE(offset)
      : readFileSync(path).readUInt32LE(offset);

  it("delivers every event with missed from the count jumps, stamped at wake-up and after servicing", async () => {
    const recorder = new EventRecorder();
    const before = monotonicNow();
    start({ baseline: 10 }, recorder);
    const raise = writer();
    raise(11);
    await recorder.until(() => recorder.events.length === 1);
    raise(12, 15);
    await recorder.until(() => recorder.events.length === 3);
    expect(recorder.events.map((e) => [e.count, e.missed])).toEqual([
      [11, 0],
      [12, 0],
      [15, 2],
    ]);
    for (const event of recorder.events) {
      expect(event.time).toBeGreaterThanOrEqual(before);
      expect(event.servicedAt).toBeGreaterThanOrEqual(event.time);
      expect(event.values).toEqual([]);
    }
    expect(recorder.errors).toEqual([]);
  });

  it("reads the snapshot registers and writes the status back as the ack (write-1-to-clear)", async () => {
    const recorder = new EventRecorder();
    start(
      {
        region: region(),
        snapshot: [
          { offset: 0x00, width: 32 },
          { offset: 0x24, width: 32 },
        ],
        ack: { offset: 0x64, width: 32, from: { offset: 0x24, width: 32 } },
      },
      recorder,
    );
    writer()(1);
    await recorder.until(() => recorder.events.length === 1);
    expect(recorder.events[0]?.values).toEqual([0x010000ed, 0x5]);
    expect(word(registers, 0x64, 4)).toBe(0x5);
  });

  it("delivers register values unsigned and exact at every width, top bit set, and writes one back exactly", async () => {
    writeFileSync(registers, Buffer.from([0x0d, 0xf0, 0xed, 0xfe]), { flag: "r+" });
    const recorder = new EventRecorder();
    start(
      {
        region: region(),
        snapshot: [
          { offset: 0x00, width: 32 },
          { offset: 0x02, width: 16 },
          { offset: 0x03, width: 8 },
        ],
        ack: { offset: 0x64, width: 32, from: { offset: 0x00, width: 32 } },
      },
      recorder,
    );
    writer()(1);
    await recorder.until(() => recorder.events.length === 1);
    expect(recorder.events[0]?.values).toEqual([0xfeedf00d, 0xfeed, 0xfe]);
    expect(word(registers, 0x64, 4)).toBe(0xfeedf00d);
  });

  it("acks from a register it does not deliver, and with a constant of the register's width", async () => {
    const recorder = new EventRecorder();
    start(
      {
        region: region(),
        ack: { offset: 0x64, width: 32, from: { offset: 0x24, width: 32 } },
      },
      recorder,
    );
    writer()(1);
    await recorder.until(() => recorder.events.length === 1);
    expect(recorder.events[0]?.values).toEqual([]);
    expect(word(registers, 0x64, 4)).toBe(0x5);

    const constant = new EventRecorder();
    cleanups.splice(0).reverse().forEach((c) => c());
    start({ region: region(), ack: { offset: 0x62, width: 16, value: 0xabcd } }, constant);
    writer()(2);
    await constant.until(() => constant.events.length === 1);
    expect(word(registers, 0x62, 2)).toBe(0xabcd);
    expect(word(registers, 0x64, 4)).toBe(0x5);
  });

  it("re-arms pci-intx by read-modify-write of the command word, keeping every other bit", async () => {
    const recorder = new EventRecorder();
    start({ rearm: { kind: "pci-intx", configPath: config } }, recorder);
    const raise = writer();
    raise(1);
    await recorder.until(() => recorder.events.length === 1);
    expect(word(config, 4, 2)).toBe(0x0106);
    expect(word(config, 6, 2)).toBe(0xbeef);
    // Someone else sets another bit and masks again meanwhile: the next
    // unmask keeps their bit (no remembered word).
    const fd = openSync(config, "r+");
    writeSync(fd, Buffer.from([0x46, 0x05]), 0, 2, 4);
    closeSync(fd);
    raise(2);
    await recorder.until(() => recorder.events.length === 2);
    expect(word(config, 4, 2)).toBe(0x0146);
  });

  it("reports a config file without a command word as a typed EIO after the event it serviced", async () => {
    const short = scratchFile(scratch.dir, "short-config", new Uint8Array(3));
    const recorder = new EventRecorder();
    const service = start({ rearm: { kind: "pci-intx", configPath: short } }, recorder);
    writer()(1);
    await recorder.until(() => recorder.errors.length === 1);
    expect(recorder.events.map((e) => e.count)).toEqual([1]);
    expect(recorder.errors[0]?.code).toBe("EIO");
    expect(recorder.errors[0]?.message).toMatch(/command word/);
    service.stop();
    expect(service.running).toBe(false);
  });

  it("reports the source hanging up as ENODEV, once, after the events before it", async () => {
    const recorder = new EventRecorder();
    start({}, recorder);
    const fd = openSync(fifo, "w");
    writeSync(fd, countBytes(1, 2));
    closeSync(fd);
    await recorder.until(() => recorder.errors.length === 1);
    expect(recorder.events.map((e) => e.count)).toEqual([1, 2]);
    expect(recorder.errors.map((e) => e.code)).toEqual(["ENODEV"]);
  });

  it("refuses bad plans with typed errors before starting a thread", () => {
    const recorder = new EventRecorder();
    expectCode(() => start({ eventPath: registers }, recorder), "EINVAL");
    expectCode(() => start({ eventPath: `${scratch.dir}/none` }, recorder), "ENODEV");
    expectCode(
      () => start({ rearm: { kind: "pci-intx", configPath: `${scratch.dir}/none` } }, recorder),
      "ENODEV",
    );
    expectCode(() => start({ snapshot: [{ offset: 0, width: 32 }] }, recorder), "EINVAL");
    expectCode(
      () => start({ region: region(), snapshot: [{ offset: 4096, width: 32 }] }, recorder),
      "ERANGE",
    );
    expectCode(
      () => start({ region: region(), snapshot: [{ offset: 2, width: 32 }] }, recorder),
      "EALIGN",
    );
    expectCode(
      () => start({ region: region(), ack: { offset: 0x64, width: 8, value: 0x100 } }, recorder),
      "ERANGE",
    );
  });

  threadOnly("stops servicing while JS holds every batch, then delivers everything, in order, with nothing dropped", async () => {
    const recorder = new EventRecorder();
    const service = start({ baseline: 0 }, recorder);
    const raise = writer();
    // JS is busy (this synchronous loop) while the thread fills every slot.
    // More than the 8 slots of 256 events hold; the FIFO buffers the rest.
    const total = 3100;
    for (let next = 1; next <= total; next += 100) {
      raise(...Array.from({ length: 100 }, (_, i) => next + i));
    }
    const spin = Date.now() + 1000;
    while (service.stalls === 0 && Date.now() < spin) {
      /* keep JS busy until the thread stalls */
    }
    expect(service.stalls).toBeGreaterThan(0);
    raise(total + 5);
    await recorder.until(() => recorder.events.length === total + 1);
    const counts = recorder.events.map((e) => e.count);
    expect(counts.slice(0, total)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(recorder.events.reduce((sum, e) => sum + e.missed, 0)).toBe(4);
    // Batching: far fewer JS calls than events.
    expect(recorder.batches.length).toBeLessThan(total / 2);
  });

  threadOnly("runs the thread SCHED_FIFO when asked, or reports the refusal as EACCES", async () => {
    const recorder = new EventRecorder();
    expectCode(() => start({ realtime: 100 }, recorder), "ERANGE");
    start({ realtime: 1 }, recorder);
    const raise = writer();
    raise(1);
    await recorder.until(() => recorder.events.length + recorder.errors.length > 0);
    const fifoThreads = readdirSync("/proc/self/task").filter((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // Field 41, policy: 1 is SCHED_FIFO.
      return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[38] === "1";
    });
    if (recorder.errors.length > 0) {
      expect(recorder.errors.map((e) => [e.code, e.syscall])).toEqual([
        ["EACCES", "pthread_setschedparam"],
      ]);
      expect(recorder.events).toEqual([]);
    } else {
      expect(fifoThreads).toHaveLength(1);
      expect(recorder.events.map((e) => e.count)).toEqual([1]);
    }
  });

  threadOnly("names its thread rxuio-irq (top -H, ps -L, perf), and it is gone after stop()", async () => {
    const recorder = new EventRecorder();
    const service = start({}, recorder);
    writer()(1);
    await recorder.until(() => recorder.events.length === 1);
    expect(threadNames().filter((name) => name === "rxuio-irq")).toHaveLength(1);
    service.stop();
    expect(threadNames()).not.toContain("rxuio-irq");
  });

  if (eventLoop) {
    it("starts no thread, and refuses a realtime priority (there is no thread to raise)", async () => {
      const threads = readdirSync("/proc/self/task").length;
      const recorder = new EventRecorder();
      start({}, recorder);
      writer()(1);
      await recorder.until(() => recorder.events.length === 1);
      expect(readdirSync("/proc/self/task")).toHaveLength(threads);
      expect(expectCode(() => start({ realtime: 1 }, new EventRecorder()), "EINVAL").message).toMatch(/no thread/);
    });

    it("services an interrupt raised from onBatch before the loop moves on, each in its own batch, none missed", async () => {
      let raise: (...counts: number[]) => void = () => undefined;
      const seen: { count: number; missed: number; immediateRan: boolean; reactionRan: boolean }[] = [];
      let immediateRan = false;
      let reactionRan = false;
      const done = new Promise<void>((resolve, reject) => {
        const service = NativeIrqService.start(
          { eventPath: fifo, rearm: { kind: "none" }, eventLoop: true, baseline: 0 },
          (events) => {
            for (const e of events) seen.push({ count: e.count, missed: e.missed, immediateRan, reactionRan });
            if (seen.length === 1) {
              setImmediate(() => (immediateRan = true));
              void Promise.resolve().then(() => (reactionRan = true));
            }
            if (seen.length < 5) raise(seen.length + 1);
            else resolve();
          },
          reject,
        );
        cleanups.push(() => service.stop());
      });
      // The writer's open waits for the service's reader.
      raise = writer();
      raise(1);
      await done;
      // Neither the loop's check phase (setImmediate) nor a promise reaction
      // had a turn between them: one callback scope covers every batch of a
      // poll callback, so microtasks run when it returns to the loop.
      expect(seen).toEqual(
        [1, 2, 3, 4, 5].map((count) => ({ count, missed: 0, immediateRan: false, reactionRan: false })),
      );
      expect(reactionRan).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(immediateRan).toBe(true);
    });
  }

  it("stop() joins the waiting thread; later interrupts are not serviced", async () => {
    const recorder = new EventRecorder();
    const service = start({ rearm: { kind: "pci-intx", configPath: config } }, recorder);
    // Read-write, so writing after the service let go of its end is no EPIPE.
    const fd = openSync(fifo, "r+");
    cleanups.push(() => closeSync(fd));
    const raise = (count: number) => void writeSync(fd, countBytes(count));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(service.running).toBe(true);
    service.stop();
    service.stop();
    expect(service.running).toBe(false);
    raise(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorder.events).toEqual([]);
    expect(word(config, 4, 2)).toBe(0x0506);
  });

  it("reuses one batch memory: each event is a copy, unchanged by the batches after it", async () => {
    const recorder = new EventRecorder();
    start({ region: region(), snapshot: [{ offset: 0x00, width: 32 }], baseline: 0 }, recorder);
    const raise = writer();
    raise(1);
    await recorder.until(() => recorder.events.length === 1);
    const first = recorder.events[0];
    raise(3);
    await recorder.until(() => recorder.events.length === 2);
    expect(first).toMatchObject({ count: 1, missed: 0, values: [0x010000ed] });
    expect(recorder.events[1]).toMatchObject({ count: 3, missed: 1, values: [0x010000ed] });
    expect(Object.isFrozen(first?.values)).toBe(true);
  });

  it("refuses to deliver into a batch memory that was detached, with EINVAL as the uncaught exception, and loses no other event", () => {
    // A child process: detaching any ArrayBuffer costs the whole process V8's fast paths.
    const script = `
      const fs = require("node:fs");
      const addon = require(${JSON.stringify(ADDON)});
      const service = new addon.IrqService(
        { eventPath: ${JSON.stringify(fifo)}, reads: [], visible: 0, rearm: "none", eventLoop: ${eventLoop} },
        (n) => console.log("batch", n), () => {});
      structuredClone(service.batch.counts.buffer, { transfer: [service.batch.counts.buffer] });
      process.on("uncaughtException", (err) => {
        console.log("uncaught", err.code, /detached/.test(err.message));
        service.stop();
      });
      const fd = fs.openSync(${JSON.stringify(fifo)}, "w");
      fs.writeSync(fd, Buffer.from([1, 0, 0, 0]));
    `;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 10_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("uncaught EINVAL true");
  });

  it("does not keep a process from exiting once stopped, and a forgotten running service ends with the process", () => {
    const script = (stop: boolean) => `
      const addon = require(${JSON.stringify(ADDON)});
      let service = new addon.IrqService(
        { eventPath: ${JSON.stringify(fifo)}, reads: [], visible: 0, rearm: "none", eventLoop: ${eventLoop} },
        () => {}, () => {});
      ${stop ? "service.stop(); service = undefined; globalThis.gc();" : "setTimeout(() => process.exit(0), 50);"}
    `;
    for (const stop of [true, false]) {
      const run = spawnSync(process.execPath, ["--expose-gc", "-e", script(stop)], {
        encoding: "utf8",
        timeout: 10_000,
      });
      expect(run.signal, run.stderr).toBeNull();
      expect(run.status, run.stderr).toBe(0);
    }
  });
});
