import { Observable, type MonoTypeOperatorFunction } from "rxjs";
import { RxuioError } from "../errors.js";
import type { Backend } from "../devices/backend.js";

/**
 * Ties a stream to its device's lifetime: when the device is closed the
 * stream completes; when it closed because of a failure (unplug, I/O error)
 * the stream errors with that typed reason. Subscribing to a device that is
 * already closed errors with ECLOSED.
 */
export function untilClosed<T>(device: Backend): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      if (device.closed) {
        subscriber.error(
          new RxuioError("ECLOSED", `${device.info.devicePath} is closed`, {
            path: device.info.devicePath,
            hint: "Open the device again before subscribing",
          }),
        );
        return;
      }
      const off = device.onClose((reason) =>
        reason ? subscriber.error(reason) : subscriber.complete(),
      );
      const subscription = source.subscribe(subscriber);
      return () => {
        off();
        subscription.unsubscribe();
      };
    });
}
