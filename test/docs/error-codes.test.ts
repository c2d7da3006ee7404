import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { docFiles } from "./doc-sources.js";

/** The rows of the first markdown table whose first cell is a code in backticks. */
function documentedCodes(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of text.split("\n")) {
    const row = /^\|\s*`(E[A-Z]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (row?.[1] !== undefined) rows.set(row[1], row[2] ?? "");
  }
  return rows;
}

describe("docs/errors.md", () => {
  const page = docFiles().find((doc) => doc.path === "docs/errors.md");
  const rows = documentedCodes(page?.text ?? "");

  it("exists", () => {
    expect(page).toBeDefined();
  });

  for (const code of Object.values(ErrorCodes)) {
    it(`has a table row for ${code} with its meaning and what to do`, () => {
      const cells = (rows.get(code) ?? "")
        .split("|")
        .map((cell) => cell.trim())
        .filter(Boolean);
      expect(cells.length, `| \`${code}\` | meaning | what to do | row`).toBeGreaterThanOrEqual(2);
    });
  }

  it("documents no code that src/errors.ts does not define", () => {
    const known: readonly string[] = Object.values(ErrorCodes);
    expect([...rows.keys()].filter((code) => !known.includes(code))).toEqual([]);
  });
});
