import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/program.js";
import { exitCodes } from "../../src/cli/exit-codes.js";
import { ErrorCodes, type ErrorCode } from "../../src/errors.js";
import { codeBlocks, docFiles, type DocFile } from "./doc-sources.js";

/**
 * The CLI as the docs describe it: every `$ rxuio ...` of a ```console block
 * is run in-process and must print exactly what the block shows; every exit
 * table agrees with src/cli/exit-codes.ts; every option a command's section
 * of docs/cli.md names exists on that command.
 */

async function rxuio(argv: readonly string[]): Promise<string> {
  let printed = "";
  const write = (text: string) => void (printed += text);
  await run(argv, { out: write, err: write });
  return printed;
}

/** Words of a shell command line: spaces split, "..." and '...' quote. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

interface Session {
  readonly where: string;
  readonly argv: string[];
  readonly expected: string;
}

function consoleSessions(doc: DocFile): Session[] {
  const sessions: Session[] = [];
  for (const block of codeBlocks(doc).filter((b) => b.lang === "console")) {
    const lines = block.code.split("\n");
    lines.forEach((line, i) => {
      if (!line.startsWith("$ ")) return;
      const [command, ...argv] = shellWords(line.slice(2));
      expect(command, `${doc.path}:${block.line + i} runs rxuio`).toBe("rxuio");
      const output: string[] = [];
      for (const next of lines.slice(i + 1)) {
        if (next.startsWith("$ ")) break;
        output.push(next);
      }
      sessions.push({
        where: `${doc.path}:${block.line + i}`,
        argv,
        expected: output.length > 0 ? `${output.join("\n")}\n` : "",
      });
    });
  }
  return sessions;
}

/** `| 5 | ... `ERANGE`, `EALIGN` |` → 5 → [ERANGE, EALIGN], for tables whose first cell is the status. */
function exitTable(text: string): Map<number, ErrorCode[]> {
  const known: readonly string[] = Object.values(ErrorCodes);
  const rows = new Map<number, ErrorCode[]>();
  for (const line of text.split("\n")) {
    const row = /^\|\s*(\d+)\s*\|(.*)\|\s*$/.exec(line);
    if (!row) continue;
    const codes = [...(row[2] ?? "").matchAll(/`(E[A-Z]+)`/g)]
      .map((m) => m[1] ?? "")
      .filter((code): code is ErrorCode => known.includes(code));
    rows.set(Number(row[1]), codes);
  }
  return rows;
}

const docs = docFiles();
const page = (path: string): DocFile => {
  const doc = docs.find((d) => d.path === path);
  if (!doc) throw new Error(`${path} is missing`);
  return doc;
};

describe("CLI sessions shown in the docs", () => {
  const sessions = docs.flatMap(consoleSessions);

  it("docs/cli.md shows sessions to check", () => {
    expect(sessions.some((s) => s.where.startsWith("docs/cli.md"))).toBe(true);
  });

  for (const session of sessions) {
    it(`${session.where}: rxuio ${session.argv.join(" ")}`, async () => {
      expect(await rxuio(session.argv)).toBe(session.expected);
    });
  }
});

describe("exit status tables", () => {
  for (const path of ["README.md", "docs/cli.md"]) {
    it(`${path}: every error code is in the row of its exit status`, () => {
      const table = exitTable(page(path).text);
      for (const code of Object.values(ErrorCodes)) {
        const rows = [...table].filter(([, codes]) => codes.includes(code)).map(([n]) => n);
        expect(rows, `${code} exits ${exitCodes[code]}`).toEqual([exitCodes[code]]);
      }
    });
  }

  it("docs/errors.md: the exit column matches", () => {
    for (const code of Object.values(ErrorCodes)) {
      const row = page("docs/errors.md")
        .text.split("\n")
        .find((line) => new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`).test(line));
      const last = row?.split("|").at(-2)?.trim();
      expect(last, `${code} exits ${exitCodes[code]}`).toBe(String(exitCodes[code]));
    }
  });
});

describe("options named in docs/cli.md", () => {
  const text = page("docs/cli.md").text;
  const sections = text.split(/^## /m).slice(1);
  const globalHelp = rxuio(["--help"]);

  for (const section of sections) {
    const command = /^`rxuio ([a-z]+)/.exec(section)?.[1];
    if (command === undefined) continue;
    it(`rxuio ${command} has every option its section names`, async () => {
      const help = (await rxuio([command, "--help"])) + (await globalHelp);
      const named = [...new Set(section.match(/(?<![\w-])--?[a-z][a-z-]*/g) ?? [])];
      expect(named.filter((option) => !help.includes(option))).toEqual([]);
    });
  }
});
