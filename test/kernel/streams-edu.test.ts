import { defineKernelSuite } from "./lab/kernel-suite.js";

// The streams of issue 4 on QEMU's edu device under uio_pci_generic:
// interrupts → ack → rearm over 10,000 IRQs, a stalled consumer's exact
// `missed`, onInterrupt snapshots, the edu driver on the simulator and the
// real device, and SIGIO against epoll (guest/suites/streams-edu.ts).
await defineKernelSuite({
  suite: "streams-edu",
  devices: ["edu,id=edu0"],
  uioPciGenericIds: ["1234 11e8"],
});
