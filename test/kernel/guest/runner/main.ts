import { execFileSync } from "node:child_process";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { GuestSuite, GuestTestContext, GuestTestSpec } from "./guest-suite.js";
import { askHost } from "./host-requests.js";
import {
  REPORT_FILE,
  type GuestError,
  type GuestReport,
  type GuestTestResult,
} from "./protocol.js";

/**
 * The guest runner: `node main.js <suite> <shareDir>` runs every test of
 * suites/<suite>.js in order, each with its own timeout and cleanups, and
 * rewrites <shareDir>/report.json after each one (so a crash still leaves the
 * results so far). `node main.js --list <suite>` prints the test names as
 * JSON; the host uses it to declare one vitest test per guest test.
 */

const DEFAULT_TIMEOUT_MS = 120_000;

function toSpec(test: GuestSuite[string]): GuestTestSpec {
  return typeof test === "function" ? { run: test } : test;
}

async function loadSuite(suite: string): Promise<GuestSuite> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(suite)) throw new Error(`invalid suite name "${suite}"`);
  const module = (await import(new URL(`../suites/${suite}.js`, import.meta.url).href)) as {
    default?: GuestSuite;
  };
  if (module.default === undefined)
    throw new Error(`suites/${suite} has no default export (use defineGuestSuite)`);
  return module.default;
}

function describeError(err: unknown): GuestError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: err.message,
      ...(err.stack === undefined ? {} : { stack: err.stack }),
      ...(typeof code === "string" ? { code } : {}),
    };
  }
  return { message: String(err) };
}

function guestKernel(): string {
  try {
    return execFileSync("uname", ["-r"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

// An error nobody awaited belongs to the test that is running: fail that test
// instead of crashing the runner (and with it every later test).
// Between tests there is no one to blame: say so on the console, keep going.
let failCurrent: ((err: unknown) => void) | undefined;
function stray(err: unknown): void {
  if (failCurrent) failCurrent(err);
  else console.error("RXUIO-GUEST-STRAY error outside any test:", err);
}
process.on("unhandledRejection", stray);
process.on("uncaughtException", stray);

async function runTest(name: string, spec: GuestTestSpec): Promise<GuestTestResult> {
  const cleanups: (() => unknown)[] = [];
  const context: GuestTestContext = {
    defer: (cleanup) => void cleanups.push(cleanup),
    monitor: (command) => askHost(shareDir, { kind: "monitor", command }),
    log: (message) => console.log(`[${name}] ${message}`),
  };
  const timeoutMs = spec.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = performance.now();
  let error: unknown;
  let failed = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      failCurrent = reject;
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      Promise.resolve()
        .then(() => spec.run(context))
        .then(resolve, reject);
    });
  } catch (err) {
    failed = true;
    error = err;
  } finally {
    clearTimeout(timer);
    failCurrent = undefined;
  }
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (err) {
      if (!failed) {
        failed = true;
        error = err;
      }
    }
  }
  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  const status = failed ? "failed" : "passed";
  console.log(`RXUIO-GUEST-TEST ${status} ${name} (${durationMs} ms)`);
  if (failed) console.log(describeError(error).stack ?? describeError(error).message);
  return failed
    ? { name, status, durationMs, error: describeError(error) }
    : { name, status, durationMs };
}

async function writeReport(report: GuestReport): Promise<void> {
  const file = join(shareDir, REPORT_FILE);
  await writeFile(`${file}.partial`, JSON.stringify(report, null, 2));
  await rename(`${file}.partial`, file);
}

const [first, second] = process.argv.slice(2);
let shareDir = "";

if (first === "--list" && second !== undefined) {
  process.stdout.write(`${JSON.stringify(Object.keys(await loadSuite(second)))}\n`);
} else if (first !== undefined && second !== undefined) {
  shareDir = second;
  const suite = await loadSuite(first);
  const report: GuestReport = {
    suite: first,
    kernel: guestKernel(),
    node: process.version,
    finished: false,
    tests: [],
  };
  await writeReport(report);
  for (const [name, test] of Object.entries(suite)) {
    report.tests.push(await runTest(name, toSpec(test)));
    await writeReport(report);
  }
  report.finished = true;
  await writeReport(report);
  // Tests may leave handles (watchers, timers) behind; the run is over either way.
  process.exit(0);
} else {
  console.error("usage: main.js <suite> <shareDir> | main.js --list <suite>");
  process.exit(2);
}
