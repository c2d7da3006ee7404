import { defineKernelSuite } from "./lab/kernel-suite.js";

// serviced() on QEMU's edu under uio_pci_generic: the native service thread
// acks (0x64 <- 0x24) and unmasks INTx through device/config; 1,000 round
// trips, JS blocked, backpressure, stop, hot-unplug (guest/serviced-edu.ts).
await defineKernelSuite({
  suite: "serviced-pci-generic",
  devices: ["edu,id=edu0"],
  uioPciGenericIds: ["1234 11e8"],
});
