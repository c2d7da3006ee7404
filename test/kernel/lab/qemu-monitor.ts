import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A QMP client for a running lab guest. `hmp("device_del edu0")` runs any
 * human-monitor command through QMP's `human-monitor-command`, which returns
 * the text output cleanly (no prompt or terminal echo to strip). Asynchronous
 * QMP events (e.g. DEVICE_DELETED) are kept in `events`.
 */
export class QemuMonitor {
  readonly events: { event: string; data?: unknown }[] = [];
  private buffer = "";
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve(value: unknown): void; reject(err: Error): void }
  >();

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.receive(chunk));
    socket.on("close", () =>
      this.failAll(new Error("the QEMU monitor connection closed (did QEMU exit?)")),
    );
    socket.on("error", (err) => this.failAll(err));
  }

  /** Connects, retrying while QEMU creates the socket, and negotiates capabilities. */
  static async connect(path: string, timeoutMs = 15_000): Promise<QemuMonitor> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path, () => resolve(s));
          s.once("error", reject);
        });
        const monitor = new QemuMonitor(socket);
        await monitor.execute("qmp_capabilities");
        return monitor;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`cannot reach the QEMU monitor at ${path}: ${(err as Error).message}`, {
            cause: err,
          });
        }
        await sleep(100);
      }
    }
  }

  /** Runs a raw QMP command and resolves with its `return` value. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(`${JSON.stringify({ execute: command, arguments: args, id })}\n`);
    });
  }

  /** Runs an HMP command line and resolves with its text output. */
  async hmp(commandLine: string): Promise<string> {
    const output = await this.execute("human-monitor-command", { "command-line": commandLine });
    return typeof output === "string" ? output : JSON.stringify(output);
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line !== "") this.dispatch(JSON.parse(line) as Record<string, unknown>);
    }
  }

  private dispatch(message: Record<string, unknown>): void {
    if (typeof message["event"] === "string") {
      this.events.push({ event: message["event"], data: message["data"] });
      return;
    }
    if (typeof message["id"] !== "number") return; // the greeting
    const waiter = this.pending.get(message["id"]);
    this.pending.delete(message["id"]);
    if (waiter === undefined) return;
    const error = message["error"] as { class?: string; desc?: string } | undefined;
    if (error !== undefined)
      waiter.reject(new Error(`QMP ${error.class ?? "error"}: ${error.desc ?? "unknown"}`));
    else waiter.resolve(message["return"]);
  }

  private failAll(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}
