import { VirtualTimeScheduler, take, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import {
  demoFrames,
  formatDemoFrame,
  formatDemoLine,
  sparkline,
  summarize,
  type DemoFrame,
} from "../../src/cli/commands/demo.js";
import { adc } from "../../src/devices/sim/adc.js";
import { simulate } from "../../src/devices/sim/simulate.js";
import { runCli } from "./run-cli.js";

describe("rxuio demo", () => {
  it("prints the summary as one JSON object with --json", async () => {
    const { status, out, err } = await runCli("demo", "--duration", "0.4", "--json");
    expect(err).toBe("");
    expect(status).toBe(0);
    const summary = JSON.parse(out) as Record<string, number>;
    expect(Object.keys(summary).sort()).toEqual(["interrupts", "missed", "rate", "samples"]);
    expect(summary["samples"]).toBeGreaterThan(0);
    expect(summary["interrupts"]).toBeGreaterThan(0);
    expect(summary["missed"]).toBeGreaterThanOrEqual(0);
    expect(out.trim().split("\n")).toHaveLength(1);
  });

  it("prints plain lines when stdout is not a terminal, then a summary", async () => {
    const { status, out } = await runCli(
      "demo",
      "--duration",
      "0.3",
      "--rate",
      "1000",
      "--watermark",
      "10",
    );
    expect(status).toBe(0);
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^t=0\.3s samples=\d+ interrupts=\d+ missed=\d+ lost=\d+ irq\/s=/);
    expect(lines.at(-1)).toMatch(
      /^summary: \d+ samples, \d+ interrupts, \d+ missed, [\d.]+ IRQ\/s$/,
    );
    expect(out).not.toContain("\x1b[");
  });

  it("rejects a duration that is not a positive number", async () => {
    const { status, err } = await runCli("demo", "--duration", "soon");
    expect(status).toBe(2);
    expect(err).toMatch(/--duration must be a positive number/);
  });
});

describe("demo view", () => {
  const options = { sampleRate: 1000, watermark: 10, frameMs: 100 };

  it("folds the pipeline into frames under virtual time", () => {
    const scheduler = new VirtualTimeScheduler();
    const device = simulate({ behaviour: adc({ rate: 1000 }), scheduler });
    const frames: DemoFrame[] = [];
    demoFrames(device, { ...options, scheduler })
      .pipe(take(10), toArray())
      .subscribe((f) => frames.push(...f));
    scheduler.flush();
    device.close();
    const last = frames.at(-1);
    expect(frames).toHaveLength(10);
    expect(last?.elapsed).toBe(1);
    // The frame at 1 s is taken just before the ADC's tick of that same instant.
    expect(last?.samples).toBe(990);
    expect(last?.interrupts).toBe(99);
    expect(last?.missed).toBe(0);
    expect(last?.irqRate).toBeCloseTo(100, -1);
    expect(last?.recent).toHaveLength(256);
    expect(summarize(last, 1)).toEqual({ samples: 990, interrupts: 99, missed: 0, rate: 99 });
  });

  it("renders a sparkline, the terminal frame and the plain line", () => {
    expect(sparkline([-1, 0, 1])).toBe("▁▅█");
    expect(
      sparkline(
        Array.from({ length: 500 }, () => 0),
        10,
      ),
    ).toHaveLength(10);
    const frame: DemoFrame = {
      elapsed: 1.5,
      samples: 3000,
      interrupts: 94,
      missed: 2,
      lost: 0,
      irqRate: 62.5,
      recent: [0, 0.5],
    };
    const text = formatDemoFrame(frame, options);
    expect(text).toContain("IRQ rate 62.5/s   interrupts 94   missed 2");
    expect(text).toContain("onInterrupt [count, status] → ack(status)");
    expect(formatDemoLine(frame)).toBe(
      "t=1.5s samples=3000 interrupts=94 missed=2 lost=0 irq/s=62.5",
    );
    expect(summarize(undefined, 1)).toEqual({ samples: 0, interrupts: 0, missed: 0, rate: 0 });
  });
});
