import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { initScript } from "./init-script.js";
import type { ModuleLoad } from "./module-order.js";

/**
 * Builds the initramfs (busybox-static + /init + the modules needed to reach
 * the host over 9p) as a gzipped newc cpio, cached under `.lab/` by a key of
 * the kernel version and every input (init text, module files, busybox), so
 * it is rebuilt exactly when something it contains changes.
 */
export interface InitramfsInputs {
  readonly kernelVersion: string;
  readonly busybox: string;
  readonly cpio: string;
  /** The 9p/virtio stack in load order. */
  readonly modules: readonly ModuleLoad[];
  readonly cacheDir: string;
}

async function fileIdentity(file: string): Promise<string> {
  const info = await stat(file);
  return `${file}:${info.size}:${info.mtimeMs}`;
}

export async function initramfsKey(inputs: InitramfsInputs): Promise<string> {
  const hash = createHash("sha256");
  hash.update(inputs.kernelVersion);
  hash.update(initScript());
  hash.update(await fileIdentity(inputs.busybox));
  for (const module of inputs.modules) {
    hash.update(await fileIdentity(module.path));
    hash.update(module.params.join(" "));
  }
  return hash.digest("hex").slice(0, 16);
}

/** Archives `entries` (paths relative to `cwd`) as newc cpio, gzipped into `out`. */
async function runCpio(
  cpio: string,
  cwd: string,
  entries: readonly string[],
  out: string,
): Promise<void> {
  const child = spawn(cpio, ["-o", "-H", "newc", "--quiet", "-R", "0:0"], {
    cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  child.stdin.end(`${entries.join("\n")}\n`);
  await pipeline(child.stdout, createGzip({ level: 6 }), createWriteStream(out));
  const code = await exited;
  if (code !== 0) throw new Error(`cpio exited with ${code}: ${stderr.trim()}`);
}

async function listTree(root: string, dir = root): Promise<string[]> {
  const entries: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    entries.push(relative(root, full));
    if (entry.isDirectory()) entries.push(...(await listTree(root, full)));
  }
  return entries;
}

/** Decompresses a .ko.xz with busybox's unxz (no xz-utils needed). */
async function unxz(busybox: string, from: string, to: string): Promise<void> {
  const child = spawn(busybox, ["unxz", "-c"], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  await Promise.all([
    pipeline(createReadStream(from), child.stdin),
    pipeline(child.stdout, createWriteStream(to)),
  ]);
  if ((await exited) !== 0) throw new Error(`busybox unxz failed on ${from}`);
}

/** Path of an initramfs for `inputs`, building it if the cache has none. */
export async function buildInitramfs(inputs: InitramfsInputs): Promise<string> {
  const key = await initramfsKey(inputs);
  const target = join(inputs.cacheDir, `initramfs-${inputs.kernelVersion}-${key}.cpio.gz`);
  if (existsSync(target)) return target;

  await mkdir(inputs.cacheDir, { recursive: true });
  const staging = await mkdtemp(join(inputs.cacheDir, "initramfs-staging-"));
  try {
    await mkdir(join(staging, "bin"));
    await mkdir(join(staging, "modules"));
    await copyFile(inputs.busybox, join(staging, "bin", "busybox"));
    await chmod(join(staging, "bin", "busybox"), 0o755);
    await symlink("busybox", join(staging, "bin", "sh"));
    await writeFile(join(staging, "init"), initScript(), { mode: 0o755 });
    const order: string[] = [];
    for (const [i, module] of inputs.modules.entries()) {
      // Numbered names keep same-named modules from different dirs apart.
      const name = `${String(i).padStart(2, "0")}-${basename(module.path).replace(/\.(xz|gz)$/, "")}`;
      if (module.path.endsWith(".xz"))
        await unxz(inputs.busybox, module.path, join(staging, "modules", name));
      else if (module.path.endsWith(".gz"))
        throw new Error(`gzip-compressed module ${module.path} is not supported`);
      else await copyFile(module.path, join(staging, "modules", name));
      order.push([name, ...module.params].join(" "));
    }
    await writeFile(join(staging, "modules", "order"), `${order.join("\n")}\n`);
    // Write next to the target and rename, so concurrent builders never see half a file.
    const partial = `${target}.${process.pid}.partial`;
    await runCpio(inputs.cpio, staging, await listTree(staging), partial);
    await rename(partial, target);
    // Older images (another kernel, an older /init) are never used again.
    for (const file of await readdir(inputs.cacheDir)) {
      if (/^initramfs-.*\.cpio\.gz$/.test(file) && join(inputs.cacheDir, file) !== target) {
        await rm(join(inputs.cacheDir, file), { force: true });
      }
    }
    return target;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
