import type { SchedulerLike } from "rxjs";
import { RxuioError } from "../../errors.js";
import type { Backend, IrqControl } from "../backend.js";
import type { UioInfo } from "../sysfs/info.js";
import type { SimBehaviour } from "./behaviour.js";
import { IrqLine } from "./irq-line.js";
import { MemoryRegion } from "./memory-region.js";
import { SimClock } from "./sim-clock.js";
import { SimEventSource } from "./sim-event-source.js";
import { SimSampling } from "./sim-sampling.js";

export interface SimSpec {
  /** What the device does: `edu()`, `adc({...})`, `registerFile()`. */
  readonly behaviour: SimBehaviour;
  /** Virtual time (TestScheduler, VirtualTimeScheduler); real time when absent. */
  readonly scheduler?: SchedulerLike;
  /** The N of the pretend /dev/uioN. */
  readonly index?: number;
  /** Milliseconds between an interrupt and the consumer's wake-up (a busy JS thread). */
  readonly wakeLatency?: number;
}

/**
 * A simulated UIO device: the same Backend surface as a real one, no kernel
 * needed. Also exposes its interrupt line for tests, and `unplug()` to
 * model the device disappearing under an open file.
 */
export class SimDevice implements Backend {
  readonly events: SimEventSource;
  readonly irq: IrqControl;
  readonly clock: SimClock;
  /** Fixed-rate sampling on the device's clock (see SimSampling); close() stops it. */
  readonly sampling: SimSampling;
  /** The interrupt line, for tests and the demo (count, enabled, asserted). */
  readonly line: IrqLine | undefined;
  private readonly regions: MemoryRegion[];
  private readonly closeListeners = new Set<(reason: RxuioError | undefined) => void>();
  private readonly detach: () => void;
  private readonly staticInfo: Omit<UioInfo, "event">;
  private isClosed = false;

  constructor(spec: SimSpec) {
    const { behaviour } = spec;
    const index = spec.index ?? 0;
    this.clock = new SimClock(spec.scheduler);
    this.regions = behaviour.regions.map((r, i) => new MemoryRegion(i, r.name, r.size));
    this.events = new SimEventSource(this.clock, this.regions, spec.wakeLatency ?? 0);
    const line =
      behaviour.irq === "none"
        ? undefined
        : new IrqLine(behaviour.irq, () => this.events.interrupted());
    if (line) this.events.connect(line);
    this.line = line;
    this.irq = {
      strategy: line ? "simulated" : "none",
      setEnabled: (enabled: boolean) => {
        this.assertOpen("irqcontrol");
        if (!line) {
          throw new RxuioError("ENOSYS", `${behaviour.name} has no interrupt to mask or unmask`, {
            hint: "Poll its registers instead",
          });
        }
        line.setEnabled(enabled);
      },
    };
    this.staticInfo = {
      index,
      devicePath: `sim:/dev/uio${index}`,
      sysfsPath: `sim:/sys/class/uio/uio${index}`,
      name: behaviour.name,
      version: "sim",
      maps: behaviour.regions.map((r, i) => ({
        index: i,
        name: r.name,
        addr: 0n,
        size: r.size,
        offset: 0,
      })),
      ports: [],
      driver: "rxuio-sim",
    };
    this.sampling = new SimSampling({
      clock: this.clock,
      regions: this.regions,
      devicePath: this.staticInfo.devicePath,
      wakeLatency: spec.wakeLatency ?? 0,
      assertOpen: (what) => this.assertOpen(what),
    });
    const idleLine = new IrqLine("edge", () => undefined);
    this.detach = behaviour.attach({
      region: (i) => this.regionAt(i),
      irq: line ?? idleLine,
      clock: this.clock,
    });
  }

  get info(): UioInfo {
    return { ...this.staticInfo, event: this.line?.count ?? 0 };
  }

  get closed(): boolean {
    return this.isClosed;
  }

  region(ref: number | string): MemoryRegion {
    if (typeof ref === "string") {
      const found = this.regions.find((r) => r.name === ref);
      if (!found) {
        throw new RxuioError("ERANGE", `${this.staticInfo.name} has no region named "${ref}"`, {
          value: ref,
          hint: `Use one of: ${this.regions.map((r) => r.name).join(", ")}`,
        });
      }
      return found;
    }
    return this.regionAt(ref);
  }

  onClose(listener: (reason: RxuioError | undefined) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Close the device: its streams complete. Idempotent. */
  close(): void {
    this.shutDown(undefined);
  }

  /** The device vanished (hot-unplug): its streams error with ENODEV. */
  unplug(): void {
    this.shutDown(
      new RxuioError("ENODEV", `${this.staticInfo.devicePath} was removed`, {
        path: this.staticInfo.devicePath,
        hint: "Open the device again once it is back",
      }),
    );
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private shutDown(reason: RxuioError | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.detach();
    this.events.shutdown(reason);
    this.sampling.stopAll();
    for (const region of this.regions) region.close();
    for (const listener of [...this.closeListeners]) listener(reason);
    this.closeListeners.clear();
  }

  private regionAt(index: number): MemoryRegion {
    const region = this.regions[index];
    if (!region) {
      throw new RxuioError("ERANGE", `${this.staticInfo.name} has no region ${index}`, {
        value: index,
        hint: `Use a region index below ${this.regions.length}`,
      });
    }
    return region;
  }

  private assertOpen(what: string): void {
    if (this.isClosed) {
      throw new RxuioError("ECLOSED", `${what}: ${this.staticInfo.devicePath} is closed`, {
        hint: "Open the device again",
      });
    }
  }
}

/** Make a simulated device from a behaviour (see SimSpec). */
export function simulate(spec: SimSpec): SimDevice {
  return new SimDevice(spec);
}
