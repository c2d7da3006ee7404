import * as t from "io-ts";

/**
 * The decoded view of one UIO device's sysfs directory
 * (`/sys/class/uio/uioN`). Codecs are values and the static types derive from
 * them, so the schema and the type cannot drift apart.
 */

/** One memory map: `maps/mapN/{name,addr,size,offset}`. */
export const UioMap = t.type({
  /** N in `mapN`; also selects the mmap offset N * pagesize. */
  index: t.number,
  /** `maps/mapN/name`; optional in the kernel (empty when the driver set none). */
  name: t.union([t.string, t.undefined]),
  /** Physical (or kernel logical) address, informational only. */
  addr: t.bigint,
  /** Length in bytes that user space may map. */
  size: t.number,
  /** Where the region really starts inside the first mapped page. */
  offset: t.number,
});
export type UioMap = t.TypeOf<typeof UioMap>;

/** One port range: `portio/portN/{name,start,size,porttype}`. */
export const UioPort = t.type({
  index: t.number,
  name: t.union([t.string, t.undefined]),
  start: t.number,
  size: t.number,
  /** "port_x86", "port_gpio", "port_other" or "none". */
  porttype: t.string,
});
export type UioPort = t.TypeOf<typeof UioPort>;

export const UioInfo = t.type({
  /** N in `uioN`. */
  index: t.number,
  /** `/dev/uioN`. */
  devicePath: t.string,
  /** The sysfs directory this was read from. */
  sysfsPath: t.string,
  name: t.string,
  version: t.string,
  /** Total interrupt count at the time of reading. */
  event: t.number,
  maps: t.array(UioMap),
  ports: t.array(UioPort),
  /** Name of the kernel driver bound to the parent device, when known (e.g. "uio_pci_generic"). */
  driver: t.union([t.string, t.undefined]),
});
export type UioInfo = t.TypeOf<typeof UioInfo>;
