import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("rxuio usage", () => {
  it("prints help with every command and exits 0", async () => {
    const { status, out } = await runCli("--help");
    expect(status).toBe(0);
    for (const command of [
      "list",
      "info",
      "peek",
      "poke",
      "demo",
      "--sysfs-root",
      "--dev-root",
      "--debug",
    ]) {
      expect(out).toContain(command);
    }
  });

  it("rejects an unknown command with exit status 2 on stderr", async () => {
    const { status, out, err } = await runCli("frobnicate");
    expect(status).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(/^rxuio: unknown command 'frobnicate'/);
  });

  it("rejects a missing argument and an invalid width", async () => {
    expect((await runCli("peek", "0")).status).toBe(2);
    const width = await runCli("peek", "0", "0", "0", "--width", "12");
    expect(width.status).toBe(2);
    expect(width.err).toContain("Use 8, 16, 32 or 64.");
  });
});
