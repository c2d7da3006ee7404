import { Observable } from "rxjs";
import { RxuioError } from "../../errors.js";
import type {
  Backend,
  EventMode,
  EventWatchOptions,
  IrqSnapshot,
  ServicePlan,
  SnapshotRegister,
} from "../../devices/backend.js";
import { untilClosed } from "../until-closed.js";

/**
 * One backend watch as a cold Observable: subscribing opens the watch,
 * unsubscribing stops it. Each wake-up's batch is emitted in order; the
 * stream ends with the device (see untilClosed).
 */
export function eventWatch(
  device: Backend,
  mode: EventMode,
  snapshot: readonly SnapshotRegister[],
  service?: ServicePlan,
): Observable<IrqSnapshot> {
  return new Observable<IrqSnapshot>((subscriber) => {
    const modes = device.events.modes ?? ["epoll"];
    if (!modes.includes(mode)) {
      throw new RxuioError(
        "ENOSYS",
        `${device.info.devicePath} does not support ${mode} notification`,
        {
          path: device.info.devicePath,
          value: mode,
          hint: `Use one of: ${modes.join(", ")}`,
        },
      );
    }
    if (!device.events.hasIrq) {
      throw new RxuioError("ENOSYS", `${device.info.devicePath} has no interrupt`, {
        path: device.info.devicePath,
        hint: "Poll its registers with poll() instead",
      });
    }
    const watch = device.events.watch(
      {
        next(events) {
          // Indexed, not for-of: no iterator per batch on the path every
          // interrupt takes (see native/irq_service.h on why that path's
          // code and allocation count).
          const length = events.length;
          for (let i = 0; i < length; i++) {
            // A downstream take()/unsubscribe mid-batch ends delivery at once.
            if (subscriber.closed) return;
            subscriber.next(events[i] as IrqSnapshot);
          }
        },
        error: (err) => subscriber.error(err),
      },
      {
        mode,
        ...(snapshot.length > 0 ? { snapshot } : {}),
        ...(service ? { service } : {}),
      } satisfies EventWatchOptions,
    );
    return () => watch.stop();
  }).pipe(untilClosed(device));
}
