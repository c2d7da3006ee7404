import { readFile, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listDevices } from "../../src/devices/sysfs/discovery.js";
import { UioDevice } from "../../src/devices/uio-device.js";
import { pageSize } from "../../src/native/binding.js";
import { makeDevRoot, scratchDir, sysfsFixture } from "../fixtures/sysfs-roots.js";
import { thrown, rejection } from "../rxuio-error-assertions.js";

/**
 * UioDevice over the real native mechanisms, with regular files standing in
 * for /dev/uioN (laid out as the kernel lays out the mmap space), so the map
 * index → file offset and in-page offset arithmetic is checked end to end.
 */
const sysfsRoot = sysfsFixture("lab");

describe("UioDevice on native regions over device-shaped files", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let devRoot: string;
  beforeEach(async () => {
    scratch = await scratchDir();
    devRoot = await makeDevRoot(scratch.dir, await listDevices({ sysfsRoot }), pageSize());
  });
  afterEach(() => scratch.cleanup());

  it("maps map N at N * pagesize and applies the in-page offset", async () => {
    await using dev = await UioDevice.open("fpga-dma", { sysfsRoot, devRoot });
    // makeDevRoot fills map m's byte i with (m * 0x40 + i) & 0xff.
    expect(dev.region(0).read8(0)).toBe(0x00);
    expect(dev.region(0).read32(4)).toBe(0x07060504);
    expect(dev.region("mailbox").read8(0)).toBe(0x40);
    expect(dev.region("mailbox").read16(2)).toBe(0x4342);
    expect(dev.region(1).size).toBe(0x200);
    expect(dev.region(2).read8(1)).toBe(0x81);
  });

  it("writes land in the device file at the region's place", async () => {
    const dev = await UioDevice.open(1, { sysfsRoot, devRoot });
    dev.region(1).write32(8, 0xcafef00d);
    dev.close();
    const file = await readFile(join(devRoot, "uio1"));
    expect(file.readUInt32LE(pageSize() + 0x100 + 8)).toBe(0xcafef00d);
  });

  it("refuses writes to a device opened readOnly with EACCES", async () => {
    await using dev = await UioDevice.open(1, { sysfsRoot, devRoot, readOnly: true });
    expect(dev.region(1).read8(0)).toBe(0x40);
    expect(thrown(() => dev.region(1).write8(0, 1)).code).toBe("EACCES");
  });

  it("refuses offsets past the map with ERANGE and misaligned ones with EALIGN", async () => {
    await using dev = await UioDevice.open(1, { sysfsRoot, devRoot });
    const mailbox = dev.region(1);
    expect(thrown(() => mailbox.read32(0x200)).code).toBe("ERANGE");
    expect(thrown(() => mailbox.read32(0x1fe)).code).toBe("ERANGE");
    expect(thrown(() => mailbox.read32(2)).code).toBe("EALIGN");
    expect(thrown(() => mailbox.write64(4, 1n)).code).toBe("EALIGN");
  });

  it("makes regions obtained before close throw ECLOSED afterwards", async () => {
    const dev = await UioDevice.open(0, { sysfsRoot, devRoot });
    const bar0 = dev.region(0);
    const view = bar0.view();
    dev.close();
    expect(bar0.closed).toBe(true);
    expect(thrown(() => bar0.read32(0)).code).toBe("ECLOSED");
    expect(thrown(() => bar0.write8(0, 1)).code).toBe("ECLOSED");
    if (!bar0.viewIsCopy) expect(view.byteLength).toBe(0);
  });

  it("throws EACCES with the udev advice when the device node cannot be opened", async () => {
    // A write-only sysfs attribute refuses read opens even to root, as
    // /dev/uioN does for a user outside its group.
    await rm(join(devRoot, "uio1"));
    await symlink("/sys/bus/platform/drivers_probe", join(devRoot, "uio1"));
    const err = await rejection(UioDevice.open(1, { sysfsRoot, devRoot }));
    expect(err.code).toBe("EACCES");
    expect(err.path).toBe(join(devRoot, "uio1"));
    expect(err.message).toContain('SUBSYSTEM=="uio", GROUP="uio", MODE="0660"');
  });

  it("throws ENODEV when sysfs lists the device but its node is missing", async () => {
    await rm(join(devRoot, "uio2"));
    const err = await rejection(UioDevice.open(2, { sysfsRoot, devRoot }));
    expect(err.code).toBe("ENODEV");
    expect(err.message).toContain(join(devRoot, "uio2"));
  });
});
