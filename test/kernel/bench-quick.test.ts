import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { isLeft } from "fp-ts/lib/Either.js";
import { formatValidationErrors } from "io-ts-reporters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResultsFile } from "../../bench/results-file.js";
import { kernelLabGate } from "./lab/lab-gate.js";
import { PROJECT_DIR } from "./lab/project-root.js";

const run = promisify(execFile);

/**
 * `npm run bench -- --quick` with the kernel lab (issue 6): the kernel
 * benchmarks boot their guest, run rxuio and the C references, and come back
 * with figures and the latency histogram. Shape only — never speed — so a
 * slow machine cannot fail it.
 */
const tools = kernelLabGate("kernel benchmarks (npm run bench -- --quick, in a QEMU guest)");
if (tools) {
  describe("npm run bench -- --quick with the kernel lab", () => {
    let outDir: string;
    let results: ResultsFile;

    beforeAll(async () => {
      outDir = mkdtempSync(join(tmpdir(), "rxuio-bench-kernel-"));
      await run(
        process.execPath,
        [
          join(PROJECT_DIR, "node_modules", "typescript", "bin", "tsc"),
          "-p",
          "bench/tsconfig.json",
        ],
        {
          cwd: PROJECT_DIR,
        },
      );
      await run(process.execPath, ["build/bench/bench/run.js", "--quick", "--out", outDir], {
        cwd: PROJECT_DIR,
        maxBuffer: 16 << 20,
      });
      const decoded = ResultsFile.decode(
        JSON.parse(readFileSync(join(outDir, "results.json"), "utf8")),
      );
      if (isLeft(decoded)) throw new Error(formatValidationErrors(decoded.left).join("\n"));
      results = decoded.right;
    }, 600_000);

    afterAll(() => rmSync(outDir, { recursive: true, force: true }));

    it("measures IRQ latency on both sides and draws the histogram", () => {
      for (const name of ["irq-latency-p50", "irq-latency-p99"]) {
        const result = results.find((r) => r.name === name);
        expect(result?.rxuio, name).toBeGreaterThan(0);
        expect(result?.reference, name).toBeGreaterThan(0);
        expect(result?.meets, name).toBeTypeOf("boolean");
      }
      const svg = readFileSync(join(outDir, "irq-latency.svg"), "utf8");
      expect(svg).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\s*$/);
      expect(readFileSync(join(outDir, "BENCHMARKS.md"), "utf8")).toContain(
        "![irq-latency.svg](irq-latency.svg)",
      );
    });

    it("measures the snapshot cost on both sides, with a verdict or the reason there is none", () => {
      const result = results.find((r) => r.name === "snapshot-latency");
      expect(result?.rxuio).toBeTypeOf("number");
      expect(result?.reference).toBeTypeOf("number");
      if (result?.ratio === null) expect(result.note).toMatch(/noise/);
    });

    it("finds a lossless vadc rate for C and states the accounting was exact", () => {
      const result = results.find((r) => r.name === "irq-rate-max");
      expect(result?.reference).toBeGreaterThan(0);
      expect(result?.note).toMatch(/Loss accounting was exact at every rate tried/);
    });

    it("soaks the vadc interrupts with no handle leaked", () => {
      const result = results.find((r) => r.name === "soak-rss");
      expect(result?.rxuio).toBeTypeOf("number");
      expect(result?.note).toMatch(/no handle leaked/);
    });

    it("measures the sampler's jitter in the guest too", () => {
      expect(results.find((r) => r.name === "sampler-jitter-p99")?.note).toMatch(
        /In the guest: rxuio \d/,
      );
    });
  });
}
