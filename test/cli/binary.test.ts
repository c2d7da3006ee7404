import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { sysfsFixture } from "../fixtures/sysfs-roots.js";

/**
 * The built binary as a user runs it: dist/cli/main.js in its own process,
 * so the shebang entry, the exit status and stderr are the real ones. The
 * package is built first when `npm run build:ts` has not been run.
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
const main = `${root}dist/cli/main.js`;
const run = promisify(execFile);

async function rxuio(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...argv], { cwd: root });
    return { status: 0, out: stdout, err: stderr };
  } catch (failure) {
    const { code, stdout, stderr } = failure as { code: number; stdout: string; stderr: string };
    return { status: code, out: stdout, err: stderr };
  }
}

describe("the rxuio binary", () => {
  beforeAll(async () => {
    if (existsSync(main)) return;
    // tsc exits non-zero on type errors anywhere but still emits; the check
    // below is what matters here.
    await run(
      process.execPath,
      [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"],
      {
        cwd: root,
      },
    ).catch(() => undefined);
    expect(existsSync(main)).toBe(true);
  }, 300_000);

  it("starts with a node shebang", async () => {
    const { readFile } = await import("node:fs/promises");
    expect((await readFile(main, "utf8")).split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("lists a sysfs tree and exits 0", async () => {
    const { status, out, err } = await rxuio("list", "--sysfs-root", sysfsFixture("lab"));
    expect({ status, err }).toEqual({ status: 0, err: "" });
    expect(out).toMatch(/^uio0: name=uio_pci_generic, version=0\.01\.0, events=0/);
  });

  it("fails with one line on stderr and a per-class status, without a stack", async () => {
    const { status, out, err } = await rxuio("--sysfs-root", sysfsFixture("lab"), "info", "7");
    expect(status).toBe(3);
    expect(out).toBe("");
    expect(err.trimEnd().split("\n")).toHaveLength(1);
    expect(err).toMatch(/^rxuio: No UIO device uio7 .*\[ENODEV\]\n$/);
  });
});
