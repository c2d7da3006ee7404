import { execFileSync } from "node:child_process";

/** One module to load in the guest, in dependency order. */
export interface ModuleLoad {
  /** Absolute path on the host (and, through the 9p share, under /host in the guest). */
  readonly path: string;
  /** Parameters as `insmod` takes them, e.g. ["numdummies=2"]. */
  readonly params: readonly string[];
}

/**
 * Parses `modprobe --show-depends` output: `insmod <path> [params]` lines in
 * load order; `builtin <name>` lines need nothing loaded.
 */
export function parseShowDepends(output: string): ModuleLoad[] {
  const loads: ModuleLoad[] = [];
  for (const line of output.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== "insmod" || words[1] === undefined) continue;
    loads.push({ path: words[1], params: words.slice(2) });
  }
  return loads;
}

/**
 * Appends `next` to `loads`, keeping the first occurrence of each module, so
 * shared dependencies (virtio, 9pnet) load once and before their users.
 */
export function mergeModuleLoads(
  loads: readonly ModuleLoad[],
  next: readonly ModuleLoad[],
): ModuleLoad[] {
  const seen = new Set(loads.map((load) => load.path));
  const merged = [...loads];
  for (const load of next) {
    if (seen.has(load.path)) continue;
    seen.add(load.path);
    merged.push(load);
  }
  return merged;
}

/**
 * The insmod order for `modules` (and their dependencies) on kernel
 * `version`, as modprobe resolves it from modules.dep — the lab never copies
 * a hand-written list.
 */
export function resolveModuleOrder(version: string, modules: readonly string[]): ModuleLoad[] {
  let order: ModuleLoad[] = [];
  for (const module of modules) {
    const output = execFileSync("modprobe", ["-S", version, "--show-depends", module], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    order = mergeModuleLoads(order, parseShowDepends(output));
  }
  return order;
}
