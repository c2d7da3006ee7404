import { VirtualTimeScheduler, take, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import {
  formatWatchFrame,
  formatWatchLine,
  parseRegisterOption,
  watchFrames,
  type WatchFrame,
} from "../../src/cli/commands/watch.js";
import { REGISTER_FILE, registerFile } from "../../src/devices/sim/register-file.js";
import { simulate } from "../../src/devices/sim/simulate.js";
import { runCli } from "./run-cli.js";

describe("watch --reg", () => {
  it("parses map:offset[:width]", () => {
    expect(parseRegisterOption("0:0x24")).toEqual({
      map: 0,
      offset: 0x24,
      width: 32,
      label: "0:0x24",
    });
    expect(parseRegisterOption("bar0:8:64")).toMatchObject({ map: "bar0", offset: 8, width: 64 });
  });

  it("refuses malformed specs with EINVAL", () => {
    expect(() => parseRegisterOption("0x24")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => parseRegisterOption("0:0x24:12")).toThrow(/width 12 is not 8, 16, 32 or 64/);
    expect(() => parseRegisterOption("0:zz")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});

describe("watch frames on the simulator", () => {
  it("shows registers, interrupt totals with missed, and the IRQ rate", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: registerFile(), scheduler });
    const bar = dev.region(0);
    const regs = [parseRegisterOption("0:0x00"), parseRegisterOption("regs:0x20:16")];
    // Three raises between wake-ups at 100 ms (one seen, two missed), one more at 300 ms.
    scheduler.schedule(() => {
      for (let i = 0; i < 3; i++) {
        bar.write32(REGISTER_FILE.set, 1);
        bar.write32(REGISTER_FILE.status, 1);
        dev.irq.setEnabled(true);
      }
      bar.write16(0x20, 0xbeef);
    }, 100);
    scheduler.schedule(() => bar.write32(REGISTER_FILE.set, 2), 300);
    const frames: WatchFrame[] = [];
    watchFrames(dev, regs, { frameMs: 250, scheduler })
      .pipe(take(6), toArray())
      .subscribe((f) => frames.push(...f));
    scheduler.flush();
    expect(frames.map((f) => f.elapsed)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect(frames[1]).toMatchObject({ interrupts: 3, missed: 2, values: [0, 0xbeef] });
    expect(frames[2]).toMatchObject({ interrupts: 4, missed: 2, values: [2, 0xbeef] });
    expect(frames[4]?.irqRate).toBe(4);
    expect(formatWatchLine(frames[2] as WatchFrame, regs)).toBe(
      "t=0.5s interrupts=4 missed=2 irq/s=0.0 0:0x00=0x00000002 regs:0x20:16=0xbeef",
    );
    expect(formatWatchFrame(frames[2] as WatchFrame, regs, "/dev/uio0")).toContain(
      "IRQ rate 0.0/s   interrupts 4   missed 2",
    );
    dev.close();
  });

  it("errors with ENODEV when the device is unplugged while watched", () => {
    const scheduler = new VirtualTimeScheduler();
    const dev = simulate({ behaviour: registerFile(), scheduler });
    const codes: string[] = [];
    watchFrames(dev, [], { frameMs: 100, scheduler }).subscribe({
      error: (e: { code: string }) => codes.push(e.code),
    });
    scheduler.schedule(() => dev.unplug(), 150);
    scheduler.flush();
    expect(codes).toEqual(["ENODEV"]);
  });
});

describe("rxuio watch", () => {
  it("reports a device that does not exist with ENODEV's exit status", async () => {
    const { status, err } = await runCli(
      "--sysfs-root",
      "test/fixtures/sysfs/lab",
      "watch",
      "uio9",
    );
    expect(status).toBe(3);
    expect(err).toMatch(/^rxuio: .*\[ENODEV\]/);
  });

  it("refuses a malformed --reg before opening anything", async () => {
    const { status, err } = await runCli("watch", "0", "--reg", "nonsense");
    expect(status).toBe(2);
    expect(err).toContain("is not map:offset[:width]");
  });
});
