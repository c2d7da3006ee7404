import type { RxuioError } from "../errors.js";
import type { EventMode, IrqSnapshot, Region, Width } from "./backend.js";
import type { IrqcontrolWriter } from "./irq/irqcontrol-write.js";
import type { NativeServicePlan } from "../native/irq-service.js";
import type { NativeSamplerOptions, SampledRegion } from "../native/sampler.js";
import type { SampleBatch, SamplerRun } from "./register-sampling.js";

/**
 * The mechanisms a {@link UioDevice} needs from the operating system: map a
 * region of /dev/uioN, open its event fd, open an I/O-port range. The native
 * addon provides them (native-uio-io.ts); keeping them behind this interface
 * leaves all policy (which map, which baseline, when to close) in
 * TypeScript and lets that policy be tested without a kernel.
 */
export interface UioIo {
  pageSize(): number;
  openRegion(path: string, mapping: RegionMapping): MappedRegion;
  openEventFd(path: string, options: { readonly baseline?: number }): UioEventFd;
  openPorts(start: number, size: number): PortRegion;
  /** Notification modes the event fds support ("epoll" always). */
  readonly eventModes: readonly EventMode[];
  /**
   * Runs a service plan on a native thread (see native/irq_service.h);
   * absent where there is none, and serviced watches are then refused.
   */
  startService?(
    plan: NativeServicePlan,
    onEvents: (events: readonly IrqSnapshot[]) => void,
    onError: (err: RxuioError) => void,
  ): ServiceThread;
  /**
   * Starts a fixed-rate sampler thread on its own read-only mapping of the
   * region (see native/sampler.h); absent where there is none, and sample()
   * on the device then fails with ENOSYS.
   */
  startSampler?(
    region: SampledRegion,
    options: NativeSamplerOptions,
    onBatch: (batch: SampleBatch) => void,
  ): SamplerRun;
}

/** A running service thread; stop() joins it and is idempotent. */
export interface ServiceThread {
  stop(): void;
}

/** Where map N of /dev/uioN lives: mmap offset N * pagesize, region start inside that page. */
export interface RegionMapping {
  readonly index: number;
  readonly name: string | undefined;
  readonly fileOffset: number;
  readonly inPageOffset: number;
  readonly length: number;
  readonly writable?: boolean;
}

/** A mapped region the device owns and unmaps on close. */
export interface MappedRegion extends Region {
  close(): void;
}

/** A register to read natively at wake-up, resolved to its mapped region. */
export interface MappedSnapshotRegister {
  readonly region: MappedRegion;
  readonly offset: number;
  readonly width: Width;
}

/** One open file of /dev/uioN: its own last-seen count, as in the kernel. */
export interface UioEventFd extends IrqcontrolWriter {
  /** Non-blocking read of the 4-byte count; undefined when it has not moved. */
  read(): number | undefined;
  watch(
    onWake: (events: readonly IrqSnapshot[]) => void,
    onError: (err: RxuioError) => void,
    options: {
      readonly snapshot?: readonly MappedSnapshotRegister[];
      readonly mode?: EventMode;
    },
  ): void;
  unwatch(): void;
  close(): void;
}

/**
 * An x86 I/O-port range (`portio/portN`). Offsets are relative to the range's
 * start, bounds-checked; after close every call throws ECLOSED.
 */
export interface PortRegion {
  inb(offset: number): number;
  inw(offset: number): number;
  inl(offset: number): number;
  outb(offset: number, value: number): void;
  outw(offset: number, value: number): void;
  outl(offset: number, value: number): void;
  close(): void;
}
