import { TestScheduler } from "rxjs/testing";
import { expect } from "vitest";
import type { SimBehaviour, SimContext } from "../../src/devices/sim/behaviour.js";

/** A TestScheduler whose assertions are vitest's deep equality. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** An edge-triggered simulated device whose line the test pulses directly. */
export function pulser(): { behaviour: SimBehaviour; pulse(): void; context(): SimContext } {
  let ctx: SimContext | undefined;
  const context = () => {
    if (!ctx) throw new Error("pulser is not attached to a device");
    return ctx;
  };
  return {
    behaviour: {
      name: "pulser",
      regions: [{ name: "regs", size: 16 }],
      irq: "edge",
      attach(c) {
        ctx = c;
        return () => undefined;
      },
    },
    pulse: () => context().irq.pulse(),
    context,
  };
}
