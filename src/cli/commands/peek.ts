import type { Command } from "commander";
import type { Width } from "../../devices/backend.js";
import { readAtWidth } from "../../devices/region-width.js";
import { UioDevice } from "../../devices/uio-device.js";
import type { CommandContext } from "../command-context.js";
import { parseDeviceArgument, parseMapArgument } from "../device-argument.js";
import { formatHex, parseIndexArgument } from "../number-argument.js";
import { widthOption } from "../width-option.js";

/** `rxuio peek <dev> <map> <offset>`: read registers, devmem2 style. */
export function registerPeek(program: Command, context: CommandContext): void {
  program
    .command("peek")
    .description("read a register (or --count consecutive ones) of a device's map")
    .argument("<dev>", "device index, uioN or name")
    .argument("<map>", "map index or name")
    .argument("<offset>", "byte offset in the map (0x.. or decimal)")
    .addOption(widthOption())
    .option("-c, --count <n>", "number of consecutive registers to read", "1")
    .action(
      async (
        dev: string,
        map: string,
        offsetText: string,
        options: { width: Width; count: string },
        command: Command,
      ) => {
        const offset = parseIndexArgument(offsetText, "offset");
        const count = parseIndexArgument(options.count, "count");
        const step = options.width / 8;
        const device = await UioDevice.open(parseDeviceArgument(dev), {
          ...context.discovery(command),
          irqControl: "none",
          readOnly: true,
        });
        try {
          const region = device.region(parseMapArgument(map));
          const lines: string[] = [];
          for (let i = 0; i < count; i++) {
            const at = offset + i * step;
            lines.push(
              `${formatHex(at, 32)}: ${formatHex(readAtWidth(region, at, options.width), options.width)}\n`,
            );
          }
          context.io.out(lines.join(""));
        } finally {
          device.close();
        }
      },
    );
}
