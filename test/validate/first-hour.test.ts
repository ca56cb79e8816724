// The validator for a new user: empty and missing files say so, a `type` typo is not silent, and a
// list of items has a schema.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validate } from "../../src/validate/index.js";
import { runCli } from "../helpers/cli.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "codex-api-validate-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const user = (type: string) => ({
  type,
  role: "user",
  content: [{ type: "input_text", text: "hi" }],
});

describe("validate, the first hour", () => {
  it("warns about a type one edit from a known one; a real unknown type passes quietly", () => {
    expect(validate("ResponseItem", user("mesage"))).toEqual({
      ok: true,
      warnings: [
        {
          path: "/type",
          message: 'unknown type "mesage" (it passes as an open variant); did you mean "message"?',
        },
      ],
    });
    expect(validate("ResponseItem", { type: "ghost_snapshot", ghost_commit: {} })).toEqual({
      ok: true,
    });
    expect(validate("ResponseItem", user("message"))).toEqual({ ok: true });
  });

  it("has a schema for a list of items", () => {
    expect(
      validate("ResponseItems", [user("message"), { type: "compaction", encrypted_content: "x" }]),
    ).toEqual({ ok: true });
    const bad = validate("ResponseItems", [user("message"), { type: "message", role: "user" }]);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors[0]!.path).toBe("/1");
    expect(validate("ResponseItems", {}).ok).toBe(false);
    expect(validate("ResponseItems", [user("mesage")])).toMatchObject({
      ok: true,
      warnings: [{ path: "/0/type" }],
    });
  });

  it("codex-api validate: an empty file and a missing file say why; a typo fails", async () => {
    const empty = join(dir, "empty.json");
    await writeFile(empty, "  \n");
    const typo = join(dir, "typo.json");
    await writeFile(typo, JSON.stringify(user("mesage")));
    const r = await runCli([
      "validate",
      "--schema",
      "ResponseItem",
      empty,
      join(dir, "gone.json"),
      typo,
    ]);
    expect(r.stdout).toContain(`${empty}:0: (value) the file is empty (expected a JSON value)`);
    expect(r.stdout).toContain(`${join(dir, "gone.json")}:0: (value) no such file`);
    expect(r.stdout).toContain(`${typo}:1: /type warning: unknown type "mesage"`);
    expect(r.stdout).toContain("0 passed, 3 failed");
    expect(r.code).toBe(1);
    const missing = await runCli(["validate", join(dir, "no-schema-and-gone.json")]);
    expect(missing.stdout).toContain("no such file");
  });
});
