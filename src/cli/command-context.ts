import type { Command } from "commander";
import type { DiscoveryOptions } from "../devices/sysfs/discovery.js";
import type { CliIo } from "./cli-io.js";

/** What every command gets: where to write, and the global options. */
export interface CommandContext {
  readonly io: CliIo;
  /** `--sysfs-root` and `--dev-root` as discovery options. */
  discovery(command: Command): DiscoveryOptions;
}

export function commandContext(io: CliIo): CommandContext {
  return {
    io,
    discovery(command) {
      const { sysfsRoot, devRoot } = command.optsWithGlobals<{
        sysfsRoot?: string;
        devRoot?: string;
      }>();
      return { sysfsRoot, devRoot };
    },
  };
}
