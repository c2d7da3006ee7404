import { Observable, concatMap, map, of } from "rxjs";
import type { Backend, IrqSnapshot } from "../devices/backend.js";
import { ADC_SAMPLE_FORMAT, simAdcRegisters } from "../devices/registers/maps/sim-adc.js";
import { ack } from "../streams/operators/ack.js";
import { decodeSample } from "../streams/operators/decode-sample.js";
import { onInterrupt } from "../streams/sources/on-interrupt.js";

export interface AcquisitionOptions {
  /** Samples per interrupt in watermark mode (default 32). */
  readonly watermark?: number;
  /** "perWatermark" (default): one interrupt per `watermark` samples; "perSample": one each. */
  readonly mode?: "perWatermark" | "perSample";
  readonly signal?: AbortSignal;
}

/** The samples one interrupt made available, with what it cost to get them. */
export interface AcquisitionBlock {
  readonly interrupt: IrqSnapshot;
  /** Index of the first sample in `samples` (counting from the start of the device). */
  readonly first: number;
  /** Decoded samples, scaled to [-1, 1). */
  readonly samples: readonly number[];
  /** Samples overwritten in the ring before this block could read them. */
  readonly lost: number;
}

/** The stages, in order, as the demo shows them. */
export const ACQUISITION_STAGES = [
  "adc irq",
  "onInterrupt [count, status]",
  "ack(status)",
  "ring slice",
  `decodeSample("${ADC_SAMPLE_FORMAT}")`,
  "scale",
] as const;

/**
 * ADC acquisition as one pipeline on the simulator's ADC: subscribing starts
 * sampling, unsubscribing stops it. Each interrupt snapshots `count` and
 * `status` at wake-up, acks exactly the status bits seen, slices the new
 * samples out of the ring (wrapping, and counting what was overwritten),
 * decodes them from IIO `le:s12/16>>4` and scales them to [-1, 1).
 *
 * ```ts
 * adcAcquisition(simulate({ behaviour: adc({ rate: 2000 }) })).subscribe(b => plot(b.samples));
 * ```
 */
export function adcAcquisition(
  device: Backend,
  options: AcquisitionOptions = {},
): Observable<AcquisitionBlock> {
  return new Observable<AcquisitionBlock>((subscriber) => {
    const regs = simAdcRegisters.bind(device.region("regs"));
    const ring = device.region("samples");
    const slots = regs.slots.read();
    const decode = decodeSample(ADC_SAMPLE_FORMAT);
    let next = regs.count.read();

    const subscription = onInterrupt(device, [regs.count, regs.status], { signal: options.signal })
      .pipe(
        ack(regs.status, (event) => event.values[1] ?? 0),
        concatMap((interrupt) => {
          const count = Number(interrupt.values[0]);
          const available = (count - next) >>> 0;
          const lost = Math.max(0, available - slots);
          const first = next + lost;
          next = count;
          return of(readRing(ring, first, available - lost, slots)).pipe(
            decode,
            map((raw) => ({ interrupt, first, lost, samples: raw.map((v) => v / 2048) })),
          );
        }),
      )
      .subscribe(subscriber);

    regs.watermark.write(options.watermark ?? 32);
    regs.ctrl.fields.mode.write(options.mode ?? "perWatermark");
    regs.ctrl.fields.run.write(1);
    return () => {
      subscription.unsubscribe();
      if (!device.closed) regs.ctrl.fields.run.write(0);
    };
  });
}

/** `length` samples from sample index `first`, unwrapped from the ring. */
function readRing(
  ring: { readBlock(offset: number, length: number): Buffer },
  first: number,
  length: number,
  slots: number,
): Uint8Array {
  const start = first % slots;
  const head = Math.min(length, slots - start);
  const a = ring.readBlock(start * 2, head * 2);
  return head === length ? a : Buffer.concat([a, ring.readBlock(0, (length - head) * 2)]);
}
