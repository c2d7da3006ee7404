import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import ts from "typescript";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PROJECT_DIR, allCodeBlocks, type CodeBlock } from "./doc-sources.js";

/**
 * Every ```ts block in README.md and docs/*.md is a complete program that
 * must type-check against the project's own src/ (imports of "rxuio" are
 * pointed at src/index.ts). Blocks marked ```ts run also run, on the
 * simulator, must finish without printing an error, and must print every
 * line announced by a `// prints: <line>` comment (console.log formatting).
 *
 * The programs are written under build/ (git-, lint- and tsconfig-ignored)
 * so that rxjs and the other dependencies resolve as they would for a user.
 */

// One directory per run, so two test runs on a shared checkout never collide.
const OUT_DIR = join(PROJECT_DIR, "build", "docs-examples", String(process.pid));
const SRC_INDEX = join(PROJECT_DIR, "src", "index.js");

interface Example extends CodeBlock {
  readonly file: string;
}

const examples: Example[] = allCodeBlocks()
  .filter((block) => block.lang === "ts" || block.lang === "typescript")
  .map((block) => ({
    ...block,
    file: join(OUT_DIR, `${block.doc.replace(/[^A-Za-z0-9]+/g, "_")}_line${block.line}.ts`),
  }));

/** The example as a module of the project: "rxuio" is src/index.ts. */
function programText(example: Example): string {
  const index = relative(OUT_DIR, SRC_INDEX);
  // Kept on the same lines, so diagnostics point at the markdown line.
  const code = example.code.replace(/from\s+"rxuio"/g, `from "${index}"`);
  return `${code}\nexport {};\n`;
}

function where(example: Example, diagnostic: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  if (diagnostic.file === undefined || diagnostic.start === undefined) return text;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${example.doc}:${example.line + line}: ${text}`;
}

describe("TypeScript examples in the docs", () => {
  let diagnostics: readonly ts.Diagnostic[] = [];

  beforeAll(() => {
    rmSync(OUT_DIR, { recursive: true, force: true });
    mkdirSync(OUT_DIR, { recursive: true });
    for (const example of examples) writeFileSync(example.file, programText(example));
    const config = ts.getParsedCommandLineOfConfigFile(
      join(PROJECT_DIR, "tsconfig.json"),
      undefined,
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        },
      },
    );
    if (config === undefined) throw new Error("tsconfig.json could not be read");
    const program = ts.createProgram({
      rootNames: examples.map((example) => example.file),
      options: { ...config.options, noEmit: true },
    });
    diagnostics = ts.getPreEmitDiagnostics(program);
  }, 60_000);

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(() => {
    rmSync(OUT_DIR, { recursive: true, force: true });
  });

  it("there are examples to check (README.md has its quick tour)", () => {
    expect(examples.some((example) => example.doc === "README.md")).toBe(true);
  });

  it("the compiler options themselves are fine", () => {
    expect(diagnostics.filter((d) => d.file === undefined).map((d) => d.messageText)).toEqual([]);
  });

  for (const example of examples) {
    it(`${example.doc}:${example.line} type-checks against src/`, () => {
      const own = diagnostics.filter((d) => d.file?.fileName === example.file);
      expect(own.map((d) => where(example, d))).toEqual([]);
    });

    if (example.flags.includes("run")) {
      it(`${example.doc}:${example.line} runs on the simulator to completion`, async () => {
        const printed: string[] = [];
        const reported: string[] = [];
        vi.spyOn(console, "log").mockImplementation(
          (...args) => void printed.push(format(...args)),
        );
        vi.spyOn(console, "error").mockImplementation((...args) => {
          reported.push(format(...args));
        });
        await import(pathToFileURL(example.file).href);
        expect(reported, "printed on console.error").toEqual([]);
        const announced = [...example.code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1]);
        expect(announced.length, "a runnable example says what it prints").toBeGreaterThan(0);
        const absent = announced.filter((line) => !printed.includes(line ?? ""));
        expect(absent, `printed instead:\n${printed.join("\n")}`).toEqual([]);
      }, 20_000);
    }
  }
});
