import { RxuioError } from "../errors.js";
import type { ServicePlan, ServiceRunner } from "./backend.js";

const RUNNERS: readonly ServiceRunner[] = ["service", "event-loop"];

/**
 * Refuses a service plan whose switches are not what the types promise, on
 * every backend alike (the simulator ignores `realtime` and `thread`, but
 * accepts only the plans a real device accepts, so code tried on it does not
 * fail later on hardware). TypeScript callers cannot get these wrong; plain
 * JS and configuration files can, and a flag that was silently ignored (an
 * unknown `thread` running on the default thread, `rearm: "yes"` leaving the
 * line masked) would fail far from its cause.
 */
export function checkServicePlanOptions(plan: ServicePlan, devicePath?: string): void {
  const where = devicePath === undefined ? {} : { path: devicePath };
  const { thread, realtime, rearm } = plan as {
    readonly thread?: unknown;
    readonly realtime?: unknown;
    readonly rearm?: unknown;
  };
  if (thread !== undefined && !RUNNERS.includes(thread as ServiceRunner)) {
    throw new RxuioError("EINVAL", `unknown service runner thread: ${JSON.stringify(thread)}`, {
      value: thread,
      ...where,
      hint: `Use one of: ${RUNNERS.map((r) => JSON.stringify(r)).join(", ")}, or leave it out for "service"`,
    });
  }
  for (const [name, flag] of [
    ["realtime", realtime],
    ["rearm", rearm],
  ] as const) {
    if (flag !== undefined && typeof flag !== "boolean") {
      throw new RxuioError("EINVAL", `the service plan's ${name} must be true or false`, {
        value: flag,
        ...where,
        hint: `Pass ${name}: true or false, or leave it out`,
      });
    }
  }
  if (realtime === true && thread === "event-loop") {
    throw new RxuioError(
      "EINVAL",
      'realtime applies to the service thread; a plan serviced in the event loop (thread: "event-loop") has none',
      {
        value: { realtime, thread },
        ...where,
        hint: 'Leave realtime out, or service on the thread (thread: "service")',
      },
    );
  }
}
