import { asyncScheduler, map, timer, type Observable, type SchedulerLike } from "rxjs";
import { RxuioError } from "../../errors.js";
import type { Backend } from "../../devices/backend.js";
import { untilAborted } from "../until-aborted.js";
import { untilClosed } from "../until-closed.js";

/** Something to read: a bound register (`regs.status`), a field, or a function. */
export type PollSource<V> = { read(): V } | (() => V);

export interface PollOptions {
  /** Virtual time in tests; asyncScheduler otherwise. */
  readonly scheduler?: SchedulerLike;
  readonly signal?: AbortSignal;
  /** Complete (or error with the reason) when this device closes. */
  readonly device?: Backend;
}

/**
 * Reads on a timer: once at subscription, then every `period` ms. A failed
 * read (ECLOSED, ERANGE, ...) errors the stream with that RxuioError.
 *
 * ```ts
 * poll(regs.status, 10).pipe(field(regs.status.fields.done), changes()).subscribe(...)
 * ```
 */
export function poll<V>(
  source: PollSource<V>,
  period: number,
  options: PollOptions | SchedulerLike = {},
): Observable<V> {
  if (!Number.isFinite(period) || period <= 0) {
    throw new RxuioError("EINVAL", `poll period ${period} ms is not a positive number`, {
      value: period,
      hint: "Pass the period in milliseconds, e.g. 10",
    });
  }
  const opts: PollOptions = "schedule" in options ? { scheduler: options } : options;
  const read = typeof source === "function" ? source : () => source.read();
  const ticks = timer(0, period, opts.scheduler ?? asyncScheduler).pipe(map(() => read()));
  const owned = opts.device ? ticks.pipe(untilClosed(opts.device)) : ticks;
  return owned.pipe(untilAborted(opts.signal));
}
