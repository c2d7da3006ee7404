import { describe, expect, it } from "vitest";
import { mergeModuleLoads, parseShowDepends } from "../kernel/lab/module-order.js";
import { qemuArgs } from "../kernel/lab/qemu-command.js";
import { runScript, shellQuote } from "../kernel/lab/run-script.js";

describe("module order", () => {
  it("reads insmod lines with parameters and ignores builtins", () => {
    const output = [
      "insmod /lib/modules/v/kernel/fs/netfs/netfs.ko ",
      "builtin crc32c",
      "insmod /lib/modules/v/kernel/drivers/net/dummy.ko numdummies=0 ",
      "",
    ].join("\n");
    expect(parseShowDepends(output)).toEqual([
      { path: "/lib/modules/v/kernel/fs/netfs/netfs.ko", params: [] },
      { path: "/lib/modules/v/kernel/drivers/net/dummy.ko", params: ["numdummies=0"] },
    ]);
  });

  it("loads shared dependencies once, at their first position", () => {
    const a = { path: "/virtio.ko", params: [] };
    const b = { path: "/9pnet.ko", params: [] };
    const c = { path: "/virtio_pci.ko", params: [] };
    expect(mergeModuleLoads([a, b], [a, c, b])).toEqual([a, b, c]);
  });
});

describe("run.sh", () => {
  it("loads modules, binds ids and runs the command quoted", () => {
    const script = runScript({
      modules: [{ path: "/work/kmod/uio_vadc.ko", params: ["rate=1000"] }],
      uioPciGenericIds: ["1234 11e8"],
      workDir: "/work/my project",
      command: ["/usr/bin/node", "runner.js", "it's"],
      env: { RXUIO_GUEST: "1" },
    });
    expect(script).toContain("load_module /work/kmod/uio_vadc.ko rate=1000\n");
    expect(script).toContain("bind_uio_pci_generic '1234 11e8'\n");
    expect(script).toContain(
      "run_guest '/work/my project' /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp RXUIO_GUEST=1 /usr/bin/node runner.js 'it'\\''s'\n",
    );
  });

  it("refuses a malformed PCI id instead of writing garbage to new_id", () => {
    expect(() =>
      runScript({
        modules: [],
        uioPciGenericIds: ["1234:11e8"],
        workDir: "/",
        command: [],
        env: {},
      }),
    ).toThrow(/"vendor device"/);
  });

  it("quotes only what needs quoting", () => {
    expect(shellQuote("/a/b.ko")).toBe("/a/b.ko");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("")).toBe("''");
  });
});

describe("QEMU command line", () => {
  it("boots TCG with both 9p shares, QMP and the extra devices", () => {
    const args = qemuArgs({
      kernelImage: "/boot/vmlinuz-x",
      initramfs: "/lab/initramfs.gz",
      shareDir: "/tmp/a,b",
      qmpSocket: "/tmp/q.sock",
      devices: ["edu,id=edu0", "pci-testdev"],
      watchdogSeconds: 570.2,
    });
    const joined = args.join(" ");
    expect(joined).toContain("-M pc -cpu max -m 1024 -smp 1 -nographic -no-reboot");
    expect(joined).toContain("path=/,security_model=none,readonly=on");
    expect(joined).toContain("path=/tmp/a,,b,security_model=none");
    expect(joined).toContain("-qmp unix:/tmp/q.sock,server=on,wait=off");
    expect(args.slice(-4)).toEqual(["-device", "edu,id=edu0", "-device", "pci-testdev"]);
    expect(args).not.toContain("-enable-kvm");
    expect(joined).toContain("-nic none");
    expect(args[args.indexOf("-append") + 1]).toBe(
      "console=ttyS0 quiet panic=-1 rxuio_share=/tmp/a,b rxuio_watchdog=571",
    );
  });

  it("refuses a share path that would break the kernel command line", () => {
    expect(() =>
      qemuArgs({
        kernelImage: "k",
        initramfs: "i",
        shareDir: "/tmp/a b",
        qmpSocket: "q",
        devices: [],
      }),
    ).toThrow(/whitespace/);
  });
});
