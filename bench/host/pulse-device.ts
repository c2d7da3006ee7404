import { queueScheduler } from "rxjs";
import type { SimBehaviour } from "../../src/devices/sim/behaviour.js";
import { simulate, type SimDevice } from "../../src/devices/sim/simulate.js";

/**
 * A simulated device for stream-overhead benchmarks: one 32-bit data
 * register at offset 0 and an edge-triggered line. `fire(value)` stores the
 * value and pulses the line. On queueScheduler with no wake latency the
 * wake-up runs synchronously inside fire() (inline, no scheduler action:
 * see src/devices/sim/inline-wakes.ts), so each call is exactly one event
 * through the whole stream, and the benchmark times the stream, not a
 * timer.
 */
export interface PulseDevice {
  readonly device: SimDevice;
  fire(value: number): void;
}

export const DATA_REGISTER = { region: 0, offset: 0, width: 32 } as const;

export function pulseDevice(): PulseDevice {
  let fire: (value: number) => void = () => {
    throw new Error("the pulse device is not attached");
  };
  const behaviour: SimBehaviour = {
    name: "bench_pulse",
    regions: [{ name: "regs", size: 0x100 }],
    irq: "edge",
    attach({ region, irq }) {
      const regs = region(0);
      fire = (value) => {
        regs.memory.setUint32(0, value, true);
        irq.pulse();
      };
      return () => undefined;
    },
  };
  const device = simulate({ behaviour, scheduler: queueScheduler });
  return { device, fire: (value) => fire(value) };
}
