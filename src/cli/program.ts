import { Command, CommanderError } from "commander";
import { RxuioError, isRxuioError } from "../errors.js";
import type { CliIo } from "./cli-io.js";
import { commandContext } from "./command-context.js";
import { registerDemo } from "./commands/demo.js";
import { registerInfo } from "./commands/info.js";
import { registerList } from "./commands/list.js";
import { registerPeek } from "./commands/peek.js";
import { registerPoke } from "./commands/poke.js";
import { registerWatch } from "./commands/watch.js";
import { EXIT_USAGE, exitCodes } from "./exit-codes.js";

/**
 * Runs the `rxuio` command line and resolves to its exit status; never
 * throws and never exits the process, so tests run it in-process. Failures
 * become one line on stderr — `rxuio: <message> [CODE]` — and a status per
 * error class (see exit-codes.ts); `--debug` adds the stack.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command("rxuio")
    .description("Linux UIO devices: list, inspect, peek and poke (rxuio, the RxJS UIO toolkit)")
    .option("--sysfs-root <dir>", "where sysfs is mounted", "/sys")
    .option("--dev-root <dir>", "where the uioN device nodes are", "/dev")
    .option("--debug", "print stack traces on errors")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      // Commander's own messages already read "error: ..."; prefix them like ours.
      outputError: (text, write) => write(`rxuio: ${text.replace(/^error: /, "")}`),
    })
    .showHelpAfterError("(run rxuio --help for usage)");

  const context = commandContext(io);
  registerList(program, context);
  registerInfo(program, context);
  registerPeek(program, context);
  registerPoke(program, context);
  registerDemo(program, context);
  registerWatch(program, context);

  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version "errors" are successful exits; the rest are usage errors already printed.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const debug = program.opts<{ debug?: boolean }>().debug === true;
    io.err(describeFailure(err, debug));
    return isRxuioError(err) ? exitCodes[err.code] : 1;
  }
}

function describeFailure(err: unknown, debug: boolean): string {
  const line = isRxuioError(err)
    ? `rxuio: ${err.message} [${err.code}]\n`
    : `rxuio: ${err instanceof Error ? err.message : String(err)}\n`;
  if (!debug) return line;
  const stack = err instanceof Error && err.stack ? `${err.stack}\n` : "";
  const cause =
    err instanceof RxuioError && err.cause instanceof Error && err.cause.stack
      ? `caused by: ${err.cause.stack}\n`
      : "";
  return line + stack + cause;
}
