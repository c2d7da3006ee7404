import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listDevices, readDeviceInfo } from "../../../src/devices/sysfs/discovery.js";
import { scratchDir, sysfsFixture } from "../../fixtures/sysfs-roots.js";
import { rejection } from "../../rxuio-error-assertions.js";

const lab = { sysfsRoot: sysfsFixture("lab"), devRoot: "/dev-test" };

describe("listDevices on the lab fixture", () => {
  it("finds all three devices sorted by index with their device nodes", async () => {
    const devices = await listDevices(lab);
    expect(devices.map((d) => [d.index, d.name, d.devicePath])).toEqual([
      [0, "uio_pci_generic", "/dev-test/uio0"],
      [1, "fpga-dma", "/dev-test/uio1"],
      [2, "uio_pio", "/dev-test/uio2"],
    ]);
  });

  it("decodes the edu device on uio_pci_generic: one 1 MiB map and its driver", async () => {
    const [edu] = await listDevices(lab);
    expect(edu).toMatchObject({
      version: "0.01.0",
      event: 0,
      driver: "uio_pci_generic",
      sysfsPath: join(lab.sysfsRoot, "class/uio/uio0"),
      ports: [],
    });
    expect(edu?.maps).toEqual([
      { index: 0, name: "0000:00:04.0", addr: 0xfea00000n, size: 0x100000, offset: 0 },
    ]);
  });

  it("decodes a platform device's maps, keeping a non-zero in-page offset and an empty name", async () => {
    const dev = await readDeviceInfo("fpga-dma", lab);
    expect(dev.event).toBe(42);
    expect(dev.driver).toBe("uio_pdrv_genirq");
    expect(dev.maps).toEqual([
      { index: 0, name: "regs", addr: 0x43c00000n, size: 0x10000, offset: 0 },
      { index: 1, name: "mailbox", addr: 0x43c21100n, size: 0x200, offset: 0x100 },
      { index: 2, name: undefined, addr: 0x3f000000n, size: 0x2000, offset: 0 },
    ]);
  });

  it("decodes port ranges and leaves the driver unknown without a device link", async () => {
    const dev = await readDeviceInfo({ index: 2 }, lab);
    expect(dev.driver).toBeUndefined();
    expect(dev.ports).toEqual([
      { index: 0, name: "testdev-io", start: 0xc000, size: 0x100, porttype: "port_x86" },
      { index: 1, name: "gpio-bank", start: 0x40, size: 8, porttype: "port_gpio" },
    ]);
  });
});

describe("listDevices on missing and broken trees", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  beforeEach(async () => {
    scratch = await scratchDir();
  });
  afterEach(() => scratch.cleanup());

  it("returns no devices when no UIO driver is loaded (no class/uio)", async () => {
    expect(await listDevices({ sysfsRoot: scratch.dir })).toEqual([]);
  });

  it("ignores entries that are not uioN and orders uio10 after uio2", async () => {
    const root = join(scratch.dir, "class", "uio");
    for (const n of [10, 2]) {
      const dir = join(root, `uio${n}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "name"), `dev${n}\n`);
      await writeFile(join(dir, "version"), "1\n");
      await writeFile(join(dir, "event"), "0\n");
    }
    await mkdir(join(root, "power"));
    await symlink("nowhere", join(root, "uio01"));
    const devices = await listDevices({ sysfsRoot: scratch.dir });
    expect(devices.map((d) => d.name)).toEqual(["dev2", "dev10"]);
  });

  it("names the file and the value of a malformed map size", async () => {
    const err = await rejection(listDevices({ sysfsRoot: sysfsFixture("malformed-size") }));
    expect(err.code).toBe("EDECODE");
    expect(err.path).toBe(join(sysfsFixture("malformed-size"), "class/uio/uio0/maps/map0/size"));
    expect(err.value).toBe("0x1g000");
    expect(err.message).toContain("maps/map0/size");
    expect(err.message).toContain('"0x1g000"');
    expect(err.message).toContain("HexNumber");
  });

  it("reports a missing name as a missing attribute", async () => {
    const err = await rejection(listDevices({ sysfsRoot: sysfsFixture("missing-name") }));
    expect(err.code).toBe("EDECODE");
    expect(err.path).toBe(join(sysfsFixture("missing-name"), "class/uio/uio0/name"));
    expect(err.message).toMatch(/^Missing sysfs attribute .*uio0\/name/);
  });

  it("reports an empty device directory by its first required attribute", async () => {
    const err = await rejection(listDevices({ sysfsRoot: sysfsFixture("empty-dir") }));
    expect(err.code).toBe("EDECODE");
    expect(err.path).toMatch(/uio0\/name$/);
  });

  it("rejects a garbage event count with the file and its text", async () => {
    const err = await rejection(listDevices({ sysfsRoot: sysfsFixture("garbage-event") }));
    expect(err).toMatchObject({ code: "EDECODE", value: "lots" });
    expect(err.path).toMatch(/uio0\/event$/);
  });

  it("rejects sizes that a JS number cannot hold exactly", async () => {
    const dir = join(scratch.dir, "class/uio/uio0");
    await mkdir(join(dir, "maps/map0"), { recursive: true });
    await writeFile(join(dir, "name"), "big\n");
    await writeFile(join(dir, "version"), "1\n");
    await writeFile(join(dir, "event"), "0\n");
    await writeFile(join(dir, "maps/map0/addr"), "0xffffffffffffffff\n");
    await writeFile(join(dir, "maps/map0/size"), "0x40000000000000\n");
    await writeFile(join(dir, "maps/map0/offset"), "0x0\n");
    const err = await rejection(listDevices({ sysfsRoot: scratch.dir }));
    expect(err).toMatchObject({ code: "EDECODE", value: "0x40000000000000" });
  });
});

describe("readDeviceInfo", () => {
  it("throws ENODEV for an absent index and lists what exists", async () => {
    const err = await rejection(readDeviceInfo(7, lab));
    expect(err.code).toBe("ENODEV");
    expect(err.message).toContain("uio7");
    expect(err.message).toContain("uio0 (uio_pci_generic), uio1 (fpga-dma), uio2 (uio_pio)");
  });

  it("throws ENODEV for an unknown name and says how to get a device when none exist", async () => {
    const { dir, cleanup } = await scratchDir();
    try {
      const err = await rejection(readDeviceInfo({ name: "uio_edu" }, { sysfsRoot: dir }));
      expect(err.code).toBe("ENODEV");
      expect(err.message).toContain('"uio_edu"');
      expect(err.message).toContain("modprobe");
    } finally {
      await cleanup();
    }
  });

  it("finds a device by name even when another device is broken", async () => {
    const { dir, cleanup } = await scratchDir();
    try {
      const good = join(dir, "class/uio/uio1");
      await mkdir(good, { recursive: true });
      await mkdir(join(dir, "class/uio/uio0"));
      await writeFile(join(dir, "class/uio/uio0/name"), "broken\n");
      await writeFile(join(good, "name"), "good\n");
      await writeFile(join(good, "version"), "1\n");
      await writeFile(join(good, "event"), "3\n");
      expect((await readDeviceInfo("good", { sysfsRoot: dir })).event).toBe(3);
    } finally {
      await cleanup();
    }
  });

  it("refuses an ambiguous name and suggests the indexes", async () => {
    const { dir, cleanup } = await scratchDir();
    try {
      for (const n of [0, 1]) {
        const d = join(dir, `class/uio/uio${n}`);
        await mkdir(d, { recursive: true });
        await writeFile(join(d, "name"), "uio_pci_generic\n");
      }
      const err = await rejection(readDeviceInfo("uio_pci_generic", { sysfsRoot: dir }));
      expect(err.code).toBe("EINVAL");
      expect(err.message).toContain("uio0, uio1");
    } finally {
      await cleanup();
    }
  });
});
