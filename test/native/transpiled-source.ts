import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * A src/ module and the src/ modules it imports, transpiled to JavaScript
 * under `outDir` with the same layout, for a child process to import (plain
 * Node.js cannot run the TypeScript, and dist/ may be older than src/).
 * `outDir/build` links to the project's build/, where binding.ts finds the
 * addon. Returns the path of the entry's .js file.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

// Relative specifiers in the emitted import/export statements (type-only
// imports are gone by then, so only what runs is followed).
const RELATIVE_IMPORT = /\bfrom\s+"(\.\.?\/[^"]+)\.js"/g;

export function transpiledSource(entry: string, outDir: string): string {
  const pending = [resolve(ROOT, entry)];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    const out = join(outDir, relative(ROOT, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    for (const match of outputText.matchAll(RELATIVE_IMPORT)) {
      pending.push(resolve(dirname(file), `${match[1] as string}.ts`));
    }
  }
  symlinkSync(join(ROOT, "build"), join(outDir, "build"));
  return join(outDir, entry).replace(/\.ts$/, ".js");
}
