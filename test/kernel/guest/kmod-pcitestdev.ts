import assert from "node:assert/strict";
import { listDevices } from "../../../src/devices/sysfs/discovery.js";
import { UioDevice } from "../../../src/devices/uio-device.js";
import type { PortRegion } from "../../../src/devices/uio-io.js";
import { isRxuioError } from "../../../src/errors.js";
import type { GuestSuite, GuestTestContext } from "./runner/guest-suite.js";

/**
 * kmod/uio_pcitestdev.c on QEMU's pci-testdev: BAR1 (I/O ports) as UIO port
 * region 0, BAR0 (MMIO) as map 0, no interrupt. The device answers: writing
 * a test index to byte 0 selects a test and zeroes its count, the BAR then
 * reads as a header, and each write of the test's data byte at the test's
 * offset counts (hw/misc/pci-testdev.c in QEMU).
 */
const HEADER = { test: 0, width: 1, offset: 4, data: 8, count: 12, name: 16 } as const;
/** pci-testdev numbers its tests per BAR: mmio 0..2, then portio 3..5. */
const PORTIO_NO_EVENTFD = 3;

async function openTestdev(t: GuestTestContext): Promise<UioDevice> {
  const dev = await UioDevice.open("uio_pcitestdev");
  t.defer(() => dev.close());
  return dev;
}

function portName(ports: PortRegion): string {
  let name = "";
  for (let i = HEADER.name; i < 64; i++) {
    const byte = ports.inb(i);
    if (byte === 0) break;
    name += String.fromCharCode(byte);
  }
  return name;
}

export const pcitestdevTests: GuestSuite = {
  "uio_pcitestdev: listDevices() shows the I/O BAR as port 0 and the MMIO BAR as map 0":
    async () => {
      const testdev = (await listDevices()).find((device) => device.name === "uio_pcitestdev");
      assert.ok(testdev, "uio_pcitestdev is listed");
      assert.equal(testdev.version, "0.1.0");
      assert.equal(testdev.ports.length, 1);
      const port = testdev.ports[0];
      assert.ok(port);
      assert.deepEqual(
        { index: port.index, name: port.name, size: port.size, porttype: port.porttype },
        { index: 0, name: "portio", size: 256, porttype: "port_x86" },
      );
      assert.ok(
        port.start > 0 && port.start % 256 === 0,
        `port start 0x${port.start.toString(16)}`,
      );
      assert.deepEqual(
        testdev.maps.map(({ index, name, size, offset }) => ({ index, name, size, offset })),
        [{ index: 0, name: "mmio", size: 4096, offset: 0 }],
      );
    },

  "uio_pcitestdev: out/in on port 0 make the device count, and only matching writes count": async (
    t,
  ) => {
    const ports = (await openTestdev(t)).ports(0);
    ports.outb(HEADER.test, 0);
    assert.equal(ports.inb(HEADER.test), PORTIO_NO_EVENTFD);
    assert.equal(portName(ports), "portio-no-eventfd");
    assert.equal(ports.inb(HEADER.width), 1);
    const offset = ports.inl(HEADER.offset);
    const data = ports.inb(HEADER.data);
    assert.deepEqual({ offset, data }, { offset: 0x83, data: 0xfa });
    assert.equal(ports.inl(HEADER.count), 0);
    for (let i = 0; i < 3; i++) ports.outb(offset, data);
    ports.outb(offset, data ^ 0xff); // wrong data: not counted
    assert.equal(ports.inl(HEADER.count), 3);
    ports.outb(HEADER.test, 0); // selecting the test again resets its count
    assert.equal(ports.inl(HEADER.count), 0);
  },

  "uio_pcitestdev: the MMIO BAR answers the same protocol through region 0": async (t) => {
    const mmio = (await openTestdev(t)).region("mmio");
    mmio.write8(HEADER.test, 0);
    assert.equal(mmio.read8(HEADER.test), 0);
    const offset = mmio.read32(HEADER.offset);
    const data = mmio.read8(HEADER.data);
    assert.deepEqual({ offset, data }, { offset: 0x800, data: 0xfa });
    mmio.write8(offset, data);
    mmio.write8(offset, data);
    assert.equal(mmio.read32(HEADER.count), 2);
  },

  "uio_pcitestdev: a device without an IRQ refuses event watches with ENOSYS": async (t) => {
    const dev = await openTestdev(t);
    assert.equal(dev.events.hasIrq, false);
    assert.throws(
      () => dev.events.watch({ next: () => {}, error: () => {} }),
      (err: unknown) => isRxuioError(err, "ENOSYS"),
    );
  },
};
