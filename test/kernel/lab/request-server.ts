import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isLeft } from "fp-ts/lib/Either.js";
import { PathReporter } from "io-ts/lib/PathReporter.js";
import {
  GuestRequest,
  REPLIES_DIR,
  REQUESTS_DIR,
  type GuestReply,
} from "../guest/runner/protocol.js";

/**
 * The host's half of the request channel (guest half: guest/runner/host-requests.ts):
 * polls <share>/requests for request files, carries each out once — today
 * only QEMU monitor commands — and writes the reply file the guest waits for.
 * Polling keeps it independent of inotify support for 9p-written files.
 */
export interface RequestHandlers {
  monitor(command: string): Promise<string>;
}

export interface RequestServer {
  stop(): Promise<void>;
  /** Every request served, in order, for the run's record. */
  readonly served: { request: string; reply: GuestReply }[];
}

export function serveGuestRequests(
  shareDir: string,
  handlers: RequestHandlers,
  intervalMs = 50,
): RequestServer {
  const done = new Set<string>();
  const served: { request: string; reply: GuestReply }[] = [];
  let stopped = false;

  async function answer(file: string): Promise<void> {
    const id = file.slice(0, -".json".length);
    let reply: GuestReply;
    const raw = await readFile(join(shareDir, REQUESTS_DIR, file), "utf8");
    try {
      const decoded = GuestRequest.decode(JSON.parse(raw));
      if (isLeft(decoded))
        throw new Error(`malformed request: ${PathReporter.report(decoded).join("; ")}`);
      reply = { ok: true, output: await handlers.monitor(decoded.right.command) };
    } catch (err) {
      reply = { ok: false, error: (err as Error).message };
    }
    served.push({ request: raw, reply });
    const target = join(shareDir, REPLIES_DIR, `${id}.json`);
    await writeFile(`${target}.partial`, JSON.stringify(reply));
    await rename(`${target}.partial`, target);
  }

  async function poll(): Promise<void> {
    const dir = join(shareDir, REQUESTS_DIR);
    if (!existsSync(dir)) return;
    await mkdir(join(shareDir, REPLIES_DIR), { recursive: true });
    for (const file of await readdir(dir)) {
      if (!file.endsWith(".json") || done.has(file)) continue;
      done.add(file);
      await answer(file);
    }
  }

  let running = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    // Chain polls so a slow monitor command never overlaps the next scan.
    running = running.then(poll).catch((err: unknown) => {
      // The guest will time out waiting for its reply; say why on the host side.
      process.stderr.write(
        `kernel lab: serving a guest request failed: ${(err as Error).message}\n`,
      );
    });
  }, intervalMs);

  return {
    served,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
