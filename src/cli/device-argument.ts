import type { DeviceRef } from "../devices/sysfs/discovery.js";

/**
 * A device as typed on the command line: "0" and "uio0" are indexes, anything
 * else is the device's name ("uio_pci_generic").
 */
export function parseDeviceArgument(text: string): DeviceRef {
  const match = /^(?:uio)?(0|[1-9][0-9]*)$/.exec(text);
  return match?.[1] === undefined ? { name: text } : { index: Number(match[1]) };
}

/** A map as typed on the command line: a number is an index, anything else a map name. */
export function parseMapArgument(text: string): number | string {
  return /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : text;
}
