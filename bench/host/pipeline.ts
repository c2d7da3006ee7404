import { map } from "rxjs";
import { changes } from "../../src/streams/operators/changes.js";
import { field } from "../../src/streams/operators/field.js";
import { onInterrupt } from "../../src/streams/sources/on-interrupt.js";
import type { BenchContext } from "../bench-context.js";
import { metric, type MetricResult, type MetricSpec } from "../metric.js";
import { alternate, median } from "../rounds.js";
import { DATA_REGISTER, pulseDevice } from "./pulse-device.js";

/**
 * pipeline: events per second through simulator source → field → changes →
 * subscriber (onInterrupt snapshot of a data register, its bits 4..7, only
 * changes counted). The reference is the same simulated device consumed by a
 * hand-written Backend listener doing the same field extraction and change
 * test without RxJS, so the ratio is the price of the reactive layer. The
 * target (>= 5M events/s) is on rxuio's own figure.
 */
export const PIPELINE: MetricSpec = {
  name: "pipeline",
  unit: "events/s",
  target: { absolute: { op: ">=", value: 5_000_000 } },
};

const FIELD: readonly [number, number] = [4, 4];

/** rxuio's rate over `events` interrupts (exported to profile it: node --cpu-prof on a script calling it). */
export function rxuioRate(events: number): number {
  const { device, fire } = pulseDevice();
  let seen = 0;
  const subscription = onInterrupt(device, [DATA_REGISTER])
    .pipe(
      map((event) => event.values[0] ?? 0),
      field(FIELD),
      changes(),
    )
    .subscribe(() => seen++);
  const start = process.hrtime.bigint();
  for (let i = 1; i <= events; i++) fire(i & 0xff);
  const ns = Number(process.hrtime.bigint() - start);
  subscription.unsubscribe();
  device.close();
  // Bits 4..7 of i & 0xff: the first value, then a change every 16 events; anything else is a broken pipeline.
  if (seen !== 1 + Math.floor(events / 16))
    throw new Error(`pipeline saw ${seen} changes for ${events} events`);
  return (events / ns) * 1e9;
}

/** The reference's rate over `events` interrupts (exported, like rxuioRate, for profiling). */
export function referenceRate(events: number): number {
  const { device, fire } = pulseDevice();
  let seen = 0;
  let previous = -1;
  const watch = device.events.watch(
    {
      next(batch) {
        for (const event of batch) {
          const value = Number(event.values[0] ?? 0);
          const bits = (value >>> FIELD[0]) & ((1 << FIELD[1]) - 1);
          if (bits !== previous) {
            previous = bits;
            seen++;
          }
        }
      },
      error(err) {
        throw err;
      },
    },
    { snapshot: [DATA_REGISTER] },
  );
  const start = process.hrtime.bigint();
  for (let i = 1; i <= events; i++) fire(i & 0xff);
  const ns = Number(process.hrtime.bigint() - start);
  watch.stop();
  device.close();
  if (seen !== 1 + Math.floor(events / 16))
    throw new Error(`reference saw ${seen} changes for ${events} events`);
  return (events / ns) * 1e9;
}

export async function pipeline(context: BenchContext): Promise<MetricResult[]> {
  const events = context.quick ? 20_000 : 1_000_000;
  rxuioRate(events);
  referenceRate(events);
  context.log("pipeline: sim onInterrupt → field → changes → subscriber vs a plain listener");
  // The figure is over wall time. On a shared machine the process also
  // waits for a CPU during each round, which wall time counts; the rate over
  // the process's CPU time (which also counts GC and compiler threads and the
  // round's setup, but not waits) goes in the note, to tell a slow pipeline
  // from a busy machine. In a VM, time the hypervisor gives to other guests
  // still counts as CPU time, so a busy host lowers both.
  const cpuRates = { rxuio: [] as number[], reference: [] as number[] };
  const overCpu = (rate: (events: number) => number, into: number[]) => () => {
    const before = process.cpuUsage();
    const wallRate = rate(events);
    const cpu = process.cpuUsage(before);
    into.push((events / (cpu.user + cpu.system)) * 1e6);
    return wallRate;
  };
  const result = await alternate(
    context.rounds,
    overCpu(rxuioRate, cpuRates.rxuio),
    overCpu(referenceRate, cpuRates.reference),
  );
  const cpuNote = `by process CPU time (waits for a CPU in this OS excluded, time a hypervisor takes from the VM not): rxuio ${formatRate(median(cpuRates.rxuio))}, reference ${formatRate(median(cpuRates.reference))} events/s`;
  return [
    metric({
      ...PIPELINE,
      rxuio: result.rxuio,
      reference: result.reference,
      ratio: result.ratio,
      note: `host simulator, one event per interrupt, each stamped with its own clock read at wake-up (queueScheduler: Date.now()); reference = the same device read by a plain Backend listener (no RxJS); ${result.rounds} alternating rounds; ${cpuNote}`,
    }),
  ];
}

function formatRate(rate: number): string {
  return `${(rate / 1e6).toFixed(2)} M`;
}
