import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The documentation the docs tests hold to the code: README.md and every
 * docs/*.md. Generated or separately owned pages are included too, so a
 * script or a code they mention is checked like any other.
 */

export const PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url));

export interface DocFile {
  /** Relative to the project, e.g. "docs/streams.md". */
  readonly path: string;
  readonly text: string;
}

/** A fenced code block: its info string split into language and flags. */
export interface CodeBlock {
  readonly doc: string;
  /** 1-based line of the first code line in the markdown file. */
  readonly line: number;
  readonly lang: string;
  /** Words after the language, e.g. ["run"] for "```ts run". */
  readonly flags: readonly string[];
  readonly code: string;
}

export function docFiles(): DocFile[] {
  const docsDir = join(PROJECT_DIR, "docs");
  const pages = readdirSync(docsDir)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join(docsDir, name));
  return [join(PROJECT_DIR, "README.md"), ...pages].map((file) => ({
    path: relative(PROJECT_DIR, file),
    text: readFileSync(file, "utf8"),
  }));
}

/** Every fenced block (``` or ~~~, any length of three or more) of a markdown file. */
export function codeBlocks(doc: DocFile): CodeBlock[] {
  const lines = doc.text.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[i] ?? "");
    if (!open) continue;
    const [, indent = "", fence = "```", lang = "", rest = ""] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? "";
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, "") === "") break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    blocks.push({
      doc: doc.path,
      line: i + 2,
      lang,
      flags: rest.split(/\s+/).filter(Boolean),
      code: body.join("\n"),
    });
    i = j;
  }
  return blocks;
}

/** Every fenced block of every documentation file, in file order. */
export function allCodeBlocks(): CodeBlock[] {
  return docFiles().flatMap(codeBlocks);
}
