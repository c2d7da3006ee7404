import type { SimBehaviour } from "./behaviour.js";

/** Offsets of the register file's special registers. */
export const REGISTER_FILE = {
  /** W1C: pending event bits; the line is asserted while status & enable is non-zero. */
  status: 0x00,
  /** Write-only: bits written are ORed into status (the device "raising" events). */
  set: 0x04,
  /** Read-write: which status bits drive the interrupt line. */
  enable: 0x08,
} as const;

export interface RegisterFileOptions {
  /** Region 0 size in bytes (default 0x100); past 0x0c it is plain memory. */
  readonly size?: number;
  /** Initial `enable` mask (default all bits). */
  readonly enable?: number;
}

/**
 * A generic register file: a W1C status register behind a level-triggered
 * interrupt that keeps re-firing on every unmask until the status is acked.
 * The rest of the region is plain memory for ordinary registers.
 */
export function registerFile(options: RegisterFileOptions = {}): SimBehaviour {
  return {
    name: "sim_regfile",
    regions: [{ name: "regs", size: options.size ?? 0x100 }],
    irq: "level",
    attach({ region, irq }) {
      const regs = region(0);
      let status = 0;
      let enable = options.enable ?? 0xffffffff;
      const drive = () => ((status & enable) !== 0 ? irq.assert() : irq.deassert());
      regs.hook(REGISTER_FILE.status, {
        width: 32,
        read: () => status >>> 0,
        write: (v) => {
          status = (status & ~Number(v)) >>> 0;
          drive();
        },
      });
      regs.hook(REGISTER_FILE.set, {
        width: 32,
        read: () => 0,
        write: (v) => {
          status = (status | Number(v)) >>> 0;
          drive();
        },
      });
      regs.hook(REGISTER_FILE.enable, {
        width: 32,
        read: () => enable >>> 0,
        write: (v) => {
          enable = Number(v) >>> 0;
          drive();
        },
      });
      return () => undefined;
    },
  };
}
