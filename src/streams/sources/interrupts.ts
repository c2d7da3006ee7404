import { share, type Observable } from "rxjs";
import type { Backend, EventMode, IrqEvent } from "../../devices/backend.js";
import { untilAborted } from "../until-aborted.js";
import { eventWatch } from "./event-watch.js";

export interface InterruptsOptions {
  /** Notification mode (default "epoll"); see also `sigio()`. */
  readonly mode?: EventMode;
  /** Completes this subscriber's stream when aborted. */
  readonly signal?: AbortSignal;
}

// One shared stream per device and mode, so however many subscribe there is
// one watch: it opens with the first subscriber and stops with the last.
// Weak keys let closed, forgotten devices be collected.
const shared = new WeakMap<Backend, Map<EventMode, Observable<IrqEvent>>>();

/**
 * The device's interrupts as a hot, shared stream of `{ count, missed, time }`.
 * `missed` is how many interrupts happened since the previous event without
 * being seen individually; loss is never hidden. Events of one wake-up are
 * emitted in order. Completes when the device closes; errors with the
 * reason (ENODEV, EIO) when it closes on failure.
 *
 * ```ts
 * interrupts(dev).pipe(ack(regs.ack, 1), rearm(dev)).subscribe(e => log(e.count, e.missed));
 * ```
 */
export function interrupts(device: Backend, options: InterruptsOptions = {}): Observable<IrqEvent> {
  const mode = options.mode ?? "epoll";
  let byMode = shared.get(device);
  if (!byMode) {
    byMode = new Map();
    shared.set(device, byMode);
  }
  let stream = byMode.get(mode);
  if (!stream) {
    stream = eventWatch(device, mode, []).pipe(share());
    byMode.set(mode, stream);
  }
  return stream.pipe(untilAborted(options.signal));
}
