import { defineKernelSuite } from "./lab/kernel-suite.js";

// serviced() on QEMU's edu under kmod/uio_edu: the kernel acks, the native
// service thread re-arms with the irqcontrol write; the same tests as under
// uio_pci_generic (guest/serviced-edu.ts).
await defineKernelSuite({
  suite: "serviced-kmod-edu",
  devices: ["edu,id=edu0"],
  kernelModules: ["uio"],
  buildKmod: true,
  extraModules: [{ path: "kmod/uio_edu.ko" }],
});
