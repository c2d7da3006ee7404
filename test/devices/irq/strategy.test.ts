import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RxuioError } from "../../../src/errors.js";
import { readDeviceInfo } from "../../../src/devices/sysfs/discovery.js";
import type { UioInfo } from "../../../src/devices/sysfs/info.js";
import { chooseIrqControl } from "../../../src/devices/irq/strategy.js";
import { PciIntx } from "../../../src/devices/irq/pci-intx.js";
import { IrqcontrolWrite } from "../../../src/devices/irq/irqcontrol-write.js";
import { NoIrqControl } from "../../../src/devices/irq/no-irq-control.js";
import { copyOfFixture, scratchDir, sysfsFixture } from "../../fixtures/sysfs-roots.js";
import { thrown } from "../../rxuio-error-assertions.js";

/** Records irqcontrol writes, or refuses them like a driver without irqcontrol. */
class RecordingWriter {
  readonly written: number[] = [];
  constructor(private readonly refuse = false) {}
  write(value: number): void {
    if (this.refuse)
      throw new RxuioError("ENOSYS", "write: Function not implemented", { errno: "ENOSYS" });
    this.written.push(value);
  }
}

describe("chooseIrqControl", () => {
  const lab = { sysfsRoot: sysfsFixture("lab") };

  it('"auto" picks pci-intx for uio_pci_generic and irqcontrol for other drivers', async () => {
    const edu = await readDeviceInfo(0, lab);
    const platform = await readDeviceInfo(1, lab);
    expect(chooseIrqControl("auto", edu, new RecordingWriter()).strategy).toBe("pci-intx");
    expect(chooseIrqControl("auto", platform, new RecordingWriter()).strategy).toBe("irqcontrol");
  });

  it("refuses an unknown choice from untyped callers", async () => {
    const edu = await readDeviceInfo(0, lab);
    const choice = "intx" as unknown as "none";
    const err = thrown(() => chooseIrqControl(choice, edu, new RecordingWriter()));
    expect(err.code).toBe("EINVAL");
    expect(err.message).toContain('Unknown irqControl "intx"');
  });

  it("honours an explicit choice", async () => {
    const edu = await readDeviceInfo(0, lab);
    expect(chooseIrqControl("irqcontrol", edu, new RecordingWriter()).strategy).toBe("irqcontrol");
    expect(chooseIrqControl("none", edu, new RecordingWriter()).strategy).toBe("none");
  });
});

describe("pci-intx", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let edu: UioInfo;
  let config: string;
  beforeEach(async () => {
    scratch = await scratchDir();
    const root = await copyOfFixture("lab", scratch.dir);
    edu = await readDeviceInfo(0, { sysfsRoot: root });
    config = join(edu.sysfsPath, "device", "config");
  });
  afterEach(() => scratch.cleanup());

  it("sets bit 0x400 of the command register to mask and clears it to unmask, touching nothing else", async () => {
    const before = await readFile(config);
    const intx = chooseIrqControl("auto", edu, new RecordingWriter());

    intx.setEnabled(false);
    const masked = await readFile(config);
    expect(masked.readUInt16LE(4)).toBe(0x0503);
    expect(masked.subarray(0, 4)).toEqual(before.subarray(0, 4));
    expect(masked.subarray(6)).toEqual(before.subarray(6));

    intx.setEnabled(false);
    expect((await readFile(config)).readUInt16LE(4)).toBe(0x0503);

    intx.setEnabled(true);
    expect(await readFile(config)).toEqual(before);
    intx.close();
  });

  it("re-reads the command word each time, so bits the kernel changed meanwhile are kept", async () => {
    const intx = new PciIntx(config);
    intx.setEnabled(true);
    // The kernel masks INTx itself on each interrupt, and something else may
    // enable bus mastering; both must survive the next unmask.
    const { writeFile } = await import("node:fs/promises");
    const bytes = await readFile(config);
    bytes.writeUInt16LE(0x0507, 4);
    await writeFile(config, bytes);
    intx.setEnabled(true);
    expect((await readFile(config)).readUInt16LE(4)).toBe(0x0107);
    intx.close();
  });

  it("throws ECLOSED after close, and close is idempotent", () => {
    const intx = new PciIntx(config);
    intx.setEnabled(false);
    intx.close();
    intx.close();
    expect(thrown(() => intx.setEnabled(true)).code).toBe("ECLOSED");
  });

  it("throws EACCES with a way out when the config cannot be opened for writing", () => {
    // A read-only sysfs binary attribute refuses write opens even to root,
    // exactly as device/config does for an ordinary user.
    const err = thrown(() => new PciIntx("/sys/kernel/notes").setEnabled(true));
    expect(err.code).toBe("EACCES");
    expect(err.path).toBe("/sys/kernel/notes");
    expect(err.message).toContain("PCI command register");
    expect(err.hint).toMatch(/root/);
  });

  it("throws ENODEV when the device has no config file", () => {
    const err = thrown(() => new PciIntx(join(scratch.dir, "gone", "config")).setEnabled(true));
    expect(err.code).toBe("ENODEV");
  });

  it("throws EIO when the config file is too short to hold a command register", async () => {
    const { writeFile } = await import("node:fs/promises");
    const short = join(scratch.dir, "short-config");
    await writeFile(short, Buffer.from([0x34, 0x12]));
    const err = thrown(() => new PciIntx(short).setEnabled(true));
    expect(err.code).toBe("EIO");
    expect(err.message).toContain("shorter than a PCI configuration header");
  });
});

describe("irqcontrol", () => {
  it("writes 1 to unmask and 0 to mask", () => {
    const writer = new RecordingWriter();
    const irq = new IrqcontrolWrite(writer, "uio_edu");
    irq.setEnabled(true);
    irq.setEnabled(false);
    expect(writer.written).toEqual([1, 0]);
  });

  it("turns the driver's ENOSYS into advice to use pci-intx or none", () => {
    const irq = new IrqcontrolWrite(new RecordingWriter(true), "uio_pci_generic");
    const err = thrown(() => irq.setEnabled(true));
    expect(err.code).toBe("ENOSYS");
    expect(err.message).toContain("has no irqcontrol");
    expect(err.message).toContain('"pci-intx"');
  });

  it("throws ECLOSED after close without writing", () => {
    const writer = new RecordingWriter();
    const irq = new IrqcontrolWrite(writer, "uio_edu");
    irq.close();
    expect(thrown(() => irq.setEnabled(true)).code).toBe("ECLOSED");
    expect(writer.written).toEqual([]);
  });
});

describe("none", () => {
  it("refuses both directions with ENOSYS explaining there is no IRQ control", () => {
    const irq = new NoIrqControl("fpga-dma");
    for (const enabled of [true, false]) {
      const err = thrown(() => irq.setEnabled(enabled));
      expect(err.code).toBe("ENOSYS");
      expect(err.message).toContain("fpga-dma has no IRQ control");
    }
    irq.close();
    expect(thrown(() => irq.setEnabled(true)).code).toBe("ECLOSED");
  });
});
