import type { SchedulerAction, Subscription } from "rxjs";
import {
  ADC_STATUS_DATA_READY,
  ADC_STATUS_OVERRUN,
  ADC_STATUS_WATERMARK,
  simAdcRegisters,
} from "../registers/maps/sim-adc.js";
import type { SimBehaviour } from "./behaviour.js";

export interface AdcOptions {
  /** Samples per second (default 1000). */
  readonly rate?: number;
  /** Ring size in samples (default 1024). */
  readonly slots?: number;
  /** Signal at t seconds, in [-1, 1] (default a 5 Hz sine with a 37 Hz ripple). */
  readonly waveform?: (t: number) => number;
}

const defaultWaveform = (t: number): number =>
  0.8 * Math.sin(2 * Math.PI * 5 * t) + 0.15 * Math.sin(2 * Math.PI * 37 * t);

/**
 * A 12-bit ADC (see src/devices/registers/maps/sim-adc.ts for its map).
 * Writing ctrl.run starts sampling at `rate`; each sample goes to the ring
 * in region 1 as `le:s12/16>>4`, bumps `count` and sets DRDY; the edge IRQ
 * fires per sample or, in perWatermark mode, every `watermark` samples.
 * Samples are produced from elapsed time, so when the consumer (or the
 * whole JS thread) stalls, the catch-up raises several interrupts at once
 * and the consumer sees `missed`, as on real hardware.
 */
export function adc(options: AdcOptions = {}): SimBehaviour {
  const rate = options.rate ?? 1000;
  const slots = options.slots ?? 1024;
  const waveform = options.waveform ?? defaultWaveform;
  const at = simAdcRegisters.spec;
  return {
    name: "sim_adc",
    regions: [
      { name: "regs", size: 0x100 },
      { name: "samples", size: slots * 2 },
    ],
    irq: "edge",
    attach({ region, irq, clock }) {
      const regs = region(0);
      const ring = region(1);
      let ctrl = 0;
      let status = 0;
      let produced = 0;
      let startedAt = 0;
      let ticker: Subscription | undefined;
      regs.store(at.rate.offset, 32, rate);
      regs.store(at.slots.offset, 32, slots);
      regs.store(at.watermark.offset, 32, 16);

      const watermark = () => Math.max(1, Number(regs.load(at.watermark.offset, 32)));
      const perWatermark = () => (ctrl & 0b10) !== 0;

      const produce = (n: number) => {
        const raw = Math.max(-2048, Math.min(2047, Math.round(waveform(n / rate) * 2047)));
        const stored = (raw << 4) & 0xffff;
        ring.store((n % slots) * 2, 16, stored);
        regs.store(at.data.offset, 32, stored);
        regs.store(at.count.offset, 32, (n + 1) >>> 0);
        if (status & ADC_STATUS_DATA_READY) status |= ADC_STATUS_OVERRUN;
        status |= ADC_STATUS_DATA_READY;
        if (!perWatermark()) irq.pulse();
        else if ((n + 1) % watermark() === 0) {
          status |= ADC_STATUS_WATERMARK;
          irq.pulse();
        }
      };

      const tick = () => {
        const due = Math.floor(((clock.nowMs() - startedAt) * rate) / 1000);
        while (produced < due) produce(produced++);
      };

      const start = () => {
        startedAt = clock.nowMs() - (produced * 1000) / rate;
        // Tick at a quarter of the interrupt period: a late timer (real time
        // jitters by a few ms) then still raises each interrupt on its own,
        // and only a genuinely stalled thread folds several into one wake-up.
        const period = Math.max(1, ((perWatermark() ? watermark() : 1) * 1000) / rate / 4);
        ticker = clock.scheduler.schedule(function (this: SchedulerAction<undefined>) {
          tick();
          this.schedule(undefined, period);
        }, period);
      };
      const stop = () => {
        ticker?.unsubscribe();
        ticker = undefined;
      };

      regs.hook(at.ctrl.offset, {
        width: 32,
        read: () => ctrl,
        write: (v) => {
          const wasRunning = (ctrl & 1) !== 0;
          ctrl = Number(v) & 0b11;
          if (wasRunning) stop();
          if (ctrl & 1) start();
        },
      });
      regs.hook(at.status.offset, {
        width: 32,
        read: () => status,
        write: (v) => (status &= ~Number(v)),
      });
      return stop;
    },
  };
}
