import { defineRegisters } from "../define-registers.js";

/**
 * QEMU's `edu` teaching device, BAR0 (docs/specs/edu.rst in QEMU). The same
 * map drives the real device on uio_pci_generic and the simulator's edu.
 */
export const eduRegisters = defineRegisters({
  id: { offset: 0x00, access: "ro", description: "0xRRrr00ed: major, minor, 0xed" },
  liveness: { offset: 0x04, access: "rw", volatile: true, description: "reads back ~value" },
  factorial: { offset: 0x08, access: "rw", volatile: true, description: "write n, read n!" },
  status: {
    offset: 0x20,
    access: "rw",
    volatile: true,
    fields: { busy: [0, 1], irqOnDone: [7, 1] },
  },
  irqStatus: {
    offset: 0x24,
    access: "ro",
    volatile: true,
    fields: { factorialDone: [0, 1], dmaDone: [8, 1] },
  },
  raise: { offset: 0x60, access: "wo", description: "value is ORed into irqStatus" },
  ack: { offset: 0x64, access: "w1c", description: "value is cleared from irqStatus" },
});

/** The id register's value on a QEMU edu of version 1.0. */
export const EDU_ID = 0x010000ed;
/** irqStatus bit set when a factorial with irqOnDone completes. */
export const EDU_FACTORIAL_IRQ = 0x00000001;
