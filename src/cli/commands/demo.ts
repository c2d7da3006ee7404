import type { Command } from "commander";
import { fileURLToPath } from "node:url";
import type { CommandContext } from "../command-context.js";
import { printDevices } from "./list.js";

/**
 * `rxuio demo`, for now: `list` on a bundled sample sysfs tree (three
 * devices: edu on uio_pci_generic, a platform device, a port-I/O stub), so a
 * fresh clone shows something without hardware or root. The simulator demo
 * replaces this file.
 */
const SAMPLE_SYSFS = fileURLToPath(new URL("../../../test/fixtures/sysfs/lab", import.meta.url));

export function registerDemo(program: Command, context: CommandContext): void {
  program
    .command("demo")
    .description("list the devices of a bundled sample sysfs tree (no hardware needed)")
    .option("--json", "print JSON instead of text")
    .action(async (options: { json?: boolean }) => {
      if (!options.json) context.io.out(`Sample devices (sysfs tree ${SAMPLE_SYSFS}):\n`);
      await printDevices(context.io, { sysfsRoot: SAMPLE_SYSFS }, options.json === true);
    });
}
