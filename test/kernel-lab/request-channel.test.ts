import { mkdtemp, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { askHost } from "../kernel/guest/runner/host-requests.js";
import { REQUESTS_DIR } from "../kernel/guest/runner/protocol.js";
import { serveGuestRequests, type RequestServer } from "../kernel/lab/request-server.js";

// Both halves of the guest → host request channel over a plain directory
// (in the lab it is the run's 9p share).
let share: string;
let server: RequestServer | undefined;
beforeEach(async () => {
  share = await mkdtemp(join(tmpdir(), "rxuio-share-"));
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await rm(share, { recursive: true, force: true });
});

describe("guest requests", () => {
  it("runs a monitor command on the host and hands its output back", async () => {
    server = serveGuestRequests(share, { monitor: async (command) => `ran ${command}` }, 10);
    expect(await askHost(share, { kind: "monitor", command: "device_del edu0" })).toBe(
      "ran device_del edu0",
    );
    expect(await askHost(share, { kind: "monitor", command: "info pci" })).toBe("ran info pci");
    expect(server.served.map((s) => s.reply)).toEqual([
      { ok: true, output: "ran device_del edu0" },
      { ok: true, output: "ran info pci" },
    ]);
  });

  it("turns a failing command into a rejected request with the host's reason", async () => {
    server = serveGuestRequests(
      share,
      {
        monitor: async () => {
          throw new Error("QMP DeviceNotFound: Device 'edu9' not found");
        },
      },
      10,
    );
    await expect(askHost(share, { kind: "monitor", command: "device_del edu9" })).rejects.toThrow(
      /device_del edu9.*failed: QMP DeviceNotFound: Device 'edu9' not found/,
    );
  });

  it("answers a malformed request with a decode error instead of running it", async () => {
    const ran: string[] = [];
    server = serveGuestRequests(
      share,
      {
        monitor: async (command) => {
          ran.push(command);
          return "";
        },
      },
      10,
    );
    await mkdir(join(share, REQUESTS_DIR));
    await writeFile(join(share, REQUESTS_DIR, "bad.json"), JSON.stringify({ kind: "reboot" }));
    await expect.poll(() => server?.served.length).toBe(1);
    expect(server.served[0]?.reply).toMatchObject({
      ok: false,
      error: expect.stringContaining("malformed request"),
    });
    expect(ran).toEqual([]);
  });

  it("times out when nobody serves the share", async () => {
    await expect(askHost(share, { kind: "monitor", command: "info pci" }, 100)).rejects.toThrow(
      /did not answer .* within 100 ms/,
    );
    expect(await readdir(join(share, REQUESTS_DIR))).toHaveLength(1);
  });
});
