import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, docFiles } from "./doc-sources.js";

/** `npm run <name>`, `npm test` and `npm start` as written anywhere in a doc (prose or code). */
function npmScriptsMentioned(text: string): string[] {
  const names = [...text.matchAll(/\bnpm run ([A-Za-z0-9][\w:-]*)/g)].map((m) => m[1] ?? "");
  const short = [...text.matchAll(/\bnpm (test|start)\b/g)].map((m) => m[1] ?? "");
  return [...new Set([...names, ...short])];
}

const scripts = Object.keys(
  (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: object })
    .scripts,
);

describe("npm scripts named in the docs", () => {
  for (const doc of docFiles()) {
    it(`${doc.path}: every npm script it mentions exists in package.json`, () => {
      const missing = npmScriptsMentioned(doc.text).filter((name) => !scripts.includes(name));
      expect(missing, `not in package.json "scripts": ${missing.join(", ")}`).toEqual([]);
    });
  }

  it("README.md opens with the two fresh-machine commands", () => {
    const readme = docFiles().find((doc) => doc.path === "README.md");
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme?.text ?? "")?.[1] ?? "";
    const commands = firstBlock
      .split("\n")
      .map((line) => line.replace(/#.*$/, "").trim())
      .filter(Boolean);
    expect(commands).toEqual(["npm ci && npm run demo", "npm run test:all"]);
  });

  it("finds the scripts in text (a doc naming a missing script would fail)", () => {
    expect(npmScriptsMentioned("run `npm run lab:setup`, then npm test; npm run nope.")).toEqual([
      "lab:setup",
      "nope",
      "test",
    ]);
  });
});
