import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listDevices } from "../../src/devices/sysfs/discovery.js";
import { pageSize } from "../../src/native/binding.js";
import { makeDevRoot, scratchDir, sysfsFixture } from "../fixtures/sysfs-roots.js";
import { runCli } from "./run-cli.js";

const sysfsRoot = sysfsFixture("lab");

describe("rxuio peek and poke on device-shaped files", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let roots: string[];
  beforeEach(async () => {
    scratch = await scratchDir();
    const devRoot = await makeDevRoot(scratch.dir, await listDevices({ sysfsRoot }), pageSize());
    roots = ["--sysfs-root", sysfsRoot, "--dev-root", devRoot];
  });
  afterEach(() => scratch.cleanup());

  it("peeks a 32-bit register by default, in hex like devmem2", async () => {
    // makeDevRoot fills map m's byte i with (m * 0x40 + i) & 0xff.
    const { status, out } = await runCli(...roots, "peek", "fpga-dma", "mailbox", "0x4");
    expect(status).toBe(0);
    expect(out).toBe("0x00000004: 0x47464544\n");
  });

  it("peeks several registers of each width", async () => {
    expect(
      (await runCli(...roots, "peek", "uio1", "0", "2", "--width", "8", "--count", "3")).out,
    ).toBe("0x00000002: 0x02\n0x00000003: 0x03\n0x00000004: 0x04\n");
    expect((await runCli(...roots, "peek", "1", "1", "0", "-w", "16", "-c", "2")).out).toBe(
      "0x00000000: 0x4140\n0x00000002: 0x4342\n",
    );
    expect((await runCli(...roots, "peek", "1", "2", "8", "--width", "64")).out).toBe(
      "0x00000008: 0x8f8e8d8c8b8a8988\n",
    );
  });

  it("pokes a value, reads it back, and it lands in the map", async () => {
    const { status, out } = await runCli(...roots, "poke", "1", "mailbox", "0x10", "0xcafef00d");
    expect(status).toBe(0);
    expect(out).toBe("0x00000010: wrote 0xcafef00d, readback 0xcafef00d\n");
    const file = await readFile(join(roots[3] ?? "", "uio1"));
    expect(file.readUInt32LE(pageSize() + 0x100 + 0x10)).toBe(0xcafef00d);
  });

  it("pokes decimal and 64-bit values, with --no-readback for registers that must not be read", async () => {
    expect(
      (await runCli(...roots, "poke", "1", "0", "8", "255", "--width", "8", "--no-readback")).out,
    ).toBe("0x00000008: wrote 0xff\n");
    expect(
      (await runCli(...roots, "poke", "1", "0", "16", "0x0123456789abcdef", "-w", "64")).out,
    ).toBe("0x00000010: wrote 0x0123456789abcdef, readback 0x0123456789abcdef\n");
  });

  it("exits 5 for an offset past the map or a misaligned offset", async () => {
    const past = await runCli(...roots, "peek", "1", "mailbox", "0x200");
    expect(past.status).toBe(5);
    expect(past.err).toMatch(/^rxuio: .*\[ERANGE\]\n$/);
    const misaligned = await runCli(...roots, "peek", "1", "mailbox", "0x2");
    expect(misaligned.status).toBe(5);
    expect(misaligned.err).toMatch(/\[EALIGN\]\n$/);
  });

  it("exits 5 listing the maps for an unknown map", async () => {
    const { status, err } = await runCli(...roots, "peek", "1", "dma", "0");
    expect(status).toBe(5);
    expect(err).toBe(
      'rxuio: uio1 (fpga-dma) has no map "dma". Its maps are: 0 (regs), 1 (mailbox), 2 [ERANGE]\n',
    );
  });

  it("refuses values that do not fit the width, and text that is not a number", async () => {
    const wide = await runCli(...roots, "poke", "1", "0", "0", "0x100", "--width", "8");
    expect(wide.status).toBe(5);
    expect(wide.err).toContain("0x100 does not fit in 8 bits");
    const text = await runCli(...roots, "poke", "1", "0", "0", "ten");
    expect(text.status).toBe(2);
    expect(text.err).toBe(
      'rxuio: The value must be a number (hex like 0x24, or decimal), got "ten" [EINVAL]\n',
    );
  });

  it("exits 4 with the udev advice when the device cannot be opened", async () => {
    const { rm, symlink } = await import("node:fs/promises");
    const node = join(roots[3] ?? "", "uio0");
    await rm(node);
    await symlink("/sys/bus/platform/drivers_probe", node);
    const { status, err } = await runCli(...roots, "peek", "0", "0", "0");
    expect(status).toBe(4);
    expect(err).toContain(`Permission denied opening ${node}`);
    expect(err).toContain('SUBSYSTEM=="uio", GROUP="uio", MODE="0660"');
    expect(err).toMatch(/\[EACCES\]\n$/);
  });
});
