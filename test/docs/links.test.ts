import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, docFiles, type DocFile } from "./doc-sources.js";

/**
 * Relative links in README.md and docs/*.md lead somewhere: the file exists,
 * and an #anchor names one of its headings (GitHub's slugs). Files that
 * commands generate (`npm run bench`, `npm run docs`) may be absent.
 */

const GENERATED = ["docs/BENCHMARKS.md", "bench/results.json", "docs/api"];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(text: string): Set<string> {
  const found = new Set<string>();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading?.[1] !== undefined) found.add(slug(heading[1]));
  }
  return found;
}

/** Markdown links outside code: `[text](target)`. */
function links(doc: DocFile): string[] {
  const prose = doc.text
    .replace(/^(\s*)(```|~~~)[\s\S]*?^\1\2\s*$/gm, "")
    .replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
}

describe("links in the docs", () => {
  it("slugs headings as GitHub does", () => {
    expect(slug("The re-arm rule: ack, then unmask")).toBe("the-re-arm-rule-ack-then-unmask");
    expect(slug("Loss accounting: `missed`")).toBe("loss-accounting-missed");
  });

  for (const doc of docFiles()) {
    it(`${doc.path}: every relative link and anchor resolves`, () => {
      const broken: string[] = [];
      for (const link of links(doc)) {
        if (/^[a-z]+:/i.test(link)) continue; // https:, mailto:
        const [path = "", anchor] = link.split("#");
        const target = path === "" ? doc.path : normalize(join(dirname(doc.path), path));
        const file = join(PROJECT_DIR, target);
        if (!existsSync(file)) {
          if (
            !GENERATED.some(
              (g) => relative(g, target) === "" || !relative(g, target).startsWith(".."),
            )
          ) {
            broken.push(`${link} (no ${target})`);
          }
          continue;
        }
        if (anchor !== undefined && target.endsWith(".md")) {
          const text = readFileSync(file, "utf8");
          if (!anchors(text).has(anchor))
            broken.push(`${link} (no heading #${anchor} in ${target})`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
