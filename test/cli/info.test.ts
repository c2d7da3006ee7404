import { describe, expect, it } from "vitest";
import { sysfsFixture } from "../fixtures/sysfs-roots.js";
import { runCli } from "./run-cli.js";

const lab = sysfsFixture("lab");

describe("rxuio info", () => {
  it("finds a device by index, uioN or name", async () => {
    for (const dev of ["1", "uio1", "fpga-dma"]) {
      const { status, out } = await runCli(
        "--sysfs-root",
        lab,
        "--dev-root",
        "/dev-test",
        "info",
        dev,
      );
      expect(status).toBe(0);
      expect(out).toMatch(/^uio1: name=fpga-dma, version=devicetree, events=42/);
      expect(out).toContain("\tmap[1]: name=mailbox");
      expect(out).toContain("\tdevice: /dev-test/uio1\n");
      expect(out).toContain(`\tsysfs: ${lab}/class/uio/uio1\n`);
      expect(out).toContain("\tirq control: irqcontrol\n");
    }
  });

  it("shows that uio_pci_generic is re-armed through the PCI command register", async () => {
    const { out } = await runCli("--sysfs-root", lab, "info", "0");
    expect(out).toContain("\tirq control: pci-intx\n");
  });

  it("prints JSON", async () => {
    const { out } = await runCli("--sysfs-root", lab, "info", "uio0", "--json");
    expect(JSON.parse(out)).toMatchObject({ index: 0, driver: "uio_pci_generic", ports: [] });
  });

  it("exits 3 with the devices that exist when there is no such device", async () => {
    const { status, err } = await runCli("--sysfs-root", lab, "info", "uio_edu");
    expect(status).toBe(3);
    expect(err).toBe(
      `rxuio: No UIO device named "uio_edu" under ${lab}/class/uio. ` +
        "Present: uio0 (uio_pci_generic), uio1 (fpga-dma), uio2 (uio_pio) [ENODEV]\n",
    );
  });
});
