import type { Command } from "commander";
import type { Width } from "../../devices/backend.js";
import { readAtWidth, writeAtWidth } from "../../devices/region-width.js";
import { UioDevice } from "../../devices/uio-device.js";
import { RxuioError } from "../../errors.js";
import type { CommandContext } from "../command-context.js";
import { parseDeviceArgument, parseMapArgument } from "../device-argument.js";
import { formatHex, parseIndexArgument, parseNumberArgument } from "../number-argument.js";
import { widthOption } from "../width-option.js";

/** `rxuio poke <dev> <map> <offset> <value>`: write a register, devmem2 style. */
export function registerPoke(program: Command, context: CommandContext): void {
  program
    .command("poke")
    .description("write a register of a device's map, then read it back")
    .argument("<dev>", "device index, uioN or name")
    .argument("<map>", "map index or name")
    .argument("<offset>", "byte offset in the map (0x.. or decimal)")
    .argument("<value>", "value to write (0x.. or decimal)")
    .addOption(widthOption())
    .option("--no-readback", "do not read the register back (for read-to-clear or FIFO registers)")
    .action(
      async (
        dev: string,
        map: string,
        offsetText: string,
        valueText: string,
        options: { width: Width; readback: boolean },
        command: Command,
      ) => {
        const offset = parseIndexArgument(offsetText, "offset");
        const value = parseNumberArgument(valueText, "value");
        if (value >= 1n << BigInt(options.width)) {
          throw new RxuioError("ERANGE", `${valueText} does not fit in ${options.width} bits`, {
            value: valueText,
            hint: "Pass a larger --width or a smaller value",
          });
        }
        const device = await UioDevice.open(parseDeviceArgument(dev), {
          ...context.discovery(command),
          irqControl: "none",
        });
        try {
          const region = device.region(parseMapArgument(map));
          writeAtWidth(region, offset, options.width, value);
          const written = `${formatHex(offset, 32)}: wrote ${formatHex(value, options.width)}`;
          context.io.out(
            options.readback
              ? `${written}, readback ${formatHex(readAtWidth(region, offset, options.width), options.width)}\n`
              : `${written}\n`,
          );
        } finally {
          device.close();
        }
      },
    );
}
