import type { Command } from "commander";
import {
  EMPTY,
  combineLatest,
  fromEvent,
  lastValueFrom,
  map,
  scan,
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
import type { Backend, Width } from "../../devices/backend.js";
import { readAtWidth } from "../../devices/region-width.js";
import { UioDevice } from "../../devices/uio-device.js";
import { rate } from "../../streams/operators/rate.js";
import { interrupts } from "../../streams/sources/interrupts.js";
import { poll } from "../../streams/sources/poll.js";
import { processIo } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { parseDeviceArgument, parseMapArgument } from "../device-argument.js";
import { formatHex, parseIndexArgument } from "../number-argument.js";

/**
 * `rxuio watch <dev>`: live IRQ rate, missed count and chosen registers of a
 * real device until Ctrl-C. It only observes: it neither acks nor unmasks,
 * so on a level-triggered device (uio_pci_generic) the count moves only
 * while another process services the interrupt. The frames come from
 * `watchFrames`, which runs on any Backend (the tests use the simulator).
 */

/** A register named on the command line as `map:offset[:width]`. */
export interface WatchedRegister {
  readonly map: number | string;
  readonly offset: number;
  readonly width: Width;
  /** As typed, for the display. */
  readonly label: string;
}

export interface WatchFrame {
  readonly elapsed: number;
  readonly interrupts: number;
  readonly missed: number;
  /** Interrupts per second over the last second. */
  readonly irqRate: number;
  readonly values: readonly (number | bigint)[];
}

/** Parses `--reg map:offset[:width]` (width 32 when absent). */
export function parseRegisterOption(text: string): WatchedRegister {
  const parts = text.split(":");
  const [mapText, offsetText, widthText = "32"] = parts;
  if (parts.length < 2 || parts.length > 3 || !mapText || !offsetText) {
    throw new RxuioError("EINVAL", `--reg ${JSON.stringify(text)} is not map:offset[:width]`, {
      value: text,
      hint: "For example --reg 0:0x24 or --reg bar0:0x08:64",
    });
  }
  const width = Number(widthText);
  if (width !== 8 && width !== 16 && width !== 32 && width !== 64) {
    throw new RxuioError(
      "EINVAL",
      `--reg ${JSON.stringify(text)}: width ${widthText} is not 8, 16, 32 or 64`,
      {
        value: text,
      },
    );
  }
  return {
    map: parseMapArgument(mapText),
    offset: parseIndexArgument(offsetText, "register offset"),
    width,
    label: text,
  };
}

function readRegister(device: Backend, reg: WatchedRegister): number | bigint {
  const region = device.region(reg.map);
  return readAtWidth(region, reg.offset, reg.width);
}

/**
 * One frame every `frameMs`: the registers read at that moment (poll), the
 * interrupt totals so far (count jumps included) and the IRQ rate. Ends
 * when the device closes; errors with the reason when it was unplugged.
 */
export function watchFrames(
  device: Backend,
  registers: readonly WatchedRegister[],
  options: { readonly frameMs: number; readonly scheduler?: SchedulerLike },
): Observable<WatchFrame> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const events = device.events.hasIrq ? interrupts(device) : EMPTY;
  const totals$ = events.pipe(
    scan((t, e) => ({ interrupts: t.interrupts + 1 + e.missed, missed: t.missed + e.missed }), {
      interrupts: 0,
      missed: 0,
    }),
    startWith({ interrupts: 0, missed: 0 }),
  );
  const irqRate$ = events.pipe(
    rate(1000, { scheduler, weight: (e) => 1 + e.missed }),
    startWith(0),
  );
  let frame = 0;
  return poll(() => registers.map((reg) => readRegister(device, reg)), options.frameMs, {
    scheduler,
    device,
  }).pipe(
    withLatestFrom(combineLatest([totals$, irqRate$])),
    map(([values, [totals, irqRate]]) => ({
      elapsed: (frame++ * options.frameMs) / 1000,
      irqRate,
      values,
      ...totals,
    })),
  );
}

/** The frame for a terminal: several lines. */
export function formatWatchFrame(
  frame: WatchFrame,
  registers: readonly WatchedRegister[],
  device: string,
): string {
  return [
    `rxuio watch ${device} (${frame.elapsed.toFixed(1)} s, Ctrl-C to stop)`,
    `  IRQ rate ${frame.irqRate.toFixed(1)}/s   interrupts ${frame.interrupts}   missed ${frame.missed}`,
    ...registers.map(
      (reg, i) => `  ${reg.label.padEnd(16)} ${formatHex(frame.values[i] ?? 0, reg.width)}`,
    ),
  ].join("\n");
}

/** The frame as one plain line. */
export function formatWatchLine(frame: WatchFrame, registers: readonly WatchedRegister[]): string {
  const regs = registers.map(
    (reg, i) => ` ${reg.label}=${formatHex(frame.values[i] ?? 0, reg.width)}`,
  );
  return `t=${frame.elapsed.toFixed(1)}s interrupts=${frame.interrupts} missed=${frame.missed} irq/s=${frame.irqRate.toFixed(1)}${regs.join("")}`;
}

interface WatchCliOptions {
  reg: string[];
  interval: string;
  duration?: string;
  plain?: boolean;
}

export function registerWatch(program: Command, context: CommandContext): void {
  program
    .command("watch")
    .description("live IRQ rate, missed interrupts and registers of a device, until Ctrl-C")
    .argument("<dev>", "device index (0), node name (uio0) or device name (uio_pci_generic)")
    .option(
      "--reg <map:offset[:width]>",
      "a register to show (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--interval <ms>", "refresh period", "500")
    .option("--duration <seconds>", "stop after this long instead of at Ctrl-C")
    .option("--plain", "plain lines even on a terminal")
    .action(async (dev: string, raw: WatchCliOptions, command: Command) => {
      const registers = raw.reg.map(parseRegisterOption);
      const frameMs = Number(raw.interval);
      if (!(frameMs > 0)) {
        throw new RxuioError(
          "EINVAL",
          `--interval must be a positive number of ms, got ${JSON.stringify(raw.interval)}`,
        );
      }
      const seconds = raw.duration === undefined ? Infinity : Number(raw.duration);
      if (!(seconds > 0)) {
        throw new RxuioError(
          "EINVAL",
          `--duration must be a positive number, got ${JSON.stringify(raw.duration)}`,
        );
      }
      const { io } = context;
      const live = !raw.plain && io === processIo && process.stdout.isTTY === true;
      const device = await UioDevice.open(parseDeviceArgument(dev), context.discovery(command));
      let shownLines = 0;
      let last: WatchFrame | undefined;
      if (live) io.out("\x1b[?25l");
      try {
        // Fail now, with the region's own message, rather than in the first frame.
        for (const reg of registers) readRegister(device, reg);
        const frames = watchFrames(device, registers, { frameMs }).pipe(
          take(
            Number.isFinite(seconds)
              ? Math.max(1, Math.round((seconds * 1000) / frameMs))
              : Infinity,
          ),
          takeUntil(fromEvent(process, "SIGINT")),
          tap((frame) => {
            last = frame;
            if (live) {
              const text = formatWatchFrame(frame, registers, device.info.devicePath);
              io.out(`${shownLines > 0 ? `\x1b[${shownLines}F\x1b[J` : ""}${text}\n`);
              shownLines = text.split("\n").length;
            } else io.out(`${formatWatchLine(frame, registers)}\n`);
          }),
        );
        await lastValueFrom(frames, { defaultValue: undefined });
      } finally {
        device.close();
        if (live) io.out("\x1b[?25h");
      }
      io.out(
        `watched ${last?.elapsed.toFixed(1) ?? "0.0"} s: ${last?.interrupts ?? 0} interrupts, ${last?.missed ?? 0} missed\n`,
      );
    });
}
