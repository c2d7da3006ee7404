import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compareKernelVersions, findKernelImages } from "../kernel/lab/kernel-image.js";
import { findExecutable, isStaticElf, probeLab } from "../kernel/lab/lab-probe.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "rxuio-probe-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function installKernel(version: string, headers: boolean): void {
  mkdirSync(join(root, "boot"), { recursive: true });
  writeFileSync(join(root, "boot", `vmlinuz-${version}`), "");
  mkdirSync(join(root, "modules", version), { recursive: true });
  writeFileSync(join(root, "modules", version, "modules.dep"), "");
  if (headers) {
    mkdirSync(join(root, "modules", version, "build"));
    writeFileSync(join(root, "modules", version, "build", "Makefile"), "");
  }
}

function executable(name: string, content: string | Buffer = "#!/bin/sh\n"): void {
  mkdirSync(join(root, "bin"), { recursive: true });
  writeFileSync(join(root, "bin", name), content);
  chmodSync(join(root, "bin", name), 0o755);
}

/** A minimal ELF64 header with one program header of the given type. */
function elf(programHeaderType: number): Buffer {
  const file = Buffer.alloc(64 + 56);
  file.writeUInt32BE(0x7f454c46, 0);
  file[4] = 2;
  file[5] = 1;
  file.writeBigUInt64LE(64n, 0x20);
  file.writeUInt16LE(56, 0x36);
  file.writeUInt16LE(1, 0x38);
  file.writeUInt32LE(programHeaderType, 64);
  return file;
}

describe("kernel discovery", () => {
  it("orders kernel versions numerically, newest first, and ignores images without modules", () => {
    expect(compareKernelVersions("6.1.0-9-amd64", "6.1.0-56-amd64")).toBeLessThan(0);
    installKernel("6.1.0-9-amd64", true);
    installKernel("6.1.0-56-amd64", false);
    writeFileSync(join(root, "boot", "vmlinuz-7.0.0-orphan"), "");
    const kernels = findKernelImages({
      bootDir: join(root, "boot"),
      modulesRoot: join(root, "modules"),
    });
    expect(kernels.map((k) => k.version)).toEqual(["6.1.0-56-amd64", "6.1.0-9-amd64"]);
    expect(kernels[0]?.headersDir).toBeUndefined();
    expect(kernels[1]?.headersDir).toBe(join(root, "modules", "6.1.0-9-amd64", "build"));
    expect(findKernelImages({ bootDir: join(root, "nowhere") })).toEqual([]);
  });
});

describe("probeLab", () => {
  it("lists every missing piece with its package on an empty machine", () => {
    const probe = probeLab({
      path: join(root, "bin"),
      bootDir: join(root, "boot"),
      modulesRoot: join(root, "m"),
    });
    expect(probe.ready).toBe(false);
    const packages = probe.gaps.map((gap) => gap.package);
    expect(packages).toEqual(
      expect.arrayContaining([
        "qemu-system-x86",
        "linux-image-amd64",
        "busybox-static",
        "cpio",
        "make",
      ]),
    );
  });

  it("asks for headers when the kernel has none, and for busybox-static when busybox is dynamic", () => {
    installKernel("6.1.0-1-amd64", false);
    for (const tool of ["qemu-system-x86_64", "cpio", "modprobe", "make"]) executable(tool);
    executable("busybox", elf(3 /* PT_INTERP */));
    const probe = probeLab({
      path: join(root, "bin"),
      bootDir: join(root, "boot"),
      modulesRoot: join(root, "modules"),
    });
    expect(probe.gaps.map((gap) => gap.package)).toEqual(["linux-headers-amd64", "busybox-static"]);
  });

  it("is ready when everything is present", () => {
    installKernel("6.1.0-1-amd64", true);
    for (const tool of ["qemu-system-x86_64", "cpio", "modprobe", "make"]) executable(tool);
    executable("busybox", elf(1 /* PT_LOAD */));
    const probe = probeLab({
      path: join(root, "bin"),
      bootDir: join(root, "boot"),
      modulesRoot: join(root, "modules"),
    });
    expect(probe.gaps).toEqual([]);
    expect(probe.ready && probe.tools.kernel.version).toBe("6.1.0-1-amd64");
  });
});

describe("isStaticElf", () => {
  it("tells static from dynamic executables and rejects non-ELF files", () => {
    executable("static", elf(1));
    executable("dynamic", elf(3));
    executable("script");
    expect(isStaticElf(join(root, "bin", "static"))).toBe(true);
    expect(isStaticElf(join(root, "bin", "dynamic"))).toBe(false);
    expect(isStaticElf(join(root, "bin", "script"))).toBe(false);
    // The running node is dynamically linked on every distribution we support.
    copyFileSync(process.execPath, join(root, "node"));
    expect(isStaticElf(join(root, "node"))).toBe(false);
  });

  it("finds executables on PATH and skips non-executable files", () => {
    executable("tool");
    writeFileSync(join(root, "plain"), "");
    expect(findExecutable("tool", join(root, "bin"))).toBe(join(root, "bin", "tool"));
    expect(findExecutable("plain", root)).toBeUndefined();
  });
});
