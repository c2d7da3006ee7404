import type { Observable } from "rxjs";
import type {
  Backend,
  IrqSnapshot,
  ServicePlan,
  ServiceRunner,
  SnapshotRegister,
} from "../../devices/backend.js";
import type { Access } from "../../devices/registers/register-spec.js";
import { RxuioError } from "../../errors.js";
import { untilAborted } from "../until-aborted.js";
import { eventWatch } from "./event-watch.js";
import type { SnapshotSource } from "./on-interrupt.js";

/** A register the plan writes: a bound register (`regs.irqAck`) or its location. */
export type AckRegister =
  | SnapshotRegister
  | { readonly snapshot: SnapshotRegister; readonly access?: Access; readonly name?: string };

/**
 * The ack of a serviced stream: a constant written to `register`, or the
 * value just read from `from` written back — the write-1-to-clear idiom
 * (`{ register: regs.irqAck, from: regs.irqStatus }` clears exactly the
 * bits that were pending).
 */
export type ServicedAck =
  | { readonly register: AckRegister; readonly value: number }
  | { readonly register: AckRegister; readonly from: SnapshotSource };

export interface ServicedOptions {
  /** Registers read at each interrupt, before the ack; the events' `values`. */
  readonly snapshot?: readonly SnapshotSource[];
  /** Written after the reads. */
  readonly ack?: ServicedAck;
  /** Unmask the interrupt after the ack, with the device's IRQ control. */
  readonly rearm?: boolean;
  /**
   * Service at realtime priority: the thread is SCHED_FIFO, so on a single
   * CPU an interrupt preempts JS at once (needs CAP_SYS_NICE or RLIMIT_RTPRIO;
   * the stream errors with EACCES otherwise). Ignored by the simulator.
   */
  readonly realtime?: boolean;
  /**
   * Where the plan runs on a real device: "service" (default) on its own
   * native thread, serviced the moment the interrupt arrives; "event-loop"
   * natively in the main loop's poll callback: no thread and no context
   * switch per interrupt (on one CPU the cheaper round trip when JS is idle
   * between interrupts), but an interrupt waits for JS to return to the
   * loop. Not with `realtime` (EINVAL). Ignored by the simulator, which
   * still refuses (EINVAL) any value other than these two.
   */
  readonly thread?: ServiceRunner;
  /** Completes this subscriber's stream when aborted. */
  readonly signal?: AbortSignal;
}

/** An interrupt a service plan handled: `servicedAt` is when the ack and re-arm were done. */
export interface ServicedEvent extends IrqSnapshot {
  readonly servicedAt: bigint;
}

const location = (r: SnapshotSource): SnapshotRegister => ("snapshot" in r ? r.snapshot : r);

/**
 * Interrupts serviced by a declared plan before JS sees them: at each
 * interrupt the backend reads `snapshot`, writes `ack` and re-arms the line.
 * On a real device a native thread does it the moment the interrupt
 * arrives, so the device is acked and unmasked in native code whatever JS
 * is doing (see docs/streams.md for what the extra thread costs on one
 * CPU), or, with `thread: "event-loop"`, native code in the main loop's
 * poll callback does it; the simulator runs the same plan. JS still gets every event, with
 * `count`/`missed` exact: if JS falls far behind, the thread stops
 * servicing (the line stays masked) and the interrupts it did not take show
 * as `missed`.
 *
 * Cold: each subscription is one serviced watch, and a device runs one at a
 * time (a second is refused with EINVAL: two plans would ack twice); use
 * `share()` to fan one out.
 *
 * ```ts
 * serviced(dev, { ack: { register: regs.irqAck, from: regs.irqStatus }, rearm: true })
 *   .subscribe((e) => log(e.count, e.servicedAt - e.time));
 * ```
 */
export function serviced(
  device: Backend,
  options: ServicedOptions = {},
): Observable<ServicedEvent> {
  const { ack } = options;
  if (
    ack &&
    "access" in ack.register &&
    (ack.register.access === "ro" || ack.register.access === "rc")
  ) {
    throw new RxuioError(
      "ENOSYS",
      `register ${ack.register.name ?? "?"} is ${ack.register.access === "ro" ? "read-only" : "read-to-clear"} and cannot be the ack`,
      {
        path: `registers.${ack.register.name ?? "?"}`,
        hint: "Ack through the register the device documents for it (e.g. its interrupt ack register)",
      },
    );
  }
  const plan: ServicePlan = {
    ...(ack === undefined
      ? {}
      : {
          ack:
            "from" in ack
              ? { register: location(ack.register), from: location(ack.from) }
              : { register: location(ack.register), value: ack.value },
        }),
    ...(options.rearm === undefined ? {} : { rearm: options.rearm }),
    ...(options.realtime === undefined ? {} : { realtime: options.realtime }),
    ...(options.thread === undefined ? {} : { thread: options.thread }),
  };
  return (
    eventWatch(
      device,
      "epoll",
      (options.snapshot ?? []).map(location),
      plan,
    ) as Observable<ServicedEvent>
  ).pipe(untilAborted(options.signal));
}
