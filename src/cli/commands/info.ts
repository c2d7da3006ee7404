import type { Command } from "commander";
import { autoIrqControl } from "../../devices/irq/strategy.js";
import { readDeviceInfo } from "../../devices/sysfs/discovery.js";
import type { CommandContext } from "../command-context.js";
import { parseDeviceArgument } from "../device-argument.js";
import { deviceJson, formatDevice } from "../device-listing.js";

/** `rxuio info <dev>`: one device in detail. */
export function registerInfo(program: Command, context: CommandContext): void {
  program
    .command("info")
    .description("show one UIO device")
    .argument("<dev>", "device index (0), node name (uio0) or device name (uio_pci_generic)")
    .option("--json", "print JSON instead of text")
    .action(async (dev: string, options: { json?: boolean }, command: Command) => {
      const info = await readDeviceInfo(parseDeviceArgument(dev), context.discovery(command));
      context.io.out(
        options.json
          ? JSON.stringify(deviceJson(info), null, 2) + "\n"
          : `${formatDevice(info)}\tdevice: ${info.devicePath}\n\tsysfs: ${info.sysfsPath}\n` +
              `\tirq control: ${autoIrqControl(info)}\n`,
      );
    });
}
