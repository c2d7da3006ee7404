import { locateKernelImage } from "./lab/kernel-image.js";
import { defineKernelSuite } from "./lab/kernel-suite.js";
import { resolveModuleOrder } from "./lab/module-order.js";

// The lab itself: extra -device args, an extra module by path with parameters
// (the way kmod/*.ko are loaded) and monitor requests, checked with plain
// node fs in the guest. The module is the kernel's own dummy.ko, located
// through modprobe so no kernel version is written down.
const kernel = locateKernelImage();
function dummyModule(): string | undefined {
  try {
    return kernel ? resolveModuleOrder(kernel.version, ["dummy"]).at(-1)?.path : undefined;
  } catch {
    return undefined; // no modprobe: the lab probe reports it
  }
}
const dummy = dummyModule();

await defineKernelSuite({
  suite: "lab-smoke",
  devices: ["edu,id=edu0", "pci-testdev"],
  uioPciGenericIds: ["1234 11e8"],
  extraModules: dummy ? [{ path: dummy, params: ["numdummies=3"] }] : [],
});
