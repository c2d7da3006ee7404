import type { Command } from "commander";
import {
  combineLatest,
  fromEvent,
  interval,
  lastValueFrom,
  map,
  scan,
  share,
  startWith,
  take,
  takeUntil,
  tap,
  withLatestFrom,
  asyncScheduler,
  type Observable,
  type SchedulerLike,
} from "rxjs";
import { RxuioError } from "../../errors.js";
import { ACQUISITION_STAGES, adcAcquisition } from "../../drivers/adc-acquisition.js";
import { adc } from "../../devices/sim/adc.js";
import { simulate, type SimDevice } from "../../devices/sim/simulate.js";
import { rate } from "../../streams/operators/rate.js";
import { processIo } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";

/**
 * `rxuio demo`: the ADC acquisition pipeline (src/drivers/adc-acquisition.ts)
 * on the simulator, no root and no hardware. A live view (sparkline of the
 * latest samples, IRQ rate, missed interrupts, the pipeline's stages) for
 * `--duration` seconds, then a summary; `--json` prints only the summary as
 * one JSON object. When stdout is not a terminal, the live view becomes one
 * plain line per second.
 */

/** What the demo reports at the end (also the `--json` object). */
export interface DemoSummary {
  readonly samples: number;
  readonly interrupts: number;
  readonly missed: number;
  /** Interrupts per second over the whole run. */
  readonly rate: number;
}

/** One refresh of the live view. */
export interface DemoFrame {
  /** Seconds since the start. */
  readonly elapsed: number;
  readonly samples: number;
  /** Interrupts the device raised (seen + missed). */
  readonly interrupts: number;
  readonly missed: number;
  /** Samples overwritten in the ring before they were read. */
  readonly lost: number;
  /** Interrupts per second over the last half second. */
  readonly irqRate: number;
  /** The latest samples, oldest first, in [-1, 1). */
  readonly recent: readonly number[];
}

export interface DemoOptions {
  /** ADC sample rate in Hz. */
  readonly sampleRate: number;
  /** Samples per interrupt. */
  readonly watermark: number;
  /** Ms between frames. */
  readonly frameMs: number;
  readonly scheduler?: SchedulerLike;
}

const RECENT = 256;

/**
 * The live view's data as a stream of frames: acquisition blocks folded into
 * totals, an IRQ rate, sampled once per frame.
 */
export function demoFrames(device: SimDevice, options: DemoOptions): Observable<DemoFrame> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const blocks$ = adcAcquisition(device, { watermark: options.watermark }).pipe(share());
  const empty = { samples: 0, interrupts: 0, missed: 0, lost: 0, recent: [] as readonly number[] };
  const totals$ = blocks$.pipe(
    scan(
      (t, b) => ({
        samples: t.samples + b.samples.length,
        interrupts: t.interrupts + 1 + b.interrupt.missed,
        missed: t.missed + b.interrupt.missed,
        lost: t.lost + b.lost,
        recent: [...t.recent, ...b.samples].slice(-RECENT),
      }),
      empty,
    ),
    startWith(empty),
  );
  const irqRate$ = blocks$.pipe(
    rate(500, { scheduler, weight: (b) => 1 + b.interrupt.missed }),
    startWith(0),
  );
  return interval(options.frameMs, scheduler).pipe(
    withLatestFrom(combineLatest([totals$, irqRate$])),
    map(([tick, [totals, irqRate]]) => ({
      elapsed: ((tick + 1) * options.frameMs) / 1000,
      irqRate,
      ...totals,
    })),
  );
}

const BARS = "▁▂▃▄▅▆▇█";

/** A one-line chart of values in [-1, 1], at most `width` characters. */
export function sparkline(values: readonly number[], width = 64): string {
  if (values.length === 0) return "";
  const step = Math.max(1, values.length / width);
  let line = "";
  for (let i = 0; i < values.length && line.length < width; i += step) {
    const v = values[Math.floor(i)] ?? 0;
    const level = Math.round(((Math.max(-1, Math.min(1, v)) + 1) / 2) * (BARS.length - 1));
    line += BARS[level];
  }
  return line;
}

/** The live view of one frame, several lines, for a terminal. */
export function formatDemoFrame(frame: DemoFrame, options: DemoOptions): string {
  return [
    `rxuio demo: simulated ADC at ${options.sampleRate} Hz, one IRQ per ${options.watermark} samples (${frame.elapsed.toFixed(1)} s)`,
    `  ${sparkline(frame.recent)}`,
    `  IRQ rate ${frame.irqRate.toFixed(1)}/s   interrupts ${frame.interrupts}   missed ${frame.missed}   samples ${frame.samples}   lost ${frame.lost}`,
    `  pipeline ${ACQUISITION_STAGES.join(" → ")}`,
  ].join("\n");
}

/** The same frame as one plain line, for logs and pipes. */
export function formatDemoLine(frame: DemoFrame): string {
  return `t=${frame.elapsed.toFixed(1)}s samples=${frame.samples} interrupts=${frame.interrupts} missed=${frame.missed} lost=${frame.lost} irq/s=${frame.irqRate.toFixed(1)}`;
}

export function summarize(frame: DemoFrame | undefined, seconds: number): DemoSummary {
  const interrupts = frame?.interrupts ?? 0;
  return {
    samples: frame?.samples ?? 0,
    interrupts,
    missed: frame?.missed ?? 0,
    rate: seconds > 0 ? Math.round((interrupts / seconds) * 10) / 10 : 0,
  };
}

function positive(text: string, what: string, integer: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RxuioError(
      "EINVAL",
      `--${what} must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(text)}`,
      {
        value: text,
      },
    );
  }
  return value;
}

interface DemoCliOptions {
  duration: string;
  rate: string;
  watermark: string;
  json?: boolean;
  plain?: boolean;
}

export function registerDemo(program: Command, context: CommandContext): void {
  program
    .command("demo")
    .description(
      "ADC acquisition pipeline on the simulator: live view, then a summary (no hardware needed)",
    )
    .option("--duration <seconds>", "how long to run", "5")
    .option("--rate <hz>", "ADC sample rate", "2000")
    .option("--watermark <samples>", "samples per interrupt", "32")
    .option("--json", "print only the summary, as one JSON object")
    .option("--plain", "plain lines even on a terminal")
    .action(async (raw: DemoCliOptions) => {
      const seconds = positive(raw.duration, "duration", false);
      const options: DemoOptions = {
        sampleRate: positive(raw.rate, "rate", true),
        watermark: positive(raw.watermark, "watermark", true),
        frameMs: 1000,
      };
      const { io } = context;
      // Only the real process's stdout can be a terminal; captured output never is.
      const live = !raw.json && !raw.plain && io === processIo && process.stdout.isTTY === true;
      const frameMs = live ? 100 : Math.min(1000, seconds * 1000);
      const view = { ...options, frameMs };
      const device = simulate({ behaviour: adc({ rate: view.sampleRate }) });
      const interrupted = fromEvent(process, "SIGINT");
      let last: DemoFrame | undefined;
      let shownLines = 0;
      if (live) io.out("\x1b[?25l");
      try {
        const frames = demoFrames(device, view).pipe(
          // Counting frames rather than racing a timer makes the last frame land at the end.
          take(Math.max(1, Math.round((seconds * 1000) / frameMs))),
          takeUntil(interrupted),
          tap((frame) => {
            last = frame;
            if (raw.json) return;
            if (live) {
              const text = formatDemoFrame(frame, view);
              io.out(`${shownLines > 0 ? `\x1b[${shownLines}F\x1b[J` : ""}${text}\n`);
              shownLines = text.split("\n").length;
            } else io.out(`${formatDemoLine(frame)}\n`);
          }),
        );
        await lastValueFrom(frames, { defaultValue: undefined });
      } finally {
        device.close();
        if (live) io.out("\x1b[?25h");
      }
      const summary = summarize(last, last?.elapsed ?? seconds);
      io.out(
        raw.json
          ? `${JSON.stringify(summary)}\n`
          : `summary: ${summary.samples} samples, ${summary.interrupts} interrupts, ${summary.missed} missed, ${summary.rate} IRQ/s\n`,
      );
    });
}
