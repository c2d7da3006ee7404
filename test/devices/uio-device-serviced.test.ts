import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IrqSnapshot } from "../../src/devices/backend.js";
import { UioDevice } from "../../src/devices/uio-device.js";
import type { RxuioError } from "../../src/errors.js";
import { copyOfFixture, scratchDir } from "../fixtures/sysfs-roots.js";
import { thrown } from "../rxuio-error-assertions.js";

/**
 * A UioDevice's serviced watch end to end through the native service
 * thread, with a FIFO standing in for /dev/uio0 (edu under
 * uio_pci_generic in the fixture) and the fixture's device/config file as
 * the PCI configuration space the thread re-arms through.
 */
describe("UioDevice serviced watch over a FIFO", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let dev: UioDevice;
  let sender: number;
  let config: string;
  beforeEach(async () => {
    scratch = await scratchDir();
    const sysfsRoot = await copyOfFixture("lab", scratch.dir);
    const devRoot = join(scratch.dir, "dev");
    await mkdir(devRoot);
    execFileSync("mkfifo", [join(devRoot, "uio0")]);
    sender = openSync(join(devRoot, "uio0"), constants.O_RDWR | constants.O_NONBLOCK);
    dev = await UioDevice.open(0, { sysfsRoot, devRoot });
    config = join(dev.info.sysfsPath, "device", "config");
    // INTx masked, as uio_pci_generic leaves it after an interrupt.
    const bytes = await readFile(config);
    bytes.writeUInt16LE(bytes.readUInt16LE(4) | 0x400, 4);
    await writeFile(config, bytes);
  });
  afterEach(async () => {
    dev.close();
    closeSync(sender);
    await scratch.cleanup();
  });

  function send(...counts: number[]): void {
    writeSync(sender, Buffer.from(Int32Array.from(counts).buffer));
  }

  function record(
    options: Parameters<UioDevice["events"]["watch"]>[1] = { service: { rearm: true } },
  ) {
    const events: IrqSnapshot[] = [];
    const errors: RxuioError[] = [];
    const watch = dev.events.watch(
      { next: (batch) => events.push(...batch), error: (err) => errors.push(err) },
      options,
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

  const command = async () => (await readFile(config)).readUInt16LE(4);

  it("re-arms INTx natively and delivers each event with missed from the sysfs baseline and servicedAt", async () => {
    const before = await command();
    const { events, errors } = record();
    send(1, 3);
    await until(() => events.length === 2);
    expect(events.map((e) => [e.count, e.missed])).toEqual([
      [1, 0],
      [3, 1],
    ]);
    for (const event of events) expect(event.servicedAt).toBeGreaterThanOrEqual(event.time);
    expect(await command()).toBe(before & ~0x400);
    expect(errors).toEqual([]);
  });

  it("runs one serviced watch per device at a time; a stopped one frees the place", async () => {
    const first = record();
    const err = thrown(() => record());
    expect(err.code).toBe("EINVAL");
    expect(err.message).toContain("already has a serviced watch");
    // A plain watch beside it is fine: it does not ack.
    const plain = record({});
    plain.watch.stop();
    first.watch.stop();
    const second = record();
    send(7);
    await until(() => second.events.length === 1);
    expect(first.events).toEqual([]);
  });

  it("refuses plans it cannot run with typed errors", () => {
    expect(thrown(() => record({ service: {}, mode: "sigio" })).code).toBe("EINVAL");
    const wide = { region: 0, offset: 0, width: 64 } as const;
    expect(thrown(() => record({ service: {}, snapshot: [wide] })).code).toBe("EINVAL");
    const split = [
      { region: 0, offset: 0, width: 32 },
      { region: 1, offset: 0, width: 32 },
    ] as const;
    expect(thrown(() => record({ service: {}, snapshot: split })).code).toBe("EINVAL");
    expect(
      thrown(() => record({ service: {}, snapshot: [{ region: 9, offset: 0, width: 32 }] })).code,
    ).toBe("ERANGE");
  });

  it("refuses an unknown thread, non-boolean switches and realtime in the event loop before any thread starts", () => {
    const plans: unknown[] = [
      { thread: "fibre" },
      { thread: "event-loop", realtime: true },
      { realtime: "yes" },
      { rearm: 1 },
    ];
    for (const service of plans) {
      const err = thrown(() => record({ service } as Parameters<typeof record>[0]));
      expect(err.code).toBe("EINVAL");
      expect(err.path).toBe(dev.info.devicePath);
    }
    // Nothing was left running: the one serviced watch a device allows is free.
    const { watch } = record();
    watch.stop();
  });

  it("reports a refused config write as a typed error without closing the device", async () => {
    await writeFile(config, Buffer.from([0x34, 0x12]));
    const { events, errors } = record();
    send(1);
    await until(() => errors.length === 1);
    expect(events.map((e) => e.count)).toEqual([1]);
    expect(errors[0]?.code).toBe("EIO");
    expect(dev.closed).toBe(false);
  });

  it("stops with the device: close() joins the thread, later interrupts are not serviced", async () => {
    const { events } = record();
    dev.close();
    const before = await command();
    send(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(events).toEqual([]);
    expect(await command()).toBe(before);
  });
});

describe("UioDevice serviced watch without IRQ control", () => {
  it("refuses a plan that re-arms when the device has no IRQ control (ENOSYS)", async () => {
    const scratch = await scratchDir();
    try {
      const sysfsRoot = await copyOfFixture("lab", scratch.dir);
      const devRoot = join(scratch.dir, "dev");
      await mkdir(devRoot);
      execFileSync("mkfifo", [join(devRoot, "uio1")]);
      const sender = openSync(join(devRoot, "uio1"), constants.O_RDWR | constants.O_NONBLOCK);
      const dev = await UioDevice.open(1, { sysfsRoot, devRoot, irqControl: "none" });
      const listener = { next: () => {}, error: () => {} };
      const err = thrown(() => dev.events.watch(listener, { service: { rearm: true } }));
      expect(err.code).toBe("ENOSYS");
      expect(err.message).toContain("cannot re-arm");
      dev.close();
      closeSync(sender);
    } finally {
      await scratch.cleanup();
    }
  });
});
