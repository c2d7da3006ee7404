import type { Observable } from "rxjs";
import type { Backend, IrqEvent } from "../../devices/backend.js";
import { interrupts } from "./interrupts.js";

/**
 * `interrupts(device)` notified by SIGIO (fcntl F_SETOWN + O_ASYNC on the
 * event fd) instead of epoll, for parity with the kernel API. Signals
 * coalesce, so as with epoll loss shows only as `missed`. Errors with ENOSYS
 * when the device's backend does not offer the mode.
 */
export function sigio(
  device: Backend,
  options: { readonly signal?: AbortSignal } = {},
): Observable<IrqEvent> {
  return interrupts(device, { ...options, mode: "sigio" });
}
