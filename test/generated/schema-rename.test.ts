// A field renamed in schema/ and regenerated must break a typed call site: the schema really is the
// source of the types. Generates into .tmp/ from a copy of schema/ and compiles
// test/types/client-calls.ts against it, before and after renaming CompactionInput.instructions.
import { execFile } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const work = join(root, ".tmp", `rename-${process.pid}`);

async function generateAndCompile(edit?: (yaml: string) => string): Promise<string[]> {
  await rm(work, { recursive: true, force: true });
  await mkdir(join(work, "test/types"), { recursive: true });
  await cp(join(root, "schema"), join(work, "schema"), { recursive: true });
  await cp(join(root, "test/types/client-calls.ts"), join(work, "test/types/client-calls.ts"));
  if (edit) {
    const file = join(work, "schema/compact.yaml");
    await writeFile(file, edit(await readFile(file, "utf8")));
  }
  await promisify(execFile)(join(root, "node_modules/.bin/tsx"), [
    join(root, "scripts/generate.ts"),
    "--schema",
    join(work, "schema/openapi.yaml"),
    "--out",
    join(work, "src/generated"),
  ]);
  const program = ts.createProgram([join(work, "test/types/client-calls.ts")], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("schema rename", () => {
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("the call sites compile against the schema as it is", async () => {
    expect(await generateAndCompile()).toEqual([]);
  });

  it("renaming CompactionInput.instructions breaks the compact call site", async () => {
    const errors = await generateAndCompile((yaml) => {
      const renamed = yaml
        .replace(
          "required: [model, input, instructions]",
          "required: [model, input, system_prompt]",
        )
        .replace(/^(\s+)instructions:/m, "$1system_prompt:");
      expect(renamed).not.toBe(yaml);
      return renamed;
    });
    expect(errors.join("\n")).toMatch(/'instructions' does not exist|system_prompt/);
  });
});
