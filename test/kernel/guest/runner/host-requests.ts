import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PathReporter } from "io-ts/lib/PathReporter.js";
import { isLeft } from "fp-ts/lib/Either.js";
import { GuestReply, REPLIES_DIR, REQUESTS_DIR, type GuestRequest } from "./protocol.js";

/**
 * The guest's half of the request channel: write a request file to the share,
 * then wait for the host's reply file. The host polls the share (see
 * test/kernel/lab/request-server.ts); 9p is mounted with cache=none, so the
 * reply is visible here as soon as the host writes it.
 */
let nextId = 0;

export async function askHost(
  shareDir: string,
  request: GuestRequest,
  timeoutMs = 30_000,
): Promise<string> {
  const id = `${process.pid}-${nextId++}`;
  await mkdir(join(shareDir, REQUESTS_DIR), { recursive: true });
  const file = join(shareDir, REQUESTS_DIR, `${id}.json`);
  // Rename makes the request appear whole; the host never reads half a file.
  await writeFile(`${file}.partial`, JSON.stringify(request));
  await rename(`${file}.partial`, file);

  const replyFile = join(shareDir, REPLIES_DIR, `${id}.json`);
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(replyFile)) {
    if (Date.now() > deadline) {
      throw new Error(`the host did not answer ${JSON.stringify(request)} within ${timeoutMs} ms`);
    }
    await sleep(20);
  }
  const decoded = GuestReply.decode(JSON.parse(await readFile(replyFile, "utf8")));
  if (isLeft(decoded))
    throw new Error(`malformed reply from the host: ${PathReporter.report(decoded).join("; ")}`);
  const reply = decoded.right;
  if (!reply.ok) throw new Error(`host request ${JSON.stringify(request)} failed: ${reply.error}`);
  return reply.output;
}
