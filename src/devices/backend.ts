import type { RxuioError } from "../errors.js";
import type { RegisterSampling } from "./register-sampling.js";
import type { UioInfo } from "./sysfs/info.js";

/**
 * The seam between streams and devices. `src/streams` only ever talks to a
 * Backend, so every stream runs unchanged on a real /dev/uioN, on the
 * simulator, or on a future VFIO backend. Nothing here imports native code.
 */

/** Access widths in bits. */
export type Width = 8 | 16 | 32 | 64;

/**
 * One mapped memory region. Reads and writes are volatile and width-exact;
 * offsets are relative to the region's start (sysfs `offset` already applied),
 * bounds- and alignment-checked. After close every call throws ECLOSED.
 */
export interface Region {
  readonly index: number;
  readonly name: string | undefined;
  /** Usable length in bytes. */
  readonly size: number;
  readonly closed: boolean;
  read8(offset: number): number;
  read16(offset: number): number;
  read32(offset: number): number;
  read64(offset: number): bigint;
  write8(offset: number, value: number): void;
  write16(offset: number, value: number): void;
  write32(offset: number, value: number): void;
  write64(offset: number, value: bigint): void;
  /** Copy `length` bytes starting at `offset` into a new Buffer. */
  readBlock(offset: number, length: number): Buffer;
  /** Copy `data` into the region at `offset`. */
  writeBlock(offset: number, data: Uint8Array): void;
  /**
   * A typed array over the mapping (zero-copy where the runtime allows
   * external buffers; a copy otherwise, see `viewIsCopy`). A zero-copy view
   * is detached on close, so it can never reach unmapped memory.
   */
  view(): Uint8Array;
  /** True when `view()` returns copies rather than the live mapping. */
  readonly viewIsCopy: boolean;
}

/** A register to read natively at interrupt wake-up, before JS runs. */
export interface SnapshotRegister {
  readonly region: number;
  readonly offset: number;
  readonly width: Width;
}

/** One interrupt as user space sees it. */
export interface IrqEvent {
  /** Total interrupt count reported by the device (s32, native-endian). */
  readonly count: number;
  /** Interrupts that happened since the previous event but were not seen individually. */
  readonly missed: number;
  /** CLOCK_MONOTONIC nanoseconds, taken in native code at wake-up. */
  readonly time: bigint;
  /**
   * Serviced watches only (see {@link ServicePlan}): CLOCK_MONOTONIC
   * nanoseconds when the plan's ack and re-arm had been done.
   */
  readonly servicedAt?: bigint;
}

/** An interrupt plus the registers read at its wake-up, in the order requested. */
export interface IrqSnapshot extends IrqEvent {
  readonly values: readonly (number | bigint)[];
}

/**
 * How the backend learns that the count moved: "epoll" (default) watches the
 * event fd for POLLIN in the main loop; "sigio" arms fcntl(F_SETOWN, O_ASYNC)
 * on its own event fd and reads the count when SIGIO arrives (signals
 * coalesce, so loss still shows only as a jump in the count).
 */
export type EventMode = "epoll" | "sigio";

/**
 * The ack of a service plan: a constant written to `register`, or (the
 * write-1-to-clear idiom) the value just read from `from` written back.
 */
export type ServiceAck =
  | { readonly register: SnapshotRegister; readonly value: number }
  | { readonly register: SnapshotRegister; readonly from: SnapshotRegister };

/**
 * What the backend does at each interrupt before JS sees it: read the
 * snapshot registers, write the ack, re-arm the line. A real device runs it
 * on a native service thread, so the device is serviced in native code
 * whatever JS is doing; JS still gets every event, `count`/`missed` exact. Registers
 * of a plan are at most 32 bits wide and in one map.
 */
export interface ServicePlan {
  readonly ack?: ServiceAck;
  /** Unmask the interrupt after the ack, with the device's IRQ control. */
  readonly rearm?: boolean;
  /**
   * Run the service at realtime priority (a real device: its thread is
   * SCHED_FIFO, so an interrupt preempts JS at once even on one CPU; needs
   * CAP_SYS_NICE or RLIMIT_RTPRIO, EACCES otherwise). The simulator ignores it.
   */
  readonly realtime?: boolean;
  /**
   * Where a real device's plan runs: "service" (default), its own native
   * thread; "event-loop", natively in the main loop's poll callback, with no
   * thread (no context switch per interrupt, but servicing waits for JS to
   * return to the loop; realtime does not apply). The simulator ignores it.
   */
  readonly thread?: ServiceRunner;
}

/** Where a service plan runs; see {@link ServicePlan.thread}. */
export type ServiceRunner = "service" | "event-loop";

export interface EventWatchOptions {
  /** Registers to read at each wake-up; the batch then carries IrqSnapshots. */
  readonly snapshot?: readonly SnapshotRegister[];
  /** Notification mode; "epoll" when absent. */
  readonly mode?: EventMode;
  /**
   * Service each interrupt by this plan (one serviced watch per device at a
   * time: two plans would ack twice). Events then carry `servicedAt`.
   */
  readonly service?: ServicePlan;
}

export interface EventListener {
  /** Called once per wake-up with every event pending at that moment (never empty). */
  next(events: readonly IrqSnapshot[]): void;
  /** The event source failed (device closed, unplugged, I/O error). No more calls follow. */
  error(err: RxuioError): void;
}

/** A running watch; stop() is idempotent. */
export interface EventWatch {
  stop(): void;
}

/**
 * The device's interrupt event source. Each watch sees every interrupt
 * (broadcast, like each open file of /dev/uioN), with its own loss accounting.
 */
export interface EventSource {
  /** False for devices without an IRQ (reads would give EIO). */
  readonly hasIrq: boolean;
  /** Notification modes watch() accepts; absent means only "epoll". */
  readonly modes?: readonly EventMode[];
  watch(listener: EventListener, options?: EventWatchOptions): EventWatch;
}

/** How a device masks and unmasks its interrupt. */
export interface IrqControl {
  /** "irqcontrol" (write to /dev/uioN), "pci-intx" (PCI command register), or "none". */
  readonly strategy: "irqcontrol" | "pci-intx" | "none" | "simulated";
  /** true = unmask (enable), false = mask. Throws ENOSYS for "none". */
  setEnabled(enabled: boolean): void;
}

/** Everything a stream needs from a device. */
export interface Backend {
  readonly info: UioInfo;
  /** A memory region by map index or map name. Throws ERANGE when absent. */
  region(ref: number | string): Region;
  readonly events: EventSource;
  readonly irq: IrqControl;
  readonly closed: boolean;
  /**
   * Fixed-rate register sampling off the JS thread, for sample(); absent on
   * a backend that has none (sample() then fails with ENOSYS). Closing the
   * device stops its samplers.
   */
  readonly sampling?: RegisterSampling;
  /**
   * Called once when the device closes; `reason` is set when it closed
   * because of a failure (e.g. unplug) rather than by close().
   * Returns an unsubscribe function.
   */
  onClose(listener: (reason: RxuioError | undefined) => void): () => void;
}
