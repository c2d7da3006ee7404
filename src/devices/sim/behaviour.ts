import type { SimClock } from "./sim-clock.js";
import type { IrqLine, IrqTrigger } from "./irq-line.js";
import type { MemoryRegion } from "./memory-region.js";

/**
 * What a simulated device does. A behaviour declares its regions and its
 * interrupt line, and `attach` wires register hooks and timers into them;
 * the returned function stops its timers when the device closes.
 */
export interface SimBehaviour {
  /** The UIO name the device reports (sysfs `name`). */
  readonly name: string;
  readonly regions: readonly { readonly name: string; readonly size: number }[];
  /** The interrupt line's trigger, or "none" for a device without an IRQ. */
  readonly irq: IrqTrigger | "none";
  attach(context: SimContext): () => void;
}

export interface SimContext {
  region(index: number): MemoryRegion;
  readonly irq: IrqLine;
  readonly clock: SimClock;
}
