import { RxuioError, isRxuioError } from "../errors.js";
import type { Backend, IrqControl } from "./backend.js";
import {
  chooseIrqControl,
  type IrqControlChoice,
  type IrqControlStrategy,
} from "./irq/strategy.js";
import { readDeviceInfo, type DeviceRef, type DiscoveryOptions } from "./sysfs/discovery.js";
import type { UioInfo, UioMap, UioPort } from "./sysfs/info.js";
import { PERMISSION_HINT } from "./system-error.js";
import { UioEventSource } from "./uio-event-source.js";
import { UioSampling } from "./uio-sampling.js";
import type { MappedRegion, PortRegion, UioEventFd, UioIo } from "./uio-io.js";

export interface UioDeviceOptions extends DiscoveryOptions {
  /**
   * How to mask/unmask the interrupt. "auto" (default): PCI INTx through the
   * command register for uio_pci_generic, the irqcontrol write otherwise.
   */
  readonly irqControl?: IrqControlChoice;
  /**
   * Map regions read-only (writes then throw EACCES). Enough for inspection,
   * and works where the device node is readable but not writable.
   */
  readonly readOnly?: boolean;
  /** The OS mechanisms; the native addon unless a test or another backend supplies them. */
  readonly io?: UioIo;
}

export type CloseListener = (reason: RxuioError | undefined) => void;

/**
 * A real UIO device (/dev/uioN) as a {@link Backend}: its memory maps as
 * regions (mapped on first use, then cached), its port ranges, its
 * interrupts as an event source and its IRQ control.
 *
 * `close()` releases everything (sampler threads included); afterwards every
 * region, port range, watch, sampler and IRQ-control call throws ECLOSED (`info` stays readable, it is a
 * snapshot). An unplug seen by a watch closes the device with that reason.
 *
 * @example
 * await using dev = await UioDevice.open("uio_pci_generic");
 * console.log(dev.region(0).read32(0x00).toString(16)); // 10000ed on QEMU's edu
 */
export class UioDevice implements Backend, Disposable, AsyncDisposable {
  readonly events: UioEventSource;
  /** Fixed-rate sampling on native threads; close() stops every sampler. */
  readonly sampling: UioSampling;
  readonly #irq: IrqControlStrategy;
  readonly #regions = new Map<number, MappedRegion>();
  readonly #ports = new Map<number, PortRegion>();
  readonly #closeListeners = new Set<CloseListener>();
  #closed = false;
  #closeReason: RxuioError | undefined;

  private constructor(
    readonly info: UioInfo,
    private readonly io: UioIo,
    private readonly control: UioEventFd,
    hasIrq: boolean,
    irq: IrqControlStrategy,
    private readonly readOnly: boolean,
  ) {
    this.#irq = irq;
    this.events = new UioEventSource({
      info,
      io,
      hasIrq,
      isClosed: () => this.#closed,
      mappedRegion: (index) => this.#mappedRegion(index),
      fail: (reason) => this.#close(reason),
      irq,
    });
    this.sampling = new UioSampling({
      info,
      io,
      assertOpen: (what) => this.#assertOpen(what),
    });
  }

  /**
   * Opens a device by index (0 → /dev/uio0), by name (sysfs `name`), or by
   * `{ index }` / `{ name }`. Throws ENODEV listing the devices that exist,
   * EACCES (with how to get access) when /dev/uioN cannot be opened.
   */
  static async open(ref: DeviceRef, options: UioDeviceOptions = {}): Promise<UioDevice> {
    const info = await readDeviceInfo(ref, options);
    const io = options.io ?? (await import("./native-uio-io.js")).nativeUioIo;
    const control = openControl(io, info);
    try {
      const irq = chooseIrqControl(options.irqControl ?? "auto", info, control);
      return new UioDevice(info, io, control, probeIrq(control), irq, options.readOnly === true);
    } catch (err) {
      control.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get irq(): IrqControl {
    return this.#irq;
  }

  /** A memory region by map index or map name (ERANGE lists the maps that exist). */
  region(ref: number | string): MappedRegion {
    this.#assertOpen(`map ${ref}`);
    return this.#mappedRegion(this.#map(ref).index);
  }

  /** An x86 I/O-port range by index (ERANGE when absent, ENOSYS when not x86 ports). */
  ports(index: number): PortRegion {
    this.#assertOpen(`port range ${index}`);
    const port = this.#port(index);
    let ports = this.#ports.get(index);
    if (ports === undefined) {
      ports = this.io.openPorts(port.start, port.size);
      this.#ports.set(index, ports);
    }
    return ports;
  }

  onClose(listener: CloseListener): () => void {
    if (this.#closed) {
      listener(this.#closeReason);
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Unmaps every region, closes ports and event fds, stops watches. Idempotent. */
  close(): void {
    this.#close(undefined);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #close(reason: RxuioError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.events.stopAll();
    // Joins the sampler threads, which unmap their own mappings once stopped.
    this.sampling.stopAll();
    // Release everything even if one release fails (after an unplug the
    // kernel may already have torn the file down); closing must not throw.
    for (const release of [
      ...[...this.#regions.values()].map((r) => () => r.close()),
      ...[...this.#ports.values()].map((p) => () => p.close()),
      () => this.#irq.close(),
      () => this.control.close(),
    ]) {
      try {
        release();
      } catch {
        /* nothing more to release */
      }
    }
    this.#regions.clear();
    this.#ports.clear();
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const listener of listeners) listener(reason);
  }

  #assertOpen(what: string): void {
    if (!this.#closed) return;
    const name = `uio${this.info.index} (${this.info.name})`;
    throw new RxuioError(
      "ECLOSED",
      this.#closeReason
        ? `${name} was closed because it failed (${this.#closeReason.message}); cannot access ${what}`
        : `${name} is closed; cannot access ${what}`,
      { path: this.info.devicePath, cause: this.#closeReason, hint: "Open the device again" },
    );
  }

  #mappedRegion(index: number): MappedRegion {
    this.#assertOpen(`map ${index}`);
    let region = this.#regions.get(index);
    // A region the caller closed is mapped afresh rather than handed back dead.
    if (region === undefined || region.closed) {
      const map = this.#map(index);
      region = this.io.openRegion(this.info.devicePath, {
        index: map.index,
        name: map.name,
        fileOffset: map.index * this.io.pageSize(),
        inPageOffset: map.offset,
        length: map.size,
        writable: !this.readOnly,
      });
      this.#regions.set(index, region);
    }
    return region;
  }

  #map(ref: number | string): UioMap {
    const map = this.info.maps.find((m) =>
      typeof ref === "number" ? m.index === ref : m.name === ref,
    );
    if (map !== undefined) return map;
    const valid = this.info.maps.map((m) => (m.name ? `${m.index} (${m.name})` : `${m.index}`));
    throw new RxuioError(
      "ERANGE",
      `uio${this.info.index} (${this.info.name}) has no map ${typeof ref === "number" ? ref : JSON.stringify(ref)}`,
      {
        path: this.info.sysfsPath,
        value: ref,
        hint: valid.length > 0 ? `Its maps are: ${valid.join(", ")}` : "It has no memory maps",
      },
    );
  }

  #port(index: number): UioPort {
    const port = this.info.ports.find((p) => p.index === index);
    const name = `uio${this.info.index} (${this.info.name})`;
    if (port === undefined) {
      const valid = this.info.ports.map(
        (p) => `${p.index} (${p.porttype} 0x${p.start.toString(16)})`,
      );
      throw new RxuioError("ERANGE", `${name} has no port range ${index}`, {
        path: this.info.sysfsPath,
        value: index,
        hint:
          valid.length > 0 ? `Its port ranges are: ${valid.join(", ")}` : "It has no port ranges",
      });
    }
    if (port.porttype !== "port_x86") {
      throw new RxuioError(
        "ENOSYS",
        `Port range ${index} of ${name} is of type ${port.porttype}; only x86 I/O ports (port_x86) can be accessed`,
        { path: this.info.sysfsPath, value: port.porttype },
      );
    }
    return port;
  }
}

/**
 * Opens the device's own control file (irqcontrol writes, the IRQ probe).
 * Opening it up front makes permission problems show at open(), where the
 * user expects them, rather than at the first interrupt.
 */
function openControl(io: UioIo, info: UioInfo): UioEventFd {
  try {
    return io.openEventFd(info.devicePath, {});
  } catch (err) {
    if (isRxuioError(err, "EACCES")) {
      throw new RxuioError("EACCES", `Permission denied opening ${info.devicePath}`, {
        path: info.devicePath,
        errno: err.errno ?? "EACCES",
        syscall: "open",
        cause: err,
        hint: PERMISSION_HINT,
      });
    }
    if (isRxuioError(err, "ENODEV")) {
      throw new RxuioError(
        "ENODEV",
        `uio${info.index} is listed in sysfs but ${info.devicePath} cannot be opened`,
        {
          path: info.devicePath,
          errno: err.errno,
          cause: err,
          hint: "Check that devtmpfs or udev created the device node (or pass the right devRoot)",
        },
      );
    }
    throw err;
  }
}

/**
 * A device without an IRQ answers reads with EIO; one with an IRQ answers a
 * non-blocking read with EAGAIN (or the count). The read only moves this
 * control file's own last-seen count, so it disturbs no watcher.
 */
function probeIrq(control: UioEventFd): boolean {
  try {
    control.read();
    return true;
  } catch (err) {
    if (isRxuioError(err, "EIO")) return false;
    throw err;
  }
}
