// Every ```ts block of README.md must type-check against the library's source (imports of
// `codex-api`, `codex-api/validate`, `codex-api/testing` and `codex-api/websocket` map to src/).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url).pathname;
const dir = join(root, ".tmp", `readme-${process.pid}`);

function blocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function compile(sources: string[]): string[] {
  mkdirSync(dir, { recursive: true });
  const files = sources.map((source, i) => {
    const file = join(dir, `example-${i + 1}.ts`);
    writeFileSync(file, `${source}\nexport {};\n`);
    return file;
  });
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts", "lib.dom.asynciterable.d.ts"],
    types: ["node"],
    skipLibCheck: true,
    baseUrl: root,
    paths: {
      "codex-api": ["src/index.ts"],
      "codex-api/validate": ["src/validate/index.ts"],
      "codex-api/testing": ["src/testing/index.ts"],
      "codex-api/websocket": ["src/websocket/index.ts"],
    },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : "";
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

describe("README examples", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const examples = blocks(readFileSync(join(root, "README.md"), "utf8"));

  it("has examples to check", () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it("every ts block compiles", () => {
    expect(compile(examples)).toEqual([]);
  });

  it("a broken example does not compile (the check can fail)", () => {
    const broken = examples[0]!.replace("outputTextDelta", "outputTextDeltaX");
    expect(compile([broken]).join("\n")).toMatch(/outputTextDeltaX/);
  });
});
