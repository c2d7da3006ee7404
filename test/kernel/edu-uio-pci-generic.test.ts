import { defineKernelSuite } from "./lab/kernel-suite.js";

// QEMU's edu device (PCI 1234:11e8) on the stock uio_pci_generic driver:
// discovery, MMIO, interrupts counted through the event fd and re-armed
// through the PCI INTx bit, close semantics and the CLI (issue 3).
await defineKernelSuite({
  suite: "edu-uio-pci-generic",
  devices: ["edu,id=edu0"],
  uioPciGenericIds: ["1234 11e8"],
});
