import assert from "node:assert/strict";
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineGuestSuite } from "../runner/guest-suite.js";

/**
 * The harness proving itself with plain node fs — no rxuio code — so a broken
 * lab is told apart from a broken library: edu bound to uio_pci_generic shows
 * up in sysfs and /dev, pci-testdev was added by an extra -device, an extra
 * module was loaded with its parameters, and the QEMU monitor answers (and
 * hot-unplugs edu on request, as the fault tests of kmod/ need).
 */
const uio0 = "/sys/class/uio/uio0";

/** An attribute of a PCI device, or undefined when the device went away meanwhile (hot-unplug). */
function pciAttribute(bdf: string, name: string): string | undefined {
  try {
    return readFileSync(`/sys/bus/pci/devices/${bdf}/${name}`, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function pciDevices(vendor: string, device: string): string[] {
  return readdirSync("/sys/bus/pci/devices").filter(
    (bdf) => pciAttribute(bdf, "vendor") === vendor && pciAttribute(bdf, "device") === device,
  );
}

export default defineGuestSuite({
  "edu is a uio_pci_generic device in sysfs": () => {
    assert.equal(readFileSync(`${uio0}/name`, "utf8").trim(), "uio_pci_generic");
    assert.equal(readFileSync(`${uio0}/version`, "utf8").trim(), "0.01.0");
    assert.equal(Number(readFileSync(`${uio0}/maps/map0/size`, "utf8").trim()), 0x100000);
  },

  "/dev/uio0 follows the UIO read ABI (4 bytes only, EAGAIN when nothing is pending)": () => {
    const fd = openSync("/dev/uio0", constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      assert.throws(() => readSync(fd, Buffer.alloc(3)), { code: "EINVAL" });
      assert.throws(() => readSync(fd, Buffer.alloc(4)), { code: "EAGAIN" });
    } finally {
      closeSync(fd);
    }
  },

  "the guest has a writable TMPDIR on the run's share": () => {
    const file = join(tmpdir(), "probe.txt");
    writeFileSync(file, "ok");
    assert.equal(readFileSync(file, "utf8"), "ok");
    assert.throws(
      () => writeFileSync("/etc/rxuio-probe", "x"),
      { code: "EROFS" },
      "the host root is read-only",
    );
  },

  "an extra -device (pci-testdev) is on the PCI bus": () => {
    assert.equal(pciDevices("0x1b36", "0x0005").length, 1);
  },

  "an extra module was loaded with its parameters": () => {
    // dummy's numdummies is not visible in sysfs; its effect is.
    assert.ok(existsSync("/sys/module/dummy"), "dummy is loaded");
    const dummies = readdirSync("/sys/class/net").filter((dev) => dev.startsWith("dummy"));
    assert.deepEqual(dummies.sort(), ["dummy0", "dummy1", "dummy2"]);
  },

  "the host runs QEMU monitor commands on request": async (t) => {
    const output = await t.monitor("info pci");
    assert.match(output, /Vendor ID: 1234 Device ID: 11e8|1234:11e8/i);
    t.log(`monitor answered with ${output.length} bytes`);
  },

  "device_del through the monitor hot-unplugs edu while /dev/uio0 is open": async (t) => {
    const fd = openSync("/dev/uio0", constants.O_RDONLY | constants.O_NONBLOCK);
    t.defer(() => closeSync(fd));
    await t.monitor("device_del edu0");
    // ACPI hot-unplug is asynchronous: the uio node goes first, the PCI device after.
    const deadline = Date.now() + 10_000;
    while (existsSync(uio0) || pciDevices("0x1234", "0x11e8").length > 0) {
      assert.ok(Date.now() < deadline, "edu still present 10 s after device_del");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  },
});
