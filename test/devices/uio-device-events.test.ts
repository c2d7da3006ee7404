import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventMode, IrqSnapshot } from "../../src/devices/backend.js";
import { UioDevice } from "../../src/devices/uio-device.js";
import type { RxuioError } from "../../src/errors.js";
import { copyOfFixture, scratchDir } from "../fixtures/sysfs-roots.js";

/**
 * A real UioDevice's interrupts end to end through the native event fd, with
 * a FIFO standing in for /dev/uio1: each 4-byte write is the device's total
 * count, as read(2) on /dev/uioN returns it. Both notification modes must
 * deliver the same events with the same loss accounting.
 */
describe.each(["epoll", "sigio"] as const)(
  "UioDevice interrupts over a FIFO (%s)",
  (mode: EventMode) => {
    let scratch: Awaited<ReturnType<typeof scratchDir>>;
    let dev: UioDevice;
    let sender: number;
    beforeEach(async () => {
      scratch = await scratchDir();
      const sysfsRoot = await copyOfFixture("lab", scratch.dir); // uio1's sysfs event count is 42
      const devRoot = join(scratch.dir, "dev");
      await mkdir(devRoot);
      execFileSync("mkfifo", [join(devRoot, "uio1")]);
      sender = openSync(join(devRoot, "uio1"), constants.O_RDWR | constants.O_NONBLOCK);
      dev = await UioDevice.open(1, { sysfsRoot, devRoot, irqControl: "none" });
    });
    afterEach(async () => {
      dev.close();
      closeSync(sender);
      await scratch.cleanup();
    });

    function send(count: number): void {
      const bytes = Buffer.alloc(4);
      bytes.writeInt32LE(count); // native-endian s32 on the x86/arm64 hosts rxuio runs on
      writeSync(sender, bytes);
    }

    function record() {
      const events: IrqSnapshot[] = [];
      const errors: RxuioError[] = [];
      const watch = dev.events.watch(
        { next: (batch) => events.push(...batch), error: (err) => errors.push(err) },
        { mode },
      );
      return { events, errors, watch };
    }

    async function until(condition: () => boolean): Promise<void> {
      const deadline = Date.now() + 5000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error("timed out waiting for events");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    it("delivers each count with missed measured from the sysfs baseline and from each other", async () => {
      expect(dev.events.modes).toEqual(["epoll", "sigio"]);
      const { events, errors, watch } = record();
      send(43);
      await until(() => events.length === 1);
      send(46);
      await until(() => events.length === 2);
      expect(events.map((e) => [e.count, e.missed])).toEqual([
        [43, 0],
        [46, 2],
      ]);
      expect(events.every((e) => typeof e.time === "bigint" && e.time > 0n)).toBe(true);
      expect(errors).toEqual([]);
      watch.stop();
    });

    it("delivers nothing after stop, and nothing after the device closes", async () => {
      const { events, watch } = record();
      watch.stop();
      send(43);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events).toEqual([]);

      const second = record();
      dev.close();
      send(44);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(second.events).toEqual([]);
      expect(second.errors).toEqual([]);
      expect(process.listenerCount("SIGIO")).toBe(0);
    });
  },
);
