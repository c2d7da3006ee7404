import { RxuioError } from "../../src/errors.js";
import type { IrqSnapshot } from "../../src/devices/backend.js";
import { MemoryRegion } from "../../src/devices/sim/memory-region.js";
import type {
  MappedSnapshotRegister,
  PortRegion,
  RegionMapping,
  UioEventFd,
  UioIo,
} from "../../src/devices/uio-io.js";

/**
 * A recording stand-in for the native mechanisms, for testing UioDevice's
 * policy (what it opens, with which baseline, what it closes and when)
 * without a kernel. Regions are simulator memory; event fds are driven by
 * the test through fire() and fail().
 */
export class FakeEventFd implements UioEventFd {
  readonly written: number[] = [];
  closed = false;
  watching = false;
  snapshot: readonly MappedSnapshotRegister[] | undefined;
  #onWake: ((events: readonly IrqSnapshot[]) => void) | undefined;
  #onError: ((err: RxuioError) => void) | undefined;

  constructor(
    readonly path: string,
    readonly baseline: number | undefined,
    private readonly hasIrq: boolean,
  ) {}

  read(): number | undefined {
    if (!this.hasIrq) throw new RxuioError("EIO", "read: Input/output error", { errno: "EIO" });
    return undefined;
  }
  write(value: number): void {
    this.written.push(value);
  }
  watch(
    onWake: (events: readonly IrqSnapshot[]) => void,
    onError: (err: RxuioError) => void,
    options: { readonly snapshot?: readonly MappedSnapshotRegister[] },
  ): void {
    this.watching = true;
    this.snapshot = options.snapshot;
    this.#onWake = onWake;
    this.#onError = onError;
  }
  unwatch(): void {
    this.watching = false;
  }
  close(): void {
    this.closed = true;
    this.watching = false;
  }
  /** Simulates a wake-up with these counts. */
  fire(...counts: number[]): void {
    this.#onWake?.(counts.map((count) => ({ count, missed: 0, time: 1n, values: [] })));
  }
  /** Simulates the source failing (e.g. ENODEV on unplug). */
  fail(err: RxuioError): void {
    this.#onError?.(err);
  }
}

export class FakePorts implements PortRegion {
  closed = false;
  constructor(
    readonly start: number,
    readonly size: number,
  ) {}
  inb = () => 0;
  inw = () => 0;
  inl = () => 0;
  outb = () => {};
  outw = () => {};
  outl = () => {};
  close(): void {
    this.closed = true;
  }
}

export class FakeUioIo implements UioIo {
  readonly eventModes = ["epoll"] as const;
  readonly regions: { path: string; mapping: RegionMapping; region: MemoryRegion }[] = [];
  readonly eventFds: FakeEventFd[] = [];
  readonly ports: FakePorts[] = [];
  /** Thrown by the next openEventFd, to model open(2) failures. */
  openError: RxuioError | undefined;

  constructor(private readonly hasIrq = true) {}

  pageSize(): number {
    return 4096;
  }
  openRegion(path: string, mapping: RegionMapping): MemoryRegion {
    const region = new MemoryRegion(mapping.index, mapping.name, mapping.length);
    this.regions.push({ path, mapping, region });
    return region;
  }
  openEventFd(path: string, options: { readonly baseline?: number }): FakeEventFd {
    if (this.openError) throw this.openError;
    const fd = new FakeEventFd(path, options.baseline, this.hasIrq);
    this.eventFds.push(fd);
    return fd;
  }
  openPorts(start: number, size: number): FakePorts {
    const ports = new FakePorts(start, size);
    this.ports.push(ports);
    return ports;
  }
}
