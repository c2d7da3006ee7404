import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInitramfs, type InitramfsInputs } from "./lab/initramfs.js";
import { kernelLabGate } from "./lab/lab-gate.js";

// The initramfs builder with the lab's real busybox and cpio, on stand-in
// module files: contents, load order, caching by inputs, pruning. No boot.
const tools = kernelLabGate("kernel lab initramfs");

if (tools) {
  const { busybox, cpio } = tools;
  describe("buildInitramfs", () => {
    let dir: string;
    let inputs: InitramfsInputs;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "rxuio-initramfs-"));
      await writeFile(join(dir, "virtio.ko"), "first");
      await writeFile(join(dir, "9p.ko"), "second");
      inputs = {
        kernelVersion: "6.1.0-test",
        busybox,
        cpio,
        modules: [
          { path: join(dir, "virtio.ko"), params: [] },
          { path: join(dir, "9p.ko"), params: ["debug=1"] },
        ],
        cacheDir: join(dir, "cache"),
      };
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    function listArchive(file: string): string[] {
      const listing = execFileSync(
        "sh",
        ["-c", `gzip -dc "$1" | "$2" -t --quiet`, "sh", file, cpio],
        {
          encoding: "utf8",
        },
      );
      return listing.trim().split("\n").sort();
    }

    it("packs busybox, /init and the modules in load order", async () => {
      const image = await buildInitramfs(inputs);
      expect(image).toMatch(/initramfs-6\.1\.0-test-[0-9a-f]{16}\.cpio\.gz$/);
      expect(listArchive(image)).toEqual(
        [
          "bin",
          "bin/busybox",
          "bin/sh",
          "init",
          "modules",
          "modules/00-virtio.ko",
          "modules/01-9p.ko",
          "modules/order",
        ].sort(),
      );
      const order = execFileSync(
        "sh",
        ["-c", `gzip -dc "$1" | "$2" -i --quiet --to-stdout modules/order`, "sh", image, cpio],
        {
          encoding: "utf8",
        },
      );
      expect(order).toBe("00-virtio.ko\n01-9p.ko debug=1\n");
    });

    it("reuses the cached image while the inputs are unchanged", async () => {
      const first = await buildInitramfs(inputs);
      const built = (await stat(first)).mtimeMs;
      const again = await buildInitramfs(inputs);
      expect(again).toBe(first);
      expect((await stat(again)).mtimeMs).toBe(built);
    });

    it("rebuilds when a module changes, and prunes the old image", async () => {
      const before = await buildInitramfs(inputs);
      await writeFile(join(dir, "9p.ko"), "second, rebuilt");
      await utimes(join(dir, "9p.ko"), new Date(), new Date(Date.now() + 5_000));
      const after = await buildInitramfs(inputs);
      expect(after).not.toBe(before);
      expect((await readdir(inputs.cacheDir)).filter((f) => f.endsWith(".cpio.gz"))).toEqual([
        after.split("/").pop(),
      ]);
    });
  });
}
