import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import type { IrqSnapshot } from "../../../../src/devices/backend.js";
import { run } from "../../../../src/cli/program.js";
import { listDevices } from "../../../../src/devices/sysfs/discovery.js";
import { UioDevice } from "../../../../src/devices/uio-device.js";
import { isRxuioError, type RxuioError } from "../../../../src/errors.js";
import { defineGuestSuite, type GuestTestContext } from "../runner/guest-suite.js";

/**
 * QEMU's edu device bound to the stock uio_pci_generic driver (issue 3):
 * discovery, MMIO through region 0, one interrupt per raise counted through
 * the event fd, re-arming through the PCI INTx bit, close semantics, and the
 * CLI on the same BAR. Register offsets are edu's (QEMU docs/specs/edu.rst).
 */
const EDU_ID = 0x00;
const EDU_LIVENESS = 0x04;
const EDU_IRQ_STATUS = 0x24;
const EDU_IRQ_RAISE = 0x60;
const EDU_IRQ_ACK = 0x64;

const cli = fileURLToPath(new URL("../../../../src/cli/main.js", import.meta.url));
const exec = promisify(execFile);

/**
 * The CLI in-process through its run(argv, io): node starts slowly in the
 * guest (seconds over 9p under TCG), so only one test spawns the binary.
 */
async function rxuio(
  argv: readonly string[],
): Promise<{ status: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const status = await run(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { status, out, err };
}

async function eduIndex(): Promise<number> {
  const edu = (await listDevices()).find((d) => d.name === "uio_pci_generic");
  assert.ok(edu, "edu is bound to uio_pci_generic");
  return edu.index;
}

/** Opens the edu device for one test and closes it afterwards, pass or fail. */
async function openEdu(t: GuestTestContext): Promise<UioDevice> {
  const dev = await UioDevice.open("uio_pci_generic");
  t.defer(() => dev.close());
  return dev;
}

/** Clears edu's interrupt status and unmasks INTx, so the next raise interrupts. */
function rearm(dev: UioDevice): void {
  const region = dev.region(0);
  region.write32(EDU_IRQ_ACK, region.read32(EDU_IRQ_STATUS));
  dev.irq.setEnabled(true);
}

/** Interrupt events as an awaitable queue over one event-fd watch. */
function watchInterrupts(t: GuestTestContext, dev: UioDevice) {
  const queue: IrqSnapshot[] = [];
  let failure: RxuioError | undefined;
  let wake: (() => void) | undefined;
  const watch = dev.events.watch({
    next: (events) => {
      queue.push(...events);
      wake?.();
    },
    error: (err) => {
      failure = err;
      wake?.();
    },
  });
  t.defer(() => watch.stop());
  return {
    get pending(): number {
      return queue.length;
    },
    async next(timeoutMs = 10_000): Promise<IrqSnapshot> {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`no interrupt within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      return queue.shift() as IrqSnapshot;
    },
  };
}

function sysfsEventCount(dev: UioDevice): number {
  return Number(readFileSync(`${dev.info.sysfsPath}/event`, "utf8").trim());
}

export default defineGuestSuite({
  "listDevices() finds edu as uio_pci_generic 0.01.0 with a 1 MiB map 0": async () => {
    const devices = await listDevices();
    const edu = devices.find((device) => device.name === "uio_pci_generic");
    assert.ok(edu, `uio_pci_generic among ${JSON.stringify(devices.map((d) => d.name))}`);
    assert.equal(edu.version, "0.01.0");
    assert.equal(edu.devicePath, `/dev/uio${edu.index}`);
    assert.equal(edu.maps[0]?.size, 0x100000);
    assert.equal(edu.maps[0]?.offset, 0);
  },

  "region 0 reads edu's id 0x010000ed": async (t) => {
    const dev = await openEdu(t);
    assert.equal(dev.region(0).read32(EDU_ID), 0x010000ed);
  },

  "the liveness register (0x04) reads back inverted": async (t) => {
    const region = (await openEdu(t)).region(0);
    for (const value of [0x12345678, 0, 0xffffffff, 0xa5a5a5a5]) {
      region.write32(EDU_LIVENESS, value);
      assert.equal(
        region.read32(EDU_LIVENESS),
        ~value >>> 0,
        `liveness of 0x${value.toString(16)}`,
      );
    }
  },

  "raising an IRQ (0x60) moves the event count by exactly one": async (t) => {
    const dev = await openEdu(t);
    const region = dev.region(0);
    assert.equal(dev.irq.strategy, "pci-intx");
    rearm(dev);
    const before = sysfsEventCount(dev);
    const irqs = watchInterrupts(t, dev);
    region.write32(EDU_IRQ_RAISE, 0x1);
    const event = await irqs.next();
    assert.equal(event.count, before + 1);
    assert.equal(event.missed, 0);
    assert.equal(typeof event.time, "bigint");
    assert.equal(region.read32(EDU_IRQ_STATUS), 0x1, "status holds the raised bit until acked");
    // uio_pci_generic masked INTx in its handler: nothing more may arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(irqs.pending, 0);
    assert.equal(sysfsEventCount(dev), before + 1);
    rearm(dev);
    assert.equal(region.read32(EDU_IRQ_STATUS), 0, "acked");
  },

  "1,000 raise/ack/re-enable round trips in a row miss nothing": {
    timeoutMs: 300_000,
    run: async (t) => {
      const dev = await openEdu(t);
      const region = dev.region(0);
      rearm(dev);
      const irqs = watchInterrupts(t, dev);
      const first = sysfsEventCount(dev);
      let previous = first;
      let missed = 0;
      for (let i = 0; i < 1000; i++) {
        region.write32(EDU_IRQ_RAISE, 0x1);
        const event = await irqs.next();
        missed += event.missed;
        assert.equal(event.count, previous + 1, `round trip ${i}: count`);
        previous = event.count;
        region.write32(EDU_IRQ_ACK, 0x1);
        dev.irq.setEnabled(true);
      }
      assert.equal(missed, 0);
      assert.equal(previous - first, 1000);
      assert.equal(sysfsEventCount(dev), first + 1000);
    },
  },

  "after close() region reads throw ECLOSED": async () => {
    const dev = await UioDevice.open("uio_pci_generic");
    const region = dev.region(0);
    assert.equal(region.read32(EDU_ID), 0x010000ed);
    dev.close();
    assert.equal(dev.closed, true);
    assert.throws(
      () => region.read32(EDU_ID),
      (err) => isRxuioError(err, "ECLOSED"),
    );
    assert.throws(
      () => dev.region(0),
      (err) => isRxuioError(err, "ECLOSED"),
    );
    dev.close(); // idempotent
  },

  "rxuio list (the binary) shows edu with its version and map": async () => {
    const { stdout } = await exec(process.execPath, [cli, "list"]);
    assert.match(stdout, /uio_pci_generic/);
    assert.match(stdout, /0\.01\.0/);
    assert.match(stdout, /0x0*100000\b/i, "map0 size");
    const json = await rxuio(["list", "--json"]);
    assert.equal(json.status, 0);
    assert.ok(Array.isArray(JSON.parse(json.out)), "--json prints an array");
  },

  "rxuio peek 0x00 shows 0x010000ed; poke 0x04 then peek shows the inverted value": async () => {
    const dev = String(await eduIndex());
    const id = await rxuio(["peek", dev, "0", "0x00"]);
    assert.equal(id.status, 0, id.err);
    assert.match(id.out, /0x0*10000ed\b/i);
    assert.equal((await rxuio(["poke", dev, "0", "0x04", "0x12345678"])).status, 0);
    const liveness = await rxuio(["peek", dev, "0", "0x04"]);
    assert.match(liveness.out, /0xedcba987\b/i);
  },

  "rxuio peek past the end of the map fails with one line and a non-zero status": async () => {
    const result = await rxuio(["peek", String(await eduIndex()), "0", "0x100000"]);
    assert.notEqual(result.status, 0);
    assert.equal(result.err.trim().split("\n").length, 1, `one line: ${result.err}`);
    assert.match(result.err, /ERANGE/);
  },
});
