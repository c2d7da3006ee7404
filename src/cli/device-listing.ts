import type { UioInfo } from "../devices/sysfs/info.js";

/**
 * How devices are shown: as text in the spirit of `lsuio` (one header line,
 * then an indented line per map and port range), or as JSON with addresses
 * as hex strings (JSON has no 64-bit integers).
 */
export function formatDevice(info: UioInfo): string {
  const header = [
    `uio${info.index}: name=${info.name}`,
    `version=${info.version}`,
    `events=${info.event}`,
    ...(info.driver ? [`driver=${info.driver}`] : []),
  ].join(", ");
  const maps = info.maps.map(
    (map) =>
      `\tmap[${map.index}]: ${map.name ? `name=${map.name}, ` : ""}addr=${hex(map.addr)}, ` +
      `size=${hex(map.size)} (${map.size}), offset=${hex(map.offset)}`,
  );
  const ports = info.ports.map(
    (port) =>
      `\tport[${port.index}]: ${port.name ? `name=${port.name}, ` : ""}start=${hex(port.start)}, ` +
      `size=${hex(port.size)} (${port.size}), type=${port.porttype}`,
  );
  return [header, ...maps, ...ports].join("\n") + "\n";
}

export function deviceJson(info: UioInfo) {
  return {
    index: info.index,
    name: info.name,
    version: info.version,
    event: info.event,
    driver: info.driver ?? null,
    devicePath: info.devicePath,
    sysfsPath: info.sysfsPath,
    maps: info.maps.map((map) => ({
      index: map.index,
      name: map.name ?? null,
      addr: hex(map.addr),
      size: map.size,
      offset: map.offset,
    })),
    ports: info.ports.map((port) => ({
      index: port.index,
      name: port.name ?? null,
      start: port.start,
      size: port.size,
      porttype: port.porttype,
    })),
  };
}

function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}
