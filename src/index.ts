// The public API. This file only re-exports; nothing is defined here.
export * from "./errors.js";
export type * from "./devices/backend.js";
export * from "./devices/sysfs/info.js";
