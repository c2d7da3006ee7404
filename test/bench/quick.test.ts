import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { isLeft } from "fp-ts/lib/Either.js";
import { formatValidationErrors } from "io-ts-reporters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC_NAMES } from "../../bench/metric.js";
import { ResultsFile } from "../../bench/results-file.js";

const run = promisify(execFile);
const PROJECT_DIR = resolve(import.meta.dirname, "..", "..");

/**
 * `npm run bench -- --quick` as a smoke test: the benchmark code runs and
 * writes well-formed results. It checks shape and honesty (a missing figure
 * comes with a reason), never speed, so a slow or busy machine cannot fail it.
 */
describe("npm run bench -- --quick", () => {
  let outDir: string;
  let results: ResultsFile;
  let markdown: string;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), "rxuio-bench-test-"));
    await run(
      process.execPath,
      [join(PROJECT_DIR, "node_modules", "typescript", "bin", "tsc"), "-p", "bench/tsconfig.json"],
      {
        cwd: PROJECT_DIR,
      },
    );
    await run(
      process.execPath,
      ["build/bench/bench/run.js", "--quick", "--skip-kernel", "--out", outDir],
      {
        cwd: PROJECT_DIR,
      },
    );
    const decoded = ResultsFile.decode(
      JSON.parse(readFileSync(join(outDir, "results.json"), "utf8")),
    );
    if (isLeft(decoded)) throw new Error(formatValidationErrors(decoded.left).join("\n"));
    results = decoded.right;
    markdown = readFileSync(join(outDir, "BENCHMARKS.md"), "utf8");
  }, 120_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("reports every metric exactly once, in the documented order", () => {
    expect(results.map((r) => r.name)).toEqual([...METRIC_NAMES]);
  });

  it("measures the host benchmarks with positive, finite figures and both sides", () => {
    for (const name of [
      "read32",
      "view-read",
      "pipeline",
      "batching",
      "sampler-jitter-p99",
    ] as const) {
      const result = results.find((r) => r.name === name);
      expect(result, name).toBeDefined();
      for (const figure of [result?.rxuio, result?.reference, result?.ratio]) {
        expect(figure, name).toBeTypeOf("number");
        expect(Number.isFinite(figure) && (figure as number) > 0, name).toBe(true);
      }
      expect(result?.meets, name).toBeTypeOf("boolean");
    }
  });

  it("reports the kernel metrics as not measured, with the reason, under --skip-kernel", () => {
    for (const name of [
      "irq-latency-p50",
      "irq-latency-p99",
      "irq-rate-max",
      "snapshot-latency",
      "soak-rss",
    ]) {
      expect(results.find((r) => r.name === name)).toMatchObject({
        rxuio: null,
        reference: null,
        meets: null,
        note: "skipped: --skip-kernel was given",
      });
    }
    expect(markdown).toContain("not measured");
  });

  it("gives a reason for every figure it could not measure, and no verdict without figures", () => {
    for (const result of results) {
      if (result.rxuio === null || result.reference === null)
        expect(result.note, result.name).toMatch(/\S/);
      if (result.rxuio === null && result.reference === null) {
        expect(result.ratio, result.name).toBeNull();
        expect(result.meets, result.name).toBeNull();
      }
      expect(result.target, result.name).toMatch(/^(<=|>=) /);
    }
  });

  it("writes BENCHMARKS.md with the table, the machine, the date and the commit", () => {
    expect(markdown).toContain("| metric | unit | rxuio | reference | ratio | target | meets |");
    for (const name of METRIC_NAMES) expect(markdown).toContain(`| ${name} |`);
    expect(markdown).toMatch(/- Machine: .+ cores, Linux .+, Node\.js v\d+/);
    expect(markdown).toMatch(/- Date: \d{4}-\d\d-\d\dT/);
    expect(markdown).toMatch(/- Commit: \S+/);
    expect(markdown).toContain("--quick");
  });

  it("rejects an unknown option with a non-zero exit and a message", async () => {
    const failure = await run(process.execPath, ["build/bench/bench/run.js", "--no-such-option"], {
      cwd: PROJECT_DIR,
    }).catch((err: unknown) => err as { code?: number; stderr?: string });
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr?: string }).stderr).toMatch(/unknown option/);
  });
});
