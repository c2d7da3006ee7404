import { run } from "../../src/cli/program.js";

/** Runs the CLI in-process and captures what it printed and its exit status. */
export async function runCli(
  ...argv: string[]
): Promise<{ status: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const status = await run(argv, {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
  });
  return { status, out, err };
}
