import { VirtualTimeScheduler } from "rxjs";
import { describe, expect, it } from "vitest";
import { adcAcquisition, type AcquisitionBlock } from "../../src/drivers/adc-acquisition.js";
import { adc } from "../../src/devices/sim/adc.js";
import { simulate } from "../../src/devices/sim/simulate.js";
import { simAdcRegisters } from "../../src/devices/registers/maps/sim-adc.js";

function run(
  options: Parameters<typeof adc>[0],
  wakeLatency: number,
  until: number,
  watermark = 16,
) {
  const scheduler = new VirtualTimeScheduler();
  const dev = simulate({ behaviour: adc(options), scheduler, wakeLatency });
  const blocks: AcquisitionBlock[] = [];
  const subscription = adcAcquisition(dev, { watermark }).subscribe((b) => blocks.push(b));
  scheduler.schedule(() => subscription.unsubscribe(), until);
  scheduler.flush();
  return { dev, blocks };
}

describe("adcAcquisition on the simulated ADC", () => {
  it("delivers contiguous decoded blocks, one per watermark, and stops on unsubscribe", () => {
    const { dev, blocks } = run({ rate: 1000, waveform: (t) => (t < 0.05 ? 0.5 : -0.25) }, 0, 100);
    expect(blocks).toHaveLength(6);
    expect(blocks.map((b) => b.first)).toEqual([0, 16, 32, 48, 64, 80]);
    expect(blocks.every((b) => b.samples.length === 16 && b.lost === 0)).toBe(true);
    expect(blocks.every((b) => b.interrupt.missed === 0)).toBe(true);
    expect(blocks[0]?.samples[0]).toBeCloseTo(0.5, 3);
    expect(blocks[5]?.samples[15]).toBeCloseTo(-0.25, 3);
    const regs = simAdcRegisters.bind(dev.region(0));
    expect(regs.ctrl.fields.run.read()).toBe(0);
    expect(regs.status.read()).toBe(0); // every status bit seen was acked
  });

  it("reports missed interrupts and samples lost to a small ring when the consumer is slow", () => {
    const { blocks } = run({ rate: 1000, slots: 64 }, 100, 600, 8);
    const lost = blocks.reduce((n, b) => n + b.lost, 0);
    const read = blocks.reduce((n, b) => n + b.samples.length, 0);
    const missed = blocks.reduce((n, b) => n + b.interrupt.missed, 0);
    expect(missed).toBeGreaterThan(0);
    expect(lost).toBeGreaterThan(0);
    const last = blocks.at(-1);
    // Nothing vanishes silently: every sample produced was either read or counted lost.
    expect(read + lost).toBe(last ? last.first + last.samples.length : 0);
    expect(blocks.every((b) => b.samples.length <= 64)).toBe(true);
  });

  it("decodes the default waveform within [-1, 1)", () => {
    const { blocks } = run({ rate: 2000 }, 0, 50);
    const samples = blocks.flatMap((b) => b.samples);
    expect(samples.length).toBe(96);
    expect(Math.max(...samples)).toBeLessThan(1);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(-1);
    expect(new Set(samples).size).toBeGreaterThan(10);
  });
});
