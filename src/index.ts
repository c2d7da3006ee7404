// The public API. This file only re-exports; nothing is defined here.
export * from "./errors.js";
export type * from "./devices/backend.js";
export * from "./devices/sysfs/info.js";
export * from "./devices/sysfs/discovery.js";
export * from "./devices/uio-device.js";
export type * from "./devices/uio-io.js";
export type { IrqControlChoice } from "./devices/irq/strategy.js";
