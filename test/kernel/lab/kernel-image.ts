import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The guest kernel: the newest version that has both an image in /boot and a
 * module tree in /lib/modules. Never hard-coded — CI installs whatever
 * `linux-image-amd64` currently points to.
 */
export interface KernelImage {
  /** e.g. "6.1.0-56-amd64". */
  readonly version: string;
  /** /boot/vmlinuz-<version>. */
  readonly image: string;
  /** /lib/modules/<version>. */
  readonly modulesDir: string;
  /** /lib/modules/<version>/build (kernel headers for kmod/), when installed. */
  readonly headersDir: string | undefined;
}

export interface KernelSearchRoots {
  readonly bootDir?: string;
  readonly modulesRoot?: string;
}

/** Compares Debian-style kernel versions ("6.1.0-9-amd64" < "6.1.0-56-amd64") numerically. */
export function compareKernelVersions(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** Every installed kernel, newest first. */
export function findKernelImages(roots: KernelSearchRoots = {}): KernelImage[] {
  const bootDir = roots.bootDir ?? "/boot";
  const modulesRoot = roots.modulesRoot ?? "/lib/modules";
  if (!existsSync(bootDir) || !existsSync(modulesRoot)) return [];
  return readdirSync(bootDir)
    .filter((file) => file.startsWith("vmlinuz-"))
    .map((file) => file.slice("vmlinuz-".length))
    .filter((version) => existsSync(join(modulesRoot, version, "modules.dep")))
    .sort(compareKernelVersions)
    .reverse()
    .map((version) => {
      const headersDir = join(modulesRoot, version, "build");
      return {
        version,
        image: join(bootDir, `vmlinuz-${version}`),
        modulesDir: join(modulesRoot, version),
        headersDir: existsSync(join(headersDir, "Makefile")) ? headersDir : undefined,
      };
    });
}

/** The kernel the lab boots, or undefined when none is installed. */
export function locateKernelImage(roots: KernelSearchRoots = {}): KernelImage | undefined {
  return findKernelImages(roots)[0];
}
