import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RxuioError } from "../../src/errors.js";
import type { IrqSnapshot } from "../../src/devices/backend.js";
import { UioDevice } from "../../src/devices/uio-device.js";
import { copyOfFixture, scratchDir, sysfsFixture } from "../fixtures/sysfs-roots.js";
import { FakeUioIo } from "./fake-uio-io.js";
import { thrown, rejection } from "../rxuio-error-assertions.js";

const sysfsRoot = sysfsFixture("lab");
const devRoot = "/dev-test";

function listener() {
  const batches: (readonly IrqSnapshot[])[] = [];
  const errors: RxuioError[] = [];
  return {
    batches,
    errors,
    next: (events: readonly IrqSnapshot[]) => batches.push(events),
    error: (err: RxuioError) => errors.push(err),
  };
}

describe("UioDevice.open", () => {
  it("opens by index, name, { index } and { name }, keeping a control fd open", async () => {
    for (const ref of [1, "fpga-dma", { index: 1 }, { name: "fpga-dma" }]) {
      const io = new FakeUioIo();
      const dev = await UioDevice.open(ref, { sysfsRoot, devRoot, io });
      expect(dev.info.index).toBe(1);
      expect(io.eventFds.map((fd) => fd.path)).toEqual(["/dev-test/uio1"]);
      dev.close();
      expect(io.eventFds[0]?.closed).toBe(true);
    }
  });

  it("throws ENODEV listing the devices that exist", async () => {
    const err = await rejection(
      UioDevice.open("uio_edu", { sysfsRoot, devRoot, io: new FakeUioIo() }),
    );
    expect(err.code).toBe("ENODEV");
    expect(err.message).toContain("uio0 (uio_pci_generic), uio1 (fpga-dma), uio2 (uio_pio)");
  });

  it("turns EACCES from opening /dev/uioN into how to get access", async () => {
    const io = new FakeUioIo();
    io.openError = new RxuioError("EACCES", "open failed: Permission denied", { errno: "EACCES" });
    const err = await rejection(UioDevice.open(0, { sysfsRoot, devRoot, io }));
    expect(err.code).toBe("EACCES");
    expect(err.path).toBe("/dev-test/uio0");
    expect(err.message).toContain("Permission denied opening /dev-test/uio0");
    expect(err.message).toContain('SUBSYSTEM=="uio", GROUP="uio", MODE="0660"');
  });

  it("turns a missing device node into ENODEV that points at devtmpfs/udev", async () => {
    const io = new FakeUioIo();
    io.openError = new RxuioError("ENODEV", "open failed: No such file", { errno: "ENOENT" });
    const err = await rejection(UioDevice.open(0, { sysfsRoot, devRoot, io }));
    expect(err.code).toBe("ENODEV");
    expect(err.message).toContain("listed in sysfs");
  });

  it("closes its control fd when open fails after opening it", async () => {
    const io = new FakeUioIo();
    const irqControl = "intx" as unknown as "none";
    const err = await rejection(UioDevice.open(1, { sysfsRoot, devRoot, io, irqControl }));
    expect(err.code).toBe("EINVAL");
    expect(io.eventFds.map((fd) => fd.closed)).toEqual([true]);
  });

  it("chooses the IRQ control per driver unless told otherwise", async () => {
    const io = new FakeUioIo();
    const edu = await UioDevice.open(0, { sysfsRoot, devRoot, io });
    const platform = await UioDevice.open(1, { sysfsRoot, devRoot, io });
    const forced = await UioDevice.open(1, { sysfsRoot, devRoot, io, irqControl: "none" });
    expect([edu.irq.strategy, platform.irq.strategy, forced.irq.strategy]).toEqual([
      "pci-intx",
      "irqcontrol",
      "none",
    ]);
    platform.irq.setEnabled(true);
    platform.irq.setEnabled(false);
    expect(io.eventFds[1]?.written).toEqual([1, 0]);
    expect(thrown(() => forced.irq.setEnabled(true)).code).toBe("ENOSYS");
    for (const dev of [edu, platform, forced]) dev.close();
  });
});

describe("regions", () => {
  let io: FakeUioIo;
  let dev: UioDevice;
  beforeEach(async () => {
    io = new FakeUioIo();
    dev = await UioDevice.open("fpga-dma", { sysfsRoot, devRoot, io });
  });
  afterEach(() => dev.close());

  it("maps lazily at N * pagesize with the sysfs in-page offset and size, then caches", () => {
    expect(io.regions).toEqual([]);
    const mailbox = dev.region("mailbox");
    expect(dev.region(1)).toBe(mailbox);
    expect(io.regions.map((r) => [r.path, r.mapping])).toEqual([
      [
        "/dev-test/uio1",
        {
          index: 1,
          name: "mailbox",
          fileOffset: 4096,
          inPageOffset: 0x100,
          length: 0x200,
          writable: true,
        },
      ],
    ]);
  });

  it("maps a region again when the caller closed it", () => {
    const regs = dev.region(0);
    regs.close();
    const again = dev.region(0);
    expect(again).not.toBe(regs);
    expect(again.closed).toBe(false);
    expect(io.regions).toHaveLength(2);
  });

  it("maps read-only when opened readOnly", async () => {
    const readOnly = await UioDevice.open(1, { sysfsRoot, devRoot, io, readOnly: true });
    readOnly.region(0);
    expect(io.regions.at(-1)?.mapping.writable).toBe(false);
    readOnly.close();
  });

  it("throws ERANGE listing the valid maps for an unknown index or name", () => {
    for (const ref of [3, "dma"]) {
      const err = thrown(() => dev.region(ref));
      expect(err.code).toBe("ERANGE");
      expect(err.message).toContain("Its maps are: 0 (regs), 1 (mailbox), 2");
    }
  });
});

describe("ports", () => {
  it("opens x86 port ranges once, refuses other port types and unknown indexes", async () => {
    const io = new FakeUioIo();
    const dev = await UioDevice.open(2, { sysfsRoot, devRoot, io });
    const ports = dev.ports(0);
    expect(dev.ports(0)).toBe(ports);
    expect(io.ports.map((p) => [p.start, p.size])).toEqual([[0xc000, 0x100]]);

    const gpio = thrown(() => dev.ports(1));
    expect(gpio.code).toBe("ENOSYS");
    expect(gpio.message).toContain("port_gpio");
    const missing = thrown(() => dev.ports(2));
    expect(missing.code).toBe("ERANGE");
    expect(missing.message).toContain("0 (port_x86 0xc000), 1 (port_gpio 0x40)");

    dev.close();
    expect(io.ports[0]?.closed).toBe(true);
    expect(thrown(() => dev.ports(0)).code).toBe("ECLOSED");
  });

  it("says so when a device has no port ranges at all", async () => {
    const dev = await UioDevice.open(1, { sysfsRoot, devRoot, io: new FakeUioIo() });
    expect(thrown(() => dev.ports(0)).message).toContain("It has no port ranges");
    dev.close();
  });
});

describe("events", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let root: string;
  let io: FakeUioIo;
  let dev: UioDevice;
  beforeEach(async () => {
    scratch = await scratchDir();
    root = await copyOfFixture("lab", scratch.dir);
    io = new FakeUioIo();
    dev = await UioDevice.open(1, { sysfsRoot: root, devRoot, io });
  });
  afterEach(async () => {
    dev.close();
    await scratch.cleanup();
  });

  it("gives each watch its own event fd, based at the sysfs count when it started", async () => {
    const first = listener();
    const second = listener();
    const a = dev.events.watch(first);
    await writeFile(join(root, "class/uio/uio1/event"), "45\n");
    const b = dev.events.watch(second);
    const [, fdA, fdB] = io.eventFds;
    expect([fdA?.baseline, fdB?.baseline]).toEqual([42, 45]);

    fdA?.fire(43, 44);
    fdB?.fire(46);
    expect(first.batches.map((batch) => batch.map((e) => e.count))).toEqual([[43, 44]]);
    expect(second.batches.map((batch) => batch.map((e) => e.count))).toEqual([[46]]);

    a.stop();
    a.stop();
    expect(fdA?.closed).toBe(true);
    expect(fdB?.closed).toBe(false);
    fdA?.fire(47);
    expect(first.batches).toHaveLength(1);
    b.stop();
  });

  it("resolves snapshot registers to the device's own mapped regions", () => {
    dev.events.watch(listener(), { snapshot: [{ region: 1, offset: 4, width: 32 }] });
    const fd = io.eventFds[1];
    expect(fd?.snapshot?.[0]?.region).toBe(dev.region(1));
    expect(fd?.snapshot?.[0]).toMatchObject({ offset: 4, width: 32 });
    expect(
      thrown(() => dev.events.watch(listener(), { snapshot: [{ region: 9, offset: 0, width: 8 }] }))
        .code,
    ).toBe("ERANGE");
  });

  it("refuses notification modes the mechanism lacks", () => {
    const err = thrown(() => dev.events.watch(listener(), { mode: "sigio" }));
    expect(err.code).toBe("ENOSYS");
    expect(dev.events.modes).toEqual(["epoll"]);
  });

  it("reports a failed watch to its listener and keeps the device open unless it was unplugged", () => {
    const l = listener();
    dev.events.watch(l);
    io.eventFds[1]?.fail(new RxuioError("EINVAL", "snapshot register refused"));
    expect(l.errors.map((e) => e.code)).toEqual(["EINVAL"]);
    expect(io.eventFds[1]?.closed).toBe(true);
    expect(dev.closed).toBe(false);
  });

  it.each(["ENODEV", "EIO"] as const)(
    "closes the whole device as unplugged when a watch fails with %s",
    (code) => {
      const onClose = vi.fn();
      dev.onClose(onClose);
      const region = dev.region(0);
      const unplugged = listener();
      const other = listener();
      dev.events.watch(unplugged);
      const otherWatch = dev.events.watch(other);
      const cause = new RxuioError(code, "read failed", { errno: code });
      io.eventFds[1]?.fail(cause);

      const [reason] = unplugged.errors;
      expect(reason).toMatchObject({ code: "ENODEV", cause, errno: code });
      expect(reason?.message).toContain(
        "uio1 (fpga-dma) is gone: it was unplugged or its driver was unbound",
      );
      expect(dev.closed).toBe(true);
      expect(onClose).toHaveBeenCalledExactlyOnceWith(reason);
      expect(other.errors).toEqual([]);
      expect(io.eventFds.every((fd) => fd.closed)).toBe(true);
      otherWatch.stop();
      expect(thrown(() => region.read32(0)).code).toBe("ECLOSED");
      const err = thrown(() => dev.region(0));
      expect(err.code).toBe("ECLOSED");
      expect(err.message).toContain("is gone");
    },
  );

  it("has no events to watch on a device without an IRQ", async () => {
    const quiet = await UioDevice.open(1, { sysfsRoot: root, devRoot, io: new FakeUioIo(false) });
    expect(quiet.events.hasIrq).toBe(false);
    expect(thrown(() => quiet.events.watch(listener())).code).toBe("ENOSYS");
    quiet.close();
  });

  it("says ENODEV when the sysfs directory vanished before a watch", async () => {
    const { rm } = await import("node:fs/promises");
    await rm(join(root, "class/uio/uio1"), { recursive: true });
    expect(thrown(() => dev.events.watch(listener())).code).toBe("ENODEV");
  });
});

describe("close", () => {
  it("is idempotent, closes everything, fires onClose once and makes every access ECLOSED", async () => {
    const io = new FakeUioIo();
    const dev = await UioDevice.open(1, { sysfsRoot, devRoot, io });
    const early = vi.fn();
    const removed = vi.fn();
    dev.onClose(early);
    dev.onClose(removed)();
    const region = dev.region(0);
    const watch = listener();
    dev.events.watch(watch);

    dev.close();
    dev.close();
    expect(dev.closed).toBe(true);
    expect(early).toHaveBeenCalledExactlyOnceWith(undefined);
    expect(removed).not.toHaveBeenCalled();
    expect(io.eventFds.every((fd) => fd.closed)).toBe(true);
    expect(watch.errors).toEqual([]);
    expect(thrown(() => region.read8(0)).code).toBe("ECLOSED");
    expect(thrown(() => dev.region(0)).code).toBe("ECLOSED");
    expect(thrown(() => dev.events.watch(listener())).code).toBe("ECLOSED");
    expect(thrown(() => dev.irq.setEnabled(true)).code).toBe("ECLOSED");
    expect(dev.info.name).toBe("fpga-dma");

    const late = vi.fn();
    dev.onClose(late);
    expect(late).toHaveBeenCalledExactlyOnceWith(undefined);
  });

  it("closes through await using and using", async () => {
    const io = new FakeUioIo();
    {
      await using dev = await UioDevice.open(1, { sysfsRoot, devRoot, io });
      dev.region(0);
    }
    {
      using dev = await UioDevice.open(1, { sysfsRoot, devRoot, io });
      dev.region(0);
    }
    expect(io.regions.map((r) => r.region.closed)).toEqual([true, true]);
    expect(io.eventFds.map((fd) => fd.closed)).toEqual([true, true]);
  });
});
