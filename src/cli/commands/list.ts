import type { Command } from "commander";
import { listDevices, type DiscoveryOptions } from "../../devices/sysfs/discovery.js";
import type { CliIo } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { deviceJson, formatDevice } from "../device-listing.js";

/** `rxuio list`: every UIO device, like lsuio. */
export function registerList(program: Command, context: CommandContext): void {
  program
    .command("list")
    .description("list UIO devices: index, name, version, event count, maps and port ranges")
    .option("--json", "print JSON instead of text")
    .action(async (options: { json?: boolean }, command: Command) => {
      await printDevices(context.io, context.discovery(command), options.json === true);
    });
}

/** Shared with `demo`, which lists a bundled sample tree. */
export async function printDevices(
  io: CliIo,
  discovery: DiscoveryOptions,
  json: boolean,
): Promise<void> {
  const devices = await listDevices(discovery);
  if (json) {
    io.out(JSON.stringify(devices.map(deviceJson), null, 2) + "\n");
  } else if (devices.length === 0) {
    io.out(`No UIO devices under ${discovery.sysfsRoot ?? "/sys"}/class/uio\n`);
  } else {
    io.out(devices.map(formatDevice).join(""));
  }
}
