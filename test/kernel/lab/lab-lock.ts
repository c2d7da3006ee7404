import { mkdir, open, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Serialises a step (the guest build) across processes: several people or
 * vitest runs share one working tree and its .lab/. The lock file holds the
 * owner's pid; a lock whose owner is gone is taken over.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function withLabLock<T>(
  lockFile: string,
  step: () => Promise<T>,
  timeoutMs = 600_000,
): Promise<T> {
  await mkdir(dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockFile, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number((await readFile(lockFile, "utf8").catch(() => "")).trim());
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`${lockFile} is still held by pid ${owner} after ${timeoutMs / 1000} s`);
      await sleep(200);
    }
  }
  try {
    return await step();
  } finally {
    await rm(lockFile, { force: true });
  }
}
