// A field renamed in schema/ and regenerated must break a typed call site: the schema really is the
// source of the types. Generates into .tmp/ from a copy of schema/ and compiles
// test/types/client-calls.ts against it, before and after renaming CompactionInput.instructions.
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateFromCopy, root, typeErrors } from "../helpers/generated.js";

const work = join(root, ".tmp", `rename-${process.pid}`);

async function generateAndCompile(edit?: (yaml: string) => string): Promise<string[]> {
  await generateFromCopy(work, async (schema) => {
    if (!edit) return;
    const file = join(schema, "compact.yaml");
    await writeFile(file, edit(await readFile(file, "utf8")));
  });
  await mkdir(join(work, "test/types"), { recursive: true });
  await cp(join(root, "test/types/client-calls.ts"), join(work, "test/types/client-calls.ts"));
  return typeErrors([join(work, "test/types/client-calls.ts")]);
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
