import { describe, expect, it } from "vitest";
import { scratchDir, sysfsFixture } from "../fixtures/sysfs-roots.js";
import { runCli } from "./run-cli.js";

const lab = sysfsFixture("lab");

describe("rxuio list", () => {
  it("shows each device like lsuio, with maps and port ranges", async () => {
    const { status, out, err } = await runCli("--sysfs-root", lab, "list");
    expect(err).toBe("");
    expect(status).toBe(0);
    expect(out).toBe(
      [
        "uio0: name=uio_pci_generic, version=0.01.0, events=0, driver=uio_pci_generic",
        "\tmap[0]: name=0000:00:04.0, addr=0xfea00000, size=0x100000 (1048576), offset=0x0",
        "uio1: name=fpga-dma, version=devicetree, events=42, driver=uio_pdrv_genirq",
        "\tmap[0]: name=regs, addr=0x43c00000, size=0x10000 (65536), offset=0x0",
        "\tmap[1]: name=mailbox, addr=0x43c21100, size=0x200 (512), offset=0x100",
        "\tmap[2]: addr=0x3f000000, size=0x2000 (8192), offset=0x0",
        "uio2: name=uio_pio, version=0.1, events=7",
        "\tmap[0]: name=bar0, addr=0xfebf1000, size=0x1000 (4096), offset=0x0",
        "\tport[0]: name=testdev-io, start=0xc000, size=0x100 (256), type=port_x86",
        "\tport[1]: name=gpio-bank, start=0x40, size=0x8 (8), type=port_gpio",
        "",
      ].join("\n"),
    );
  });

  it("prints JSON with addresses as hex strings (global options may follow the command)", async () => {
    const { status, out } = await runCli("list", "--json", "--sysfs-root", lab);
    expect(status).toBe(0);
    const devices = JSON.parse(out) as { name: string; maps: { addr: string; offset: number }[] }[];
    expect(devices.map((d) => d.name)).toEqual(["uio_pci_generic", "fpga-dma", "uio_pio"]);
    expect(devices[1]?.maps[1]).toEqual({
      index: 1,
      name: "mailbox",
      addr: "0x43c21100",
      size: 512,
      offset: 256,
    });
  });

  it("says so when there are no devices", async () => {
    const { dir, cleanup } = await scratchDir();
    try {
      const { status, out } = await runCli("--sysfs-root", dir, "list");
      expect(status).toBe(0);
      expect(out).toBe(`No UIO devices under ${dir}/class/uio\n`);
      expect(JSON.parse((await runCli("--sysfs-root", dir, "list", "--json")).out)).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it("reports a malformed tree in one line with the code and exit status 7, no stack", async () => {
    const root = sysfsFixture("malformed-size");
    const { status, out, err } = await runCli("--sysfs-root", root, "list");
    expect(status).toBe(7);
    expect(out).toBe("");
    expect(err).toBe(
      `rxuio: Malformed sysfs attribute ${root}/class/uio/uio0/maps/map0/size: "0x1g000" ` +
        `(Expecting HexNumber at size but instead got: "0x1g000"). ` +
        "Expected the kernel's UIO format; a different kernel or a broken driver may have written it [EDECODE]\n",
    );
  });

  it("adds the stack with --debug", async () => {
    const { status, err } = await runCli(
      "--debug",
      "--sysfs-root",
      sysfsFixture("garbage-event"),
      "list",
    );
    expect(status).toBe(7);
    expect(err.split("\n")[0]).toMatch(/^rxuio: Malformed sysfs attribute .*event.*\[EDECODE\]$/);
    expect(err).toContain("RxuioError: Malformed sysfs attribute");
    expect(err).toMatch(/\n\s+at /);
  });
});
