import { defineKernelSuite } from "./lab/kernel-suite.js";

// kmod/'s stubs on a real kernel (issue 5), in one boot: uio_pcitestdev
// exposes pci-testdev's I/O BAR as a UIO port region, uio_vadc is the hrtimer
// ADC (every sample accounted for from 1 kHz to 1 MHz), uio_edu drives QEMU's
// edu (both maps, 10,000 IRQs through write(1), DMA through map 1).
await defineKernelSuite({
  suite: "kmod-stubs",
  devices: ["edu,id=edu0", "pci-testdev"],
  kernelModules: ["uio"],
  buildKmod: true,
  extraModules: ["uio_edu", "uio_vadc", "uio_pcitestdev"].map((stub) => ({
    path: `kmod/${stub}.ko`,
  })),
});
