import { readdir, readlink } from "node:fs/promises";
import { basename, join } from "node:path";
import * as t from "io-ts";
import {
  EventCountAttribute,
  HexAddressAttribute,
  HexNumberAttribute,
  OptionalNameAttribute,
  TextAttribute,
} from "./attribute.js";
import type { UioInfo, UioMap, UioPort } from "./info.js";
import { readAttributes } from "./read-attributes.js";
import { errnoOf, systemError } from "../system-error.js";

/**
 * Reads one `/sys/class/uio/uioN` directory into a {@link UioInfo}. The
 * attribute layout is the kernel's (drivers/uio/uio.c): `name`, `version`,
 * `event` at the top, one `maps/mapN` directory per memory region and one
 * `portio/portN` per port range, plus the parent device's `driver` symlink.
 */

const DeviceAttributes = t.type({
  name: TextAttribute,
  version: TextAttribute,
  event: EventCountAttribute,
});

const MapAttributes = t.type({
  name: OptionalNameAttribute,
  addr: HexAddressAttribute,
  size: HexNumberAttribute,
  offset: HexNumberAttribute,
});

const PortAttributes = t.type({
  name: OptionalNameAttribute,
  start: HexNumberAttribute,
  size: HexNumberAttribute,
  porttype: TextAttribute,
});

export async function readDeviceDirectory(
  sysfsPath: string,
  index: number,
  devicePath: string,
): Promise<UioInfo> {
  const attributes = await readAttributes(sysfsPath, DeviceAttributes);
  const maps: UioMap[] = [];
  for (const [mapIndex, dir] of await numberedEntries(join(sysfsPath, "maps"), "map")) {
    maps.push({ index: mapIndex, ...(await readAttributes(dir, MapAttributes)) });
  }
  const ports: UioPort[] = [];
  for (const [portIndex, dir] of await numberedEntries(join(sysfsPath, "portio"), "port")) {
    ports.push({ index: portIndex, ...(await readAttributes(dir, PortAttributes)) });
  }
  return {
    index,
    devicePath,
    sysfsPath,
    ...attributes,
    maps,
    ports,
    driver: await driverName(sysfsPath),
  };
}

/**
 * `<prefix>N` entries of a directory as [N, path], sorted by N. A missing
 * directory means none: the kernel only creates `maps/` and `portio/` when
 * the driver declared at least one region.
 */
export async function numberedEntries(
  dir: string,
  prefix: string,
): Promise<(readonly [number, string])[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoOf(err) === "ENOENT" || errnoOf(err) === "ENOTDIR") return [];
    throw systemError(err, dir, "read directory");
  }
  const pattern = new RegExp(`^${prefix}(0|[1-9][0-9]*)$`);
  return names
    .flatMap((name) => {
      const match = pattern.exec(name);
      return match?.[1] === undefined ? [] : [[Number(match[1]), join(dir, name)] as const];
    })
    .sort(([a], [b]) => a - b);
}

/** The bound driver (e.g. "uio_pci_generic"), from the parent device's `driver` symlink. */
async function driverName(sysfsPath: string): Promise<string | undefined> {
  try {
    return basename(await readlink(join(sysfsPath, "device", "driver")));
  } catch {
    // Absent for virtual devices and unreadable in some containers; the
    // driver only refines the IRQ-control choice, so its absence is not an error.
    return undefined;
  }
}
