import { closeSync, openSync, writeSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { monotonicNow, pageSize } from "../../src/native/binding.js";
import { NativeEventFd, type NativeEventFdOptions } from "../../src/native/event-fd.js";
import { NativeRegion } from "../../src/native/region.js";
import { EventRecorder } from "./event-recorder.js";
import { countBytes, expectCode, scratchDir, scratchFifo, scratchFile } from "./scratch.js";


/** A few event-loop turns: long enough for a pending uv_poll wake-up to run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 30));
}

describe("NativeEventFd", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let fifo: string;
  const cleanups: (() => void)[] = [];

  /** The read end, read-only so that closing the writer hangs it up. */
  function listen(options: NativeEventFdOptions = {}): NativeEventFd {
    const fd = NativeEventFd.open(fifo, { writable: false, ...options });
    cleanups.push(() => fd.close());
    return fd;
  }

  /** The device side: pushes counts into the FIFO. */
  function device(): { send(...counts: number[]): void; unplug(): void } {
    let fd: number | undefined = openSync(fifo, "w");
    const unplug = (): void => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    };
    cleanups.push(unplug);
    return {
      send: (...counts) => {
        if (fd === undefined) throw new Error("unplugged");
        writeSync(fd, countBytes(...counts));
      },
      unplug,
    };
  }

  beforeEach(() => {
    scratch = scratchDir();
    fifo = scratchFifo(scratch.dir);
  });

  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
    scratch.remove();
  });

  describe("read and write", () => {
    it("reads one native-endian s32 count at a time, undefined when none is pending", () => {
      const events = listen();
      const dev = device();
      expect(events.read()).toBeUndefined();
      dev.send(7, -5, 0x7fffffff);
      expect(events.read()).toBe(7);
      expect(events.read()).toBe(-5);
      expect(events.read()).toBe(0x7fffffff);
      expect(events.read()).toBeUndefined();
    });

    it("writes s32 irqcontrol values (read back through a read-write FIFO)", () => {
      const events = NativeEventFd.open(fifo);
      cleanups.push(() => events.close());
      expect(events.writable).toBe(true);
      events.write(1);
      events.write(-2147483648);
      expect(events.read()).toBe(1);
      expect(events.read()).toBe(-2147483648);
    });

    it("refuses irqcontrol values outside s32 and of the wrong type", () => {
      const events = NativeEventFd.open(fifo);
      cleanups.push(() => events.close());
      expectCode(() => events.write(2 ** 31), "ERANGE");
      expectCode(() => events.write(1.5), "EINVAL");
      expectCode(() => events.write("1" as unknown as number), "EINVAL");
    });

    it("refuses writes on a read-only fd with EACCES and a hint", () => {
      const events = listen();
      const err = expectCode(() => events.write(1), "EACCES");
      expect(err.errno).toBe("EBADF");
      expect(err.message).toMatch(/writable: true/);
    });

    it("reports a hang-up on read as ENODEV", () => {
      const events = listen();
      const dev = device();
      dev.send(3);
      dev.unplug();
      expect(events.read()).toBe(3);
      expectCode(() => events.read(), "ENODEV");
    });
  });

  describe("open", () => {
    it("reports a missing device as ENODEV", () => {
      const err = expectCode(() => NativeEventFd.open(`${scratch.dir}/uio7`), "ENODEV");
      expect(err.path).toBe(`${scratch.dir}/uio7`);
      expect(err.errno).toBe("ENOENT");
    });

    it("validates its arguments", () => {
      expectCode(() => NativeEventFd.open(42 as unknown as string), "EINVAL");
      expectCode(() => NativeEventFd.open(fifo, { baseline: 1.5 }), "EINVAL");
      expectCode(() => NativeEventFd.open(fifo, { baseline: 2 ** 32 }), "ERANGE");
      expectCode(() => NativeEventFd.open(fifo, { baseline: -(2 ** 31) - 1 }), "ERANGE");
    });
  });

  describe("watch", () => {
    it("delivers every pending count in one call, with missed from the baseline", async () => {
      const events = listen({ baseline: 5 });
      const dev = device();
      const rec = new EventRecorder();
      const before = monotonicNow();
      dev.send(7, 8, 11);
      events.watch(rec.onEvents, rec.onError);
      await rec.until(() => rec.events.length === 3);
      const after = monotonicNow();
      expect(rec.batches).toHaveLength(1);
      expect(rec.events.map((e) => [e.count, e.missed])).toEqual([
        [7, 1],
        [8, 0],
        [11, 2],
      ]);
      const [first] = rec.events;
      expect(rec.events.every((e) => e.time === first?.time)).toBe(true);
      expect(first?.time).toBeGreaterThanOrEqual(before);
      expect(first?.time).toBeLessThanOrEqual(after);
      expect(first?.values).toEqual([]);
    });

    it("keeps counting across wake-ups, with monotonic timestamps", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      const rec = new EventRecorder();
      events.watch(rec.onEvents, rec.onError);
      for (const count of [1, 2, 5, 6]) {
        dev.send(count);
        await rec.until(() => rec.events.at(-1)?.count === count);
      }
      expect(rec.events.map((e) => e.missed)).toEqual([0, 0, 2, 0]);
      const times = rec.events.map((e) => e.time);
      expect([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(times);
      expect(new Set(times).size).toBe(times.length);
    });

    it("reports missed 0 for the first event when the baseline is unknown or ahead", async () => {
      for (const options of [{}, { baseline: 100 }]) {
        const events = listen(options);
        const dev = device();
        const rec = new EventRecorder();
        events.watch(rec.onEvents, rec.onError);
        dev.send(40, 42);
        await rec.until(() => rec.events.length === 2);
        expect(rec.events.map((e) => e.missed)).toEqual([0, 1]);
        events.close();
        dev.unplug();
      }
    });

    it("counts across the s32 wrap without inventing or hiding loss", async () => {
      const events = listen({ baseline: 0x7ffffffe });
      const dev = device();
      const rec = new EventRecorder();
      events.watch(rec.onEvents, rec.onError);
      dev.send(0x7fffffff, -0x80000000, -0x7ffffffe);
      await rec.until(() => rec.events.length === 3);
      expect(rec.events.map((e) => [e.count, e.missed])).toEqual([
        [0x7fffffff, 0],
        [-0x80000000, 0],
        [-0x7ffffffe, 1],
      ]);
    });

    it("accepts the baseline as sysfs prints it (unsigned)", async () => {
      const events = listen({ baseline: 0xffffffff });
      const dev = device();
      const rec = new EventRecorder();
      events.watch(rec.onEvents, rec.onError);
      dev.send(1);
      await rec.until(() => rec.events.length === 1);
      // 0xffffffff is -1 as s32: 0 was missed on the way to 1.
      expect(rec.events[0]?.missed).toBe(1);
    });

    it("bounds a batch and delivers the rest on the next wake-up, in order", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      const rec = new EventRecorder();
      const counts = Array.from({ length: 600 }, (_, i) => i + 1);
      dev.send(...counts);
      events.watch(rec.onEvents, rec.onError);
      await rec.until(() => rec.events.length === 600);
      expect(rec.batches.length).toBeGreaterThan(1);
      expect(rec.batches.every((b) => b.length > 0 && b.length <= 256)).toBe(true);
      expect(rec.events.map((e) => e.count)).toEqual(counts);
      expect(rec.events.every((e) => e.missed === 0)).toBe(true);
    });

    it("shares the last-seen count with read(), so loss stays exact", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      dev.send(1, 2);
      expect(events.read()).toBe(1);
      const rec = new EventRecorder();
      events.watch(rec.onEvents, rec.onError);
      dev.send(5);
      await rec.until(() => rec.events.length === 2);
      expect(rec.events.map((e) => [e.count, e.missed])).toEqual([
        [2, 0],
        [5, 2],
      ]);
    });

    it("stops on unwatch(); a stale stop() is a no-op; one watch at a time", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      const first = new EventRecorder();
      const watch = events.watch(first.onEvents, first.onError);
      expect(events.watching).toBe(true);
      expectCode(() => events.watch(first.onEvents, first.onError), "EINVAL");
      watch.stop();
      expect(events.watching).toBe(false);
      dev.send(1);
      await settle();
      expect(first.batches).toEqual([]);
      const second = new EventRecorder();
      events.watch(second.onEvents, second.onError);
      watch.stop();
      expect(events.watching).toBe(true);
      await second.until(() => second.events.length === 1);
      events.unwatch();
      events.unwatch();
    });

    it("errors with ENODEV when the source hangs up, after delivering what was pending", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      const rec = new EventRecorder();
      events.watch(rec.onEvents, rec.onError);
      dev.send(1, 2);
      dev.unplug();
      await rec.until(() => rec.errors.length === 1);
      expect(rec.events.map((e) => e.count)).toEqual([1, 2]);
      expect(rec.errors[0]?.code).toBe("ENODEV");
      expect(rec.errors[0]?.message).toMatch(/unplugged/);
      expect(events.watching).toBe(false);
      await settle();
      expect(rec.errors).toHaveLength(1);
    });

    it("delivers whole counts, then errors with EIO on a torn one", async () => {
      const events = listen({ baseline: 0 });
      const writer = openSync(fifo, "w");
      cleanups.push(() => closeSync(writer));
      const rec = new EventRecorder();
      events.watch(rec.onEvents, rec.onError);
      writeSync(writer, Buffer.concat([countBytes(1), Buffer.from([1, 2])]));
      await rec.until(() => rec.errors.length === 1);
      expect(rec.events.map((e) => e.count)).toEqual([1]);
      expect(rec.errors[0]?.code).toBe("EIO");
      expect(events.watching).toBe(false);
    });

    it("survives close() from inside its own callback", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      const rec = new EventRecorder();
      events.watch((batch) => {
        rec.onEvents(batch);
        events.close();
      }, rec.onError);
      dev.send(1, 2);
      await rec.until(() => rec.events.length === 2);
      await settle();
      expect(events.closed).toBe(true);
      expect(rec.batches).toHaveLength(1);
      expect(rec.errors).toEqual([]);
    });

    it("refuses bad callbacks and regular files", () => {
      const events = listen();
      expectCode(() => events.watch(undefined as unknown as () => void, () => {}), "EINVAL");
      expectCode(() => events.watch(() => {}, 5 as unknown as () => void), "EINVAL");
      const file = scratchFile(scratch.dir, "plain", countBytes(1));
      const plain = NativeEventFd.open(file);
      cleanups.push(() => plain.close());
      expectCode(() => plain.watch(() => {}, () => {}), "EACCES");
      expect(plain.watching).toBe(false);
    });
  });

  describe("snapshots", () => {
    let regs: NativeRegion;

    beforeEach(() => {
      const file = scratchFile(scratch.dir, "regs", new Uint8Array(pageSize()));
      regs = NativeRegion.open(file, { index: 0, fileOffset: 0, inPageOffset: 0, length: 64 });
      cleanups.push(() => regs.close());
    });

    it("reads the registers natively at each wake-up, in the order requested", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      const rec = new EventRecorder();
      regs.write32(0x24, 0x11);
      regs.write64(8, 2n ** 63n);
      regs.write16(2, 0xabcd);
      events.watch(rec.onEvents, rec.onError, {
        snapshot: [
          { region: regs, offset: 0x24, width: 32 },
          { region: regs, offset: 8, width: 64 },
          { region: regs, offset: 2, width: 16 },
          { region: regs, offset: 0x24, width: 8 },
        ],
      });
      dev.send(1, 2);
      await rec.until(() => rec.events.length === 2);
      regs.write32(0x24, 0x22);
      dev.send(3);
      await rec.until(() => rec.events.length === 3);
      expect(rec.events.map((e) => e.values)).toEqual([
        [0x11, 2n ** 63n, 0xabcd, 0x11],
        [0x11, 2n ** 63n, 0xabcd, 0x11],
        [0x22, 2n ** 63n, 0xabcd, 0x22],
      ]);
      expect(Object.isFrozen(rec.events[0]?.values)).toBe(true);
    });

    it("validates snapshot registers at watch() time", () => {
      const events = listen();
      const watchWith = (snapshot: unknown) => () =>
        events.watch(
          () => {},
          () => {},
          { snapshot: snapshot as never },
        );
      expectCode(watchWith([{ region: regs, offset: 2, width: 32 }]), "EALIGN");
      expectCode(watchWith([{ region: regs, offset: 64, width: 8 }]), "ERANGE");
      expectCode(watchWith([{ region: regs, offset: 0, width: 12 }]), "EINVAL");
      expectCode(watchWith([{ region: {}, offset: 0, width: 8 }]), "EINVAL");
      expectCode(watchWith([{ region: regs, offset: "0", width: 8 }]), "EINVAL");
      expectCode(
        watchWith(Array.from({ length: 65 }, () => ({ region: regs, offset: 0, width: 8 }))),
        "ERANGE",
      );
      regs.close();
      expectCode(watchWith([{ region: regs, offset: 0, width: 8 }]), "ECLOSED");
      expect(events.watching).toBe(false);
    });

    it("errors with ECLOSED instead of reading a region closed while watched", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      const rec = new EventRecorder();
      events.watch(rec.onEvents, rec.onError, { snapshot: [{ region: regs, offset: 0, width: 32 }] });
      regs.close();
      dev.send(1);
      await rec.until(() => rec.errors.length === 1);
      expect(rec.errors[0]?.code).toBe("ECLOSED");
      expect(rec.batches).toEqual([]);
      expect(events.watching).toBe(false);
    });
  });

  describe("SIGIO mode", () => {
    it("signals the process when a count arrives", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      const seen: (number | undefined)[] = [];
      const arrived = new Promise<void>((resolve) => {
        const onSigio = (): void => {
          seen.push(events.read());
          resolve();
        };
        // The handler must be in place before O_ASYNC: SIGIO's default action kills.
        process.on("SIGIO", onSigio);
        cleanups.push(() => process.off("SIGIO", onSigio));
      });
      events.setAsync(true);
      cleanups.push(() => {
        if (!events.closed) events.setAsync(false);
      });
      dev.send(1);
      await arrived;
      expect(seen).toEqual([1]);
      events.setAsync(false);
      expectCode(() => events.setAsync("on" as unknown as boolean), "EINVAL");
    });
  });

  describe("watch in SIGIO mode", () => {
    /** Runs the same device script under one mode and returns what the watch saw. */
    async function observe(mode: "epoll" | "sigio") {
      const local = scratchDir();
      const path = scratchFifo(local.dir);
      const file = scratchFile(local.dir, "regs", new Uint8Array(pageSize()));
      const regs = NativeRegion.open(file, { index: 0, fileOffset: 0, inPageOffset: 0, length: 64 });
      const events = NativeEventFd.open(path, { writable: false, baseline: 0 });
      const writer = openSync(path, "w");
      const rec = new EventRecorder();
      try {
        regs.write32(0, 0x10);
        // Pending before the watch starts: raises no signal, must still arrive.
        writeSync(writer, countBytes(1, 3));
        events.watch(rec.onEvents, rec.onError, {
          mode,
          snapshot: [{ region: regs, offset: 0, width: 32 }],
        });
        await rec.until(() => rec.events.length === 2);
        regs.write32(0, 0x20);
        writeSync(writer, countBytes(4, 8));
        await rec.until(() => rec.events.length === 4);
        closeSync(writer);
        await rec.until(() => rec.errors.length === 1);
        return {
          events: rec.events.map(({ count, missed, values }) => ({ count, missed, values })),
          errors: rec.errors.map((err) => err.code),
          watching: events.watching,
        };
      } finally {
        events.close();
        regs.close();
        local.remove();
      }
    }

    it("delivers the same events, snapshots and hang-up as epoll mode", async () => {
      const listeners = process.listenerCount("SIGIO");
      const sigio = await observe("sigio");
      const epoll = await observe("epoll");
      expect(sigio).toEqual(epoll);
      expect(sigio.events.map((e) => [e.count, e.missed])).toEqual([
        [1, 0],
        [3, 1],
        [4, 0],
        [8, 3],
      ]);
      expect(sigio.errors).toEqual(["ENODEV"]);
      expect(sigio.watching).toBe(false);
      expect(process.listenerCount("SIGIO")).toBe(listeners);
    });

    it("adds one SIGIO listener while watching and removes it on unwatch and close", () => {
      const listeners = process.listenerCount("SIGIO");
      const a = listen();
      const second = scratchFifo(scratch.dir, "second");
      const b = NativeEventFd.open(second, { writable: false });
      cleanups.push(() => b.close());
      a.watch(
        () => {},
        () => {},
        { mode: "sigio" },
      );
      b.watch(
        () => {},
        () => {},
        { mode: "sigio" },
      );
      expect(process.listenerCount("SIGIO")).toBe(listeners + 1);
      a.unwatch();
      expect(process.listenerCount("SIGIO")).toBe(listeners + 1);
      b.close();
      expect(process.listenerCount("SIGIO")).toBe(listeners);
    });

    it("refuses an unknown mode", () => {
      const events = listen();
      expectCode(
        () =>
          events.watch(
            () => {},
            () => {},
            { mode: "select" as "epoll" },
          ),
        "EINVAL",
      );
      expect(events.watching).toBe(false);
    });
  });

  describe("close", () => {
    it("stops the watch, makes every call ECLOSED, and is idempotent", async () => {
      const events = listen({ baseline: 0 });
      const dev = device();
      const rec = new EventRecorder();
      events.watch(rec.onEvents, rec.onError);
      // Pending when closed: must never be delivered.
      dev.send(1);
      events.close();
      events.close();
      events[Symbol.dispose]();
      expect(events.closed).toBe(true);
      expect(events.watching).toBe(false);
      await settle();
      expect(rec.batches).toEqual([]);
      expect(rec.errors).toEqual([]);
      for (const call of [
        () => events.read(),
        () => events.write(1),
        () => events.watch(rec.onEvents, rec.onError),
        () => events.setAsync(true),
      ]) {
        expectCode(call, "ECLOSED");
      }
      events.unwatch();
    });
  });
});
