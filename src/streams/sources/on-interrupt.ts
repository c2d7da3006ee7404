import type { Observable } from "rxjs";
import type { Backend, EventMode, IrqSnapshot, SnapshotRegister } from "../../devices/backend.js";
import { untilAborted } from "../until-aborted.js";
import { eventWatch } from "./event-watch.js";

/** A register to snapshot: a bound register (`regs.status`) or its location. */
export type SnapshotSource = SnapshotRegister | { readonly snapshot: SnapshotRegister };

export interface OnInterruptOptions {
  readonly mode?: EventMode;
  readonly signal?: AbortSignal;
}

/**
 * Interrupts with the given registers read by the backend at wake-up, before
 * JS runs, stamped with the interrupt's time: `values[i]` is `registers[i]`
 * as it was when the interrupt was taken, not when your code got round to it.
 * Each subscription is its own watch (its own loss accounting).
 *
 * ```ts
 * onInterrupt(dev, [regs.irqStatus]).subscribe(({ values: [status] }) => ...);
 * ```
 */
export function onInterrupt(
  device: Backend,
  registers: readonly SnapshotSource[],
  options: OnInterruptOptions = {},
): Observable<IrqSnapshot> {
  const snapshot = registers.map((r) => ("snapshot" in r ? r.snapshot : r));
  return eventWatch(device, options.mode ?? "epoll", snapshot).pipe(untilAborted(options.signal));
}
