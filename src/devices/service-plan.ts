import { RxuioError } from "../errors.js";
import type { NativeServicePlan, ServiceRearm, ServiceRegister } from "../native/irq-service.js";
import type { ServicePlan, SnapshotRegister } from "./backend.js";
import type { UioInfo } from "./sysfs/info.js";

/** What a UIO device's serviced watch is made of, before it becomes a native plan. */
export interface ServicedWatch {
  readonly info: UioInfo;
  readonly pageSize: number;
  /** The sysfs count as the watch starts. */
  readonly baseline: number;
  readonly snapshot: readonly SnapshotRegister[];
  readonly plan: ServicePlan;
  /** Asked only when the plan re-arms (it throws for devices that cannot). */
  readonly rearm: () => ServiceRearm;
}

/**
 * Turns a {@link ServicePlan} on a UIO device into the plan the native
 * service thread runs: every register resolved to one map of /dev/uioN
 * (the thread maps it itself, at file offset index * page size, so closing
 * the device's own region can never pull memory from under it). Registers
 * of a plan are up to 32 bits wide and in one map; anything else is refused
 * here, with what to do instead.
 */
export function nativeServicePlan(watch: ServicedWatch): NativeServicePlan {
  const { info, plan, snapshot } = watch;
  const name = `uio${info.index} (${info.name})`;
  const ack = plan.ack;
  const all = [...snapshot, ...(ack ? [ack.register, ...("from" in ack ? [ack.from] : [])] : [])];
  const mapIndex = all[0]?.region;
  if (mapIndex !== undefined && all.some((r) => r.region !== mapIndex)) {
    throw new RxuioError("EINVAL", `A service plan's registers must all be in one map of ${name}`, {
      value: all.map((r) => r.region),
      path: info.devicePath,
      hint: "Snapshot registers of other maps with a separate onInterrupt() watch",
    });
  }
  const register = (r: SnapshotRegister): ServiceRegister => {
    if (r.width === 64) {
      throw new RxuioError(
        "EINVAL",
        "A service plan reads and writes registers up to 32 bits wide",
        {
          value: r,
          path: info.devicePath,
          hint: "Use the 32-bit halves of a 64-bit register",
        },
      );
    }
    return { offset: r.offset, width: r.width };
  };
  const map = mapIndex === undefined ? undefined : info.maps.find((m) => m.index === mapIndex);
  if (mapIndex !== undefined && map === undefined) {
    throw new RxuioError("ERANGE", `${name} has no map ${mapIndex}`, {
      value: mapIndex,
      path: info.devicePath,
      hint: `Its maps are: ${info.maps.map((m) => m.index).join(", ") || "none"}`,
    });
  }
  return {
    eventPath: info.devicePath,
    baseline: watch.baseline,
    ...(map === undefined
      ? {}
      : {
          region: {
            path: info.devicePath,
            fileOffset: map.index * watch.pageSize,
            inPageOffset: map.offset,
            length: map.size,
          },
        }),
    snapshot: snapshot.map(register),
    ...(ack === undefined
      ? {}
      : {
          ack:
            "from" in ack
              ? { ...register(ack.register), from: register(ack.from) }
              : { ...register(ack.register), value: ack.value },
        }),
    rearm: plan.rearm === true ? watch.rearm() : { kind: "none" },
    // The lowest realtime priority: above every normal thread, below the
    // kernel's own interrupt threads (50).
    ...(plan.realtime === true ? { realtime: 1 } : {}),
    ...(plan.thread === "event-loop" ? { eventLoop: true } : {}),
  };
}
