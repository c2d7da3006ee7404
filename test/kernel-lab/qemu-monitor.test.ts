import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QemuMonitor } from "../kernel/lab/qemu-monitor.js";

// A stand-in QMP server speaking the protocol as QEMU does: a greeting,
// capability negotiation, then one JSON reply per command (with its id),
// interleaved with asynchronous events.
let dir: string;
let server: Server;
let received: Record<string, unknown>[];

function reply(socket: Socket, message: unknown): void {
  socket.write(`${JSON.stringify(message)}\r\n`);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rxuio-qmp-"));
  received = [];
  server = createServer((socket) => {
    reply(socket, { QMP: { version: {}, capabilities: [] } });
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const command = JSON.parse(buffer.slice(0, newline)) as {
          execute: string;
          arguments?: { "command-line"?: string };
          id: number;
        };
        buffer = buffer.slice(newline + 1);
        received.push(command);
        const line = command.arguments?.["command-line"];
        if (command.execute === "qmp_capabilities") reply(socket, { return: {}, id: command.id });
        else if (line === "device_del edu0") {
          reply(socket, { event: "DEVICE_DELETED", data: { device: "edu0" } });
          reply(socket, { return: "", id: command.id });
        } else if (line === "info version") reply(socket, { return: "7.2.22\r\n", id: command.id });
        else
          reply(socket, {
            error: { class: "GenericError", desc: `unknown command ${line}` },
            id: command.id,
          });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(join(dir, "qmp.sock"), resolve));
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe("QemuMonitor", () => {
  it("negotiates capabilities, then runs HMP commands and keeps events", async () => {
    const monitor = await QemuMonitor.connect(join(dir, "qmp.sock"));
    try {
      expect(received[0]).toMatchObject({ execute: "qmp_capabilities" });
      expect(await monitor.hmp("info version")).toBe("7.2.22\r\n");
      expect(await monitor.hmp("device_del edu0")).toBe("");
      expect(monitor.events).toEqual([{ event: "DEVICE_DELETED", data: { device: "edu0" } }]);
      expect(received[1]).toMatchObject({
        execute: "human-monitor-command",
        arguments: { "command-line": "info version" },
      });
    } finally {
      monitor.close();
    }
  });

  it("rejects with QEMU's error class and description", async () => {
    const monitor = await QemuMonitor.connect(join(dir, "qmp.sock"));
    try {
      await expect(monitor.hmp("frobnicate")).rejects.toThrow(
        "QMP GenericError: unknown command frobnicate",
      );
    } finally {
      monitor.close();
    }
  });

  it("gives up with the socket path when nothing listens", async () => {
    await expect(QemuMonitor.connect(join(dir, "missing.sock"), 300)).rejects.toThrow(
      /cannot reach the QEMU monitor at .*missing\.sock/,
    );
  });
});
