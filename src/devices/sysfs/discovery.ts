import { join } from "node:path";
import { RxuioError } from "../../errors.js";
import { readAttribute } from "./read-attributes.js";
import { numberedEntries, readDeviceDirectory } from "./device-directory.js";
import type { UioInfo } from "./info.js";

/** Where to look: the sysfs and /dev mount points (tests point them at fixtures). */
export interface DiscoveryOptions {
  /** Default "/sys". Devices are read from `<sysfsRoot>/class/uio`. */
  readonly sysfsRoot?: string;
  /** Default "/dev". The device node of uioN is `<devRoot>/uioN`. */
  readonly devRoot?: string;
}

/** A device by index (0 for uio0), by name (the `name` attribute), or either as an object. */
export type DeviceRef = number | string | { readonly name: string } | { readonly index: number };

function classDir(options: DiscoveryOptions): string {
  return join(options.sysfsRoot ?? "/sys", "class", "uio");
}

function devicePath(index: number, options: DiscoveryOptions): string {
  return join(options.devRoot ?? "/dev", `uio${index}`);
}

/**
 * Every UIO device, sorted by index: what `lsuio` shows. No UIO class
 * directory (no UIO driver loaded) is an empty list, not an error. A
 * malformed attribute throws EDECODE naming the file and its text.
 *
 * @example
 * for (const dev of await listDevices()) console.log(dev.index, dev.name, dev.maps.length);
 */
export async function listDevices(options: DiscoveryOptions = {}): Promise<UioInfo[]> {
  const devices: UioInfo[] = [];
  for (const [index, dir] of await numberedEntries(classDir(options), "uio")) {
    devices.push(await readDeviceDirectory(dir, index, devicePath(index, options)));
  }
  return devices;
}

/**
 * One device's info. Throws ENODEV (listing the devices that do exist) when
 * nothing matches, and EINVAL when a name matches several devices (open
 * those by index).
 */
export async function readDeviceInfo(
  ref: DeviceRef,
  options: DiscoveryOptions = {},
): Promise<UioInfo> {
  const present = await presentDevices(options);
  const { index, name } = normalizeRef(ref);

  const matches = present.filter((dev) =>
    index !== undefined ? dev.index === index : dev.name === name,
  );
  const [match, ...others] = matches;
  if (match === undefined) {
    const wanted = index !== undefined ? `uio${index}` : `named ${JSON.stringify(name)}`;
    throw new RxuioError("ENODEV", `No UIO device ${wanted} under ${classDir(options)}`, {
      path: classDir(options),
      value: index ?? name,
      hint:
        present.length === 0
          ? "No UIO devices exist: load a UIO driver (e.g. modprobe uio_pci_generic) and bind a device to it"
          : `Present: ${present.map((dev) => `uio${dev.index} (${dev.name})`).join(", ")}`,
    });
  }
  if (others.length > 0) {
    throw new RxuioError("EINVAL", `Several UIO devices are named ${JSON.stringify(name)}`, {
      value: name,
      hint: `Open one by index: ${matches.map((dev) => `uio${dev.index}`).join(", ")}`,
    });
  }
  return readDeviceDirectory(match.dir, match.index, devicePath(match.index, options));
}

function normalizeRef(ref: DeviceRef): { index?: number; name?: string } {
  if (typeof ref === "number") return { index: ref };
  if (typeof ref === "string") return { name: ref };
  return "index" in ref ? { index: ref.index } : { name: ref.name };
}

/**
 * Index and name of each device, without decoding the rest, so that one
 * broken device does not stop another from being found.
 */
async function presentDevices(
  options: DiscoveryOptions,
): Promise<{ index: number; name: string; dir: string }[]> {
  const present = [];
  for (const [index, dir] of await numberedEntries(classDir(options), "uio")) {
    const name = (await readAttribute(join(dir, "name")))?.trim() ?? "";
    present.push({ index, name, dir });
  }
  return present;
}
