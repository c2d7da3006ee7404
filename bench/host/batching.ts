import { execFileSync } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { NativeEventFd } from "../../src/native/event-fd.js";
import type { BenchContext } from "../bench-context.js";
import { metric, type MetricResult, type MetricSpec } from "../metric.js";
import { alternate } from "../rounds.js";

/**
 * batching: the native event fd on a FIFO that carries 4-byte counts (the
 * stand-in for /dev/uioN the native tests use). rxuio's way: the producer
 * queues BATCH events before the consumer wakes, and the uv_poll watcher
 * hands them all to JS in one call. The reference is one JS call per event:
 * the producer queues one event per wake-up. Both count events per second
 * through the same watcher, wrapper and missed accounting; the target is the
 * batched rate >= 10x the per-event rate.
 */
export const BATCHING: MetricSpec = {
  name: "batching",
  unit: "events/s",
  target: { ratio: { op: ">=", value: 10 } },
};

const BATCH = 256; // native/event_fd.h kBatchCapacity: the most one wake-up delivers

function deliveryRate(fifo: string, perWake: number, total: number): Promise<number> {
  const events = NativeEventFd.open(fifo, { writable: false });
  const writer = openSync(fifo, "w");
  let next = 1;
  let received = 0;
  let expected = 1;
  const counts = new Int32Array(perWake);
  const produce = (): void => {
    for (let i = 0; i < perWake; i++) counts[i] = next++;
    writeSync(writer, counts);
  };
  return new Promise<number>((resolve, reject) => {
    let start = 0n;
    const finish = (err?: Error): void => {
      events.close();
      closeSync(writer);
      if (err) reject(err);
      else resolve((received / Number(process.hrtime.bigint() - start)) * 1e9);
    };
    events.watch(
      (batch) => {
        for (const event of batch) {
          // Sequential counts: a gap or a missed > 0 would mean lost accounting.
          if (event.count !== expected || event.missed !== 0) {
            finish(
              new Error(`event ${event.count} (missed ${event.missed}), expected ${expected}`),
            );
            return;
          }
          expected++;
          received++;
        }
        if (received >= total) finish();
        else if (received === next - 1) produce();
      },
      (err) => finish(err),
    );
    start = process.hrtime.bigint();
    produce();
  });
}

export async function batching(context: BenchContext): Promise<MetricResult[]> {
  const fifo = join(context.scratchDir, "events.fifo");
  execFileSync("mkfifo", [fifo]);
  const batched = context.quick ? BATCH * 20 : BATCH * 2_000;
  const single = context.quick ? 500 : 40_000;
  await deliveryRate(fifo, BATCH, batched);
  await deliveryRate(fifo, 1, single);
  context.log(`batching: ${BATCH} events per wake-up vs one JS call per event (FIFO event fd)`);
  const result = await alternate(
    context.rounds,
    () => deliveryRate(fifo, BATCH, batched),
    () => deliveryRate(fifo, 1, single),
  );
  return [
    metric({
      ...BATCHING,
      rxuio: result.rxuio,
      reference: result.reference,
      ratio: result.ratio,
      note: `host, NativeEventFd on a FIFO; rxuio = ${BATCH} events per wake-up in one JS call, reference = one event (one JS call) per wake-up; ${result.rounds} alternating rounds`,
    }),
  ];
}
