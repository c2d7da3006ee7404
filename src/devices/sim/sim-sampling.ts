import type { SchedulerAction, Subscription } from "rxjs";
import { RxuioError } from "../../errors.js";
import type { Region, SnapshotRegister } from "../backend.js";
import {
  SAMPLER_SLOTS,
  checkSampling,
  noSuchSampledMap,
  samplePeriodNs,
  type RegisterSampling,
  type SampleListener,
  type SampledRegister,
  type SamplerRun,
} from "../register-sampling.js";
import { readerAtWidth } from "../region-width.js";
import type { SimClock } from "./sim-clock.js";

export interface SimSamplingOptions {
  readonly clock: SimClock;
  readonly regions: readonly Region[];
  readonly devicePath: string;
  /** Milliseconds between a full batch and the consumer's wake-up (the device's wakeLatency). */
  readonly wakeLatency: number;
  /** Throws ECLOSED when the device is closed. */
  readonly assertOpen: (what: string) => void;
}

/**
 * The simulator's register sampling: the native sampler's algorithm run on
 * the device clock's scheduler, so under a virtual-time scheduler every
 * sample lands exactly on its deadline, and in real time JS timers are the
 * thread (rates above ~1 kHz then wake late and count overruns, as a
 * starved native thread would). Full batches reach the listener after the
 * device's `wakeLatency`; until then their slot is held, and with all four
 * held samples are not taken but counted — a stalled consumer shows as
 * overruns, never as silently missing samples.
 */
export class SimSampling implements RegisterSampling {
  readonly #runs = new Set<SimSamplerRun>();

  constructor(private readonly options: SimSamplingOptions) {}

  start(
    registers: readonly SnapshotRegister[],
    hz: number,
    batch: number,
    listener: SampleListener,
  ): SamplerRun {
    const { regions, devicePath, assertOpen } = this.options;
    assertOpen("its registers for sampling");
    const checked = checkSampling(registers, hz, batch, devicePath);
    const region = regions[checked.map];
    if (!region) {
      throw noSuchSampledMap(
        devicePath,
        checked.map,
        regions.map((r) => r.index),
      );
    }
    // Fail now, as the native sampler validates its read list, and without
    // reading: a read can have side effects (a FIFO pop) in a behaviour.
    for (const register of checked.registers) checkPlace(region, register, devicePath);
    const readers = checked.registers.map((r) => readerAtWidth(region, r.offset, r.width));
    const run = new SimSamplerRun(this.options, readers, hz, batch, listener, () =>
      this.#runs.delete(run),
    );
    // Registered before its first wake-up is scheduled, so however the
    // scheduler runs it, a failing run can always forget itself.
    this.#runs.add(run);
    run.begin();
    return run;
  }

  /** Stops every running sampler (the device is closing). */
  stopAll(): void {
    for (const run of [...this.#runs]) run.stop();
  }
}

type SampleReader = () => number;

function checkPlace(region: Region, { offset, width }: SampledRegister, devicePath: string): void {
  const bytes = width / 8;
  if (!(Number.isInteger(offset) && offset >= 0 && offset + bytes <= region.size)) {
    throw new RxuioError(
      "ERANGE",
      `sampled register at ${String(offset)} is outside map ${region.index} (${region.size} bytes)`,
      { value: offset, path: devicePath, hint: `Use offsets below ${region.size - bytes + 1}` },
    );
  }
  if (offset % bytes !== 0) {
    throw new RxuioError("EALIGN", `sampled ${width}-bit register at ${offset} is misaligned`, {
      value: offset,
      path: devicePath,
      hint: `Use an offset that is a multiple of ${bytes}`,
    });
  }
}

/** A batch being filled, waiting for the consumer, or free (native/sampler.h's Slot). */
class Slot {
  count = 0;
  /** From hand-off until the consumer took it. */
  delivery: Subscription | undefined;
  readonly times: BigUint64Array;
  readonly deadlines: BigUint64Array;
  readonly values: Float64Array;

  constructor(batch: number, registers: number) {
    this.times = new BigUint64Array(batch);
    this.deadlines = new BigUint64Array(batch);
    this.values = new Float64Array(batch * registers);
  }

  get busy(): boolean {
    return this.delivery !== undefined;
  }
}

/**
 * A timer waking this much before its deadline is treated as on time:
 * virtual clocks converted to ns round by less than this.
 */
const EARLY_TOLERANCE_NS = 1_000n;

/** One deadline's work, as scheduler work (its state is the run). */
function tick(this: SchedulerAction<SimSamplerRun>, run: SimSamplerRun | undefined): void {
  run?.tick();
}

/** The consumer's wake-up for one full slot. */
function deliver(
  this: SchedulerAction<{ run: SimSamplerRun; slot: Slot }>,
  handoff: { run: SimSamplerRun; slot: Slot } | undefined,
): void {
  handoff?.run.deliver(handoff.slot);
}

class SimSamplerRun implements SamplerRun {
  readonly #period: bigint;
  readonly #slots: Slot[];
  #deadline = 0n;
  #current = 0;
  #overruns = 0;
  #pending: Subscription | undefined;
  #stopped = false;

  constructor(
    private readonly options: SimSamplingOptions,
    private readonly readers: readonly SampleReader[],
    hz: number,
    private readonly batch: number,
    private readonly listener: SampleListener,
    private readonly forget: () => void,
  ) {
    this.#period = BigInt(samplePeriodNs(hz));
    this.#slots = Array.from({ length: SAMPLER_SLOTS }, () => new Slot(batch, readers.length));
  }

  /** Schedules the first deadline, one period from now. */
  begin(): void {
    this.#deadline = this.options.clock.nowNs() + this.#period;
    this.#sleep();
  }

  tick(): void {
    this.#pending = undefined;
    if (this.#stopped) return;
    const { clock } = this.options;
    const now = clock.nowNs();
    if (this.#deadline - now > EARLY_TOLERANCE_NS) {
      this.#sleep(); // a real-time timer fired early: sleep the rest
      return;
    }
    // Woken a whole period or more late: those deadlines are gone; count them.
    if (now > this.#deadline && now - this.#deadline >= this.#period) {
      const skipped = (now - this.#deadline) / this.#period;
      this.#overruns += Number(skipped);
      this.#deadline += skipped * this.#period;
    }
    const slot = this.#slots[this.#current] as Slot;
    if (slot.busy) {
      this.#overruns++; // the consumer still holds every slot
    } else if (!this.#take(slot, now)) {
      return;
    }
    this.#deadline += this.#period;
    this.#sleep();
  }

  /** Reads one sample into the slot; false when a read failed and the run ended. */
  #take(slot: Slot, now: bigint): boolean {
    const { readers } = this;
    const i = slot.count;
    try {
      for (let r = 0; r < readers.length; r++) {
        slot.values[i * readers.length + r] = (readers[r] as SampleReader)();
      }
    } catch (err) {
      this.stop();
      this.listener.error(err as RxuioError);
      return false;
    }
    slot.times[i] = now < this.#deadline ? this.#deadline : now;
    slot.deadlines[i] = this.#deadline;
    if (++slot.count === this.batch) {
      const { scheduler } = this.options.clock;
      const delivery = scheduler.schedule(deliver, this.options.wakeLatency, { run: this, slot });
      // A synchronous scheduler has delivered already; the slot is then free.
      if (slot.count === this.batch) slot.delivery = delivery;
      this.#current = (this.#current + 1) % SAMPLER_SLOTS;
    }
    return true;
  }

  /** The consumer takes a full slot: copied out, then the sampler's again. */
  deliver(slot: Slot): void {
    const n = slot.count;
    const registers = this.readers.length;
    const times = slot.times.slice(0, n);
    const deadlines = slot.deadlines.slice(0, n);
    const values = slot.values.slice(0, n * registers);
    slot.count = 0;
    slot.delivery = undefined;
    if (this.#stopped) return;
    this.listener.next({ times, deadlines, values, registers, overruns: this.#overruns });
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#pending?.unsubscribe();
    this.#pending = undefined;
    // Batches not yet delivered are dropped with the sampler, as natively.
    for (const slot of this.#slots) {
      slot.delivery?.unsubscribe();
      slot.delivery = undefined;
      slot.count = 0;
    }
    this.forget();
  }

  #sleep(): void {
    const { clock } = this.options;
    const delayMs = Math.max(0, Number(this.#deadline - clock.nowNs()) / 1e6);
    const action = clock.scheduler.schedule(tick, delayMs, this);
    if (!this.#stopped && this.#pending === undefined) this.#pending = action;
  }
}
