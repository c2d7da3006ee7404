import { createRequire } from "node:module";
import { RxuioError } from "../errors.js";

/**
 * The compiled addon, build/Release/rxuio.node, and the raw shapes of what it
 * exports. Only src/native uses these shapes; everyone else goes through the
 * wrappers (NativeRegion, NativeEventFd, NativePorts), which map native
 * errors to RxuioError. The addon is loaded on first use, so code that never
 * touches hardware (the simulator, the CLI's help) runs without it.
 */

/** A mapped region as the addon sees it; see native/region.h. */
export interface RegionHandle {
  readonly size: number;
  readonly closed: boolean;
  readonly viewIsCopy: boolean;
  read8(offset: number): number;
  read16(offset: number): number;
  read32(offset: number): number;
  read64(offset: number): bigint;
  write8(offset: number, value: number): void;
  write16(offset: number, value: number): void;
  write32(offset: number, value: number): void;
  write64(offset: number, value: bigint): void;
  readBlock(offset: number, length: number): Buffer;
  writeBlock(offset: number, data: Uint8Array): void;
  view(): Uint8Array;
  /**
   * An external ArrayBuffer over the mapping for NativeRegion's register
   * reads and writes, apart from view()'s; handed out once (later calls
   * return undefined), and undefined where external buffers are refused.
   * NOT detached by close(): from then on it is anonymous zeroed memory, and
   * its holder must stop using it (NativeRegion drops its arrays over it).
   */
  window(): ArrayBuffer | undefined;
  close(): void;
}

/**
 * The arrays a watch fills before each onWake(n): entries [0, n) of counts
 * and missed, time[0] for the wake-up, and one slot per snapshot register in
 * values (widths up to 32) or values64 (width 64). Allocated once per watch.
 */
export interface EventBatch {
  readonly counts: Int32Array;
  readonly missed: Uint32Array;
  readonly time: BigUint64Array;
  readonly values: Float64Array;
  readonly values64: BigUint64Array;
}

/** A register the addon reads at each wake-up. */
export interface SnapshotHandle {
  readonly region: RegionHandle;
  readonly offset: number;
  readonly width: number;
}

/** An open event fd as the addon sees it; see native/event_fd.h. */
export interface EventFdHandle {
  readonly closed: boolean;
  readonly watching: boolean;
  read(): number | undefined;
  write(value: number): void;
  watch(
    onWake: (n: number) => void,
    onError: (err: unknown) => void,
    snapshot: readonly SnapshotHandle[] | undefined,
    sigio?: boolean,
  ): EventBatch;
  unwatch(): void;
  /** Reads what is pending now and delivers it to the watch's onWake; returns the event count. */
  drain(): number;
  setAsync(enabled: boolean): void;
  close(): void;
}

/** An ioperm'd port range as the addon sees it; see native/ports.h. */
export interface PortsHandle {
  readonly closed: boolean;
  inb(offset: number): number;
  inw(offset: number): number;
  inl(offset: number): number;
  outb(offset: number, value: number): void;
  outw(offset: number, value: number): void;
  outl(offset: number, value: number): void;
  close(): void;
}

/** A running sampler thread as the addon sees it; see native/sampler.h. */
export interface SamplerHandle {
  readonly running: boolean;
  readonly overruns: number;
  stop(): void;
}

/** The plan an IrqService thread executes at every wake-up; see native/irq_service.h. */
export interface IrqServicePlanHandle {
  readonly eventPath: string;
  readonly baseline?: number;
  readonly region?: {
    readonly path: string;
    readonly fileOffset: number;
    readonly inPageOffset: number;
    readonly length: number;
  };
  readonly reads: readonly { readonly offset: number; readonly width: number }[];
  /** The first `visible` reads are delivered; the rest are read only for the ack. */
  readonly visible: number;
  readonly ack?: {
    readonly offset: number;
    readonly width: number;
    readonly value?: number;
    readonly from?: number;
  };
  readonly rearm: "none" | "irqcontrol" | "pci-intx";
  readonly configPath?: string;
  /** SCHED_FIFO priority of the thread, 1..99; absent or 0 = normal scheduling. */
  readonly realtime?: number;
  /** Service in the main loop's poll callback instead of a thread (no realtime then). */
  readonly eventLoop?: boolean;
}

/** The columns of an IrqService batch, one entry per event. */
export interface IrqServiceBatch {
  readonly counts: Int32Array;
  readonly missed: Uint32Array;
  readonly times: BigUint64Array;
  readonly servicedAt: BigUint64Array;
  readonly values: Float64Array;
}

/** A running interrupt service thread as the addon sees it; see native/irq_service.h. */
export interface IrqServiceHandle {
  readonly running: boolean;
  /**
   * Where each batch's events are before onBatch(n): the first n entries
   * (values: n × visible), overwritten by the next batch. Allocated once.
   */
  readonly batch: IrqServiceBatch;
  /** Times the thread stopped servicing because JS held every batch slot. */
  readonly stalls: number;
  stop(): void;
}

/** The PCI command register of a device/config file; see native/pci_command.h. */
export interface PciCommandHandle {
  readonly closed: boolean;
  setIntxEnabled(enabled: boolean): void;
  close(): void;
}

export interface Addon {
  pageSize(): number;
  monotonicNow(): bigint;
  Region: new (
    path: string,
    fileOffset: number,
    inPageOffset: number,
    length: number,
    writable: boolean,
    copyViews: boolean,
  ) => RegionHandle;
  EventFd: new (path: string, writable: boolean, baseline: number | undefined) => EventFdHandle;
  Ports: new (start: number, size: number) => PortsHandle;
  Sampler: new (
    path: string,
    fileOffset: number,
    inPageOffset: number,
    length: number,
    registers: readonly { offset: number; width: number }[],
    periodNs: number,
    batch: number,
    onBatch: (times: BigUint64Array, deadlines: BigUint64Array, values: Float64Array, overruns: number) => void,
  ) => SamplerHandle;
  IrqService: new (
    plan: IrqServicePlanHandle,
    /** `n` events are in the handle's `batch`. */
    onBatch: (n: number) => void,
    onError: (err: unknown) => void,
  ) => IrqServiceHandle;
  PciCommand: new (configPath: string) => PciCommandHandle;
}

// Relative to this file in both src/native/ (tests) and dist/native/ (package).
const ADDON_PATH = "../../build/Release/rxuio.node";

let loaded: Addon | undefined;

/** The addon, loaded once. Throws ENOSYS with what to run when it is missing or stale. */
export function addon(): Addon {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    try {
      loaded = require(ADDON_PATH) as Addon;
    } catch (err) {
      const missing =
        typeof err === "object" && err !== null && "code" in err && err.code === "MODULE_NOT_FOUND";
      throw new RxuioError(
        "ENOSYS",
        missing
          ? "The rxuio native addon (build/Release/rxuio.node) is not built"
          : "The rxuio native addon (build/Release/rxuio.node) failed to load",
        {
          path: ADDON_PATH,
          cause: err,
          hint:
            "Build it for this Node.js: `npm rebuild rxuio` where rxuio is a dependency, " +
            "`npm ci` or `npx node-gyp rebuild` in a checkout (needs a C++ compiler, make and python3)",
        },
      );
    }
  }
  return loaded;
}

/** The system page size: map N of /dev/uioN starts at file offset N * pageSize(). */
export function pageSize(): number {
  return addon().pageSize();
}

/** CLOCK_MONOTONIC in nanoseconds, the time base of every IrqEvent.time. */
export function monotonicNow(): bigint {
  return addon().monotonicNow();
}
