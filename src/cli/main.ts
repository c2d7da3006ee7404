#!/usr/bin/env node
// The `rxuio` binary: everything lives in run(), so it is testable in-process.
import { processIo } from "./cli-io.js";
import { run } from "./program.js";

process.exitCode = await run(process.argv.slice(2), processIo);
