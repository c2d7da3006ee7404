import type { IrqSnapshot } from "../devices/backend.js";
import { RxuioError, type ErrorCode } from "../errors.js";
import {
  addon,
  type IrqServiceBatch,
  type IrqServiceHandle,
  type IrqServicePlanHandle,
} from "./binding.js";
import { fromNative } from "./errors.js";

/** A register of a service plan: an offset in the plan's region and a width up to 32 bits. */
export interface ServiceRegister {
  readonly offset: number;
  readonly width: 8 | 16 | 32;
}

/** How the service thread re-arms the line after the ack. */
export type ServiceRearm =
  | { readonly kind: "none" }
  /** write(fd, int32 1) on its own open file of the device. */
  | { readonly kind: "irqcontrol" }
  /** Clear INTx-disable by read-modify-write of the command word in `configPath`. */
  | { readonly kind: "pci-intx"; readonly configPath: string };

/** The declared work of one wake-up, executed natively on the service thread. */
export interface NativeServicePlan {
  /** /dev/uioN (or, in tests, a FIFO carrying 4-byte counts). */
  readonly eventPath: string;
  /** The device's count when the watch began (sysfs `event`); see NativeEventFdOptions. */
  readonly baseline?: number;
  /** Where the registers live: the service maps it itself (as the sampler does). */
  readonly region?: {
    readonly path: string;
    readonly fileOffset: number;
    readonly inPageOffset: number;
    readonly length: number;
  };
  /** Read at every wake-up, delivered as the events' `values`. */
  readonly snapshot?: readonly ServiceRegister[];
  /** Written after the reads: a constant, or the value just read from `from`. */
  readonly ack?:
    | (ServiceRegister & { readonly value: number })
    | (ServiceRegister & { readonly from: ServiceRegister });
  readonly rearm: ServiceRearm;
  /**
   * Run the thread SCHED_FIFO at this priority (1..99), so an interrupt
   * preempts the JS thread at once even on one CPU. Needs CAP_SYS_NICE or
   * an RLIMIT_RTPRIO allowance; refused with EACCES otherwise.
   */
  readonly realtime?: number;
  /**
   * Run the plan in the main loop's poll callback instead of on a thread:
   * no context switch per interrupt, but servicing waits for JS to return
   * to the loop. Exclusive with `realtime` (EINVAL).
   */
  readonly eventLoop?: boolean;
}

/** The values of every event of a plan without snapshot registers. */
const NO_VALUES: readonly (number | bigint)[] = Object.freeze([]);

/** One event's register values, copied out of the batch (frozen, as every event's values are). */
function snapshotValues(values: Float64Array, from: number, k: number): readonly number[] {
  const out = new Array<number>(k);
  for (let j = 0; j < k; j++) out[j] = values[from + j] ?? 0;
  return Object.freeze(out);
}

const SERVICE_HINTS: Partial<Record<ErrorCode, string>> = {
  ENODEV: "The device was unplugged or its event source closed; open it again when it is back",
  EIO: "The device may have been removed, or its configuration space refused the write",
  EACCES:
    "The service thread needs write access to /dev/uioN (irqcontrol) or device/config (pci-intx), and CAP_SYS_NICE or an RLIMIT_RTPRIO allowance for a realtime priority; run as root, grant access with a udev rule, or leave realtime out",
};

/**
 * A declared service plan run by a native thread (native/irq_service.h): at
 * each interrupt it reads the snapshot registers, writes the ack and
 * re-arms the line before JS even hears of it, then hands the events to
 * `onEvents` in batches on the JS thread, each with `servicedAt` (the
 * CLOCK_MONOTONIC time the re-arm completed). `onError` is called at most
 * once, after the events before the failure; the thread has then ended.
 * Keeps the process alive until stop().
 */
export class NativeIrqService {
  readonly #handle: IrqServiceHandle;

  private constructor(handle: IrqServiceHandle) {
    this.#handle = handle;
  }

  static start(
    plan: NativeServicePlan,
    onEvents: (events: readonly IrqSnapshot[]) => void,
    onError: (err: RxuioError) => void,
  ): NativeIrqService {
    const snapshot = plan.snapshot ?? [];
    const reads: ServiceRegister[] = snapshot.map(({ offset, width }) => ({ offset, width }));
    let ack: IrqServicePlanHandle["ack"];
    if (plan.ack !== undefined) {
      const { offset, width } = plan.ack;
      if ("from" in plan.ack) {
        const source = plan.ack.from;
        // A register already snapshot is read once and serves both.
        let from = reads.findIndex((r) => r.offset === source.offset && r.width === source.width);
        if (from < 0) from = reads.push({ offset: source.offset, width: source.width }) - 1;
        ack = { offset, width, from };
      } else {
        ack = { offset, width, value: plan.ack.value };
      }
    }
    const handlePlan: IrqServicePlanHandle = {
      eventPath: plan.eventPath,
      ...(plan.baseline === undefined ? {} : { baseline: plan.baseline }),
      ...(plan.region === undefined ? {} : { region: plan.region }),
      reads,
      visible: snapshot.length,
      ...(ack === undefined ? {} : { ack }),
      rearm: plan.rearm.kind,
      ...(plan.rearm.kind === "pci-intx" ? { configPath: plan.rearm.configPath } : {}),
      ...(plan.realtime === undefined ? {} : { realtime: plan.realtime }),
      ...(plan.eventLoop === true ? { eventLoop: true } : {}),
    };
    const k = snapshot.length;
    const path = plan.eventPath;
    try {
      const { IrqService } = addon();
      // Taken from the handle at the first batch (batches come from the event loop, after `new`).
      let batch: IrqServiceBatch | undefined;
      const handle = new IrqService(
        handlePlan,
        (n) => {
          const { counts, missed, times, servicedAt, values } = (batch ??= handle.batch);
          // The batch's memory is the next batch's too: every event is copied out here.
          const events: IrqSnapshot[] = new Array<IrqSnapshot>(n);
          for (let i = 0; i < n; i++) {
            events[i] = {
              count: counts[i] ?? 0,
              missed: missed[i] ?? 0,
              time: times[i] ?? 0n,
              servicedAt: servicedAt[i] ?? 0n,
              values: k === 0 ? NO_VALUES : snapshotValues(values, i * k, k),
            };
          }
          onEvents(events);
        },
        (err) => onError(fromNative(err, { path, hints: SERVICE_HINTS })),
      );
      return new NativeIrqService(handle);
    } catch (err) {
      throw fromNative(err, {
        path,
        hints: {
          ...SERVICE_HINTS,
          EINVAL:
            "Plan registers are { offset, width: 8 | 16 | 32 } inside one region; the event source must be /dev/uioN, a FIFO or a socket",
        },
      });
    }
  }

  get running(): boolean {
    return this.#handle.running;
  }

  /** Times the thread stopped servicing because JS had not taken its batches (loss then shows as `missed`). */
  get stalls(): number {
    return this.#handle.stalls;
  }

  /** Stops and joins the thread and releases its files and mapping; queued batches are dropped. Idempotent. */
  stop(): void {
    this.#handle.stop();
  }
}
