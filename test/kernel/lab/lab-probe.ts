import { accessSync, constants, closeSync, openSync, readSync } from "node:fs";
import { delimiter, join } from "node:path";
import { locateKernelImage, type KernelImage, type KernelSearchRoots } from "./kernel-image.js";

/** Something the lab needs that this machine lacks, and the package that provides it. */
export interface LabGap {
  readonly what: string;
  readonly package: string;
}

/** The tools the lab found. */
export interface LabTools {
  readonly qemu: string;
  readonly busybox: string;
  readonly cpio: string;
  readonly modprobe: string;
  readonly kernel: KernelImage;
}

export type LabProbe =
  | { readonly ready: true; readonly tools: LabTools; readonly gaps: readonly [] }
  | { readonly ready: false; readonly gaps: readonly LabGap[] };

/** Finds an executable on PATH, plus the sbin directories non-root PATHs omit. */
export function findExecutable(name: string, path = process.env["PATH"] ?? ""): string | undefined {
  const dirs = [...path.split(delimiter), "/usr/sbin", "/sbin"].filter((dir) => dir !== "");
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/**
 * True when `file` is an ELF executable without a PT_INTERP program header,
 * i.e. statically linked — the only kind of busybox that runs in an initramfs
 * with no libraries.
 */
export function isStaticElf(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const header = Buffer.alloc(64);
    if (readSync(fd, header, 0, 64, 0) < 64 || header.readUInt32BE(0) !== 0x7f454c46) return false;
    if (header[4] !== 2 || header[5] !== 1) return false; // only ELF64 little-endian (x86_64)
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    const PT_INTERP = 3;
    for (let i = 0; i < phnum; i++) {
      if (table.readUInt32LE(i * phentsize) === PT_INTERP) return false;
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

export interface LabProbeOptions extends KernelSearchRoots {
  readonly path?: string;
}

/** Looks for everything `npm run lab:setup` installs; lists what is missing. */
export function probeLab(options: LabProbeOptions = {}): LabProbe {
  const gaps: LabGap[] = [];
  const qemu = findExecutable("qemu-system-x86_64", options.path);
  if (qemu === undefined) gaps.push({ what: "qemu-system-x86_64", package: "qemu-system-x86" });
  const kernel = locateKernelImage(options);
  if (kernel === undefined) {
    gaps.push({
      what: "a kernel in /boot with modules in /lib/modules",
      package: "linux-image-amd64",
    });
  } else if (kernel.headersDir === undefined) {
    gaps.push({
      what: `kernel headers for ${kernel.version} (to build kmod/)`,
      package: "linux-headers-amd64",
    });
  }
  const busybox = findExecutable("busybox", options.path);
  if (busybox === undefined || !isStaticElf(busybox)) {
    gaps.push({ what: "a statically linked busybox", package: "busybox-static" });
  }
  const cpio = findExecutable("cpio", options.path);
  if (cpio === undefined) gaps.push({ what: "cpio", package: "cpio" });
  const modprobe = findExecutable("modprobe", options.path);
  if (modprobe === undefined)
    gaps.push({ what: "modprobe (to order kernel modules)", package: "kmod" });
  if (findExecutable("make", options.path) === undefined) {
    gaps.push({ what: "make (to build kmod/)", package: "make" });
  }

  if (gaps.length > 0 || !qemu || !kernel || !busybox || !cpio || !modprobe)
    return { ready: false, gaps };
  return { ready: true, tools: { qemu, busybox, cpio, modprobe, kernel }, gaps: [] };
}
