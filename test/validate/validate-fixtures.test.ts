// `codex-api validate` (what `npm run validate:fixtures` runs): output lines, summary and exit codes.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { CORPUS_DIR } from "../helpers/corpus.js";

const root = new URL("../../", import.meta.url).pathname;
const validate = (...files: string[]) => runCli(["validate", ...files]);

describe("validate-fixtures", () => {
  it("passes the whole corpus (one event per line)", async () => {
    const files = readdirSync(CORPUS_DIR)
      .filter((f) => f.endsWith(".chunks.txt"))
      .map((f) => CORPUS_DIR + f);
    const { code, stdout } = await validate(...files);
    expect(stdout.trim()).toBe("1887 passed, 0 failed");
    expect(code).toBe(0);
  });

  it("names file, line, path and message of a broken event, and exits 1", async () => {
    const { code, stdout } = await validate(
      "test/fixtures/invalid/ResponseStreamEvent/delta-not-string.jsonl",
    );
    expect(stdout).toContain(
      "test/fixtures/invalid/ResponseStreamEvent/delta-not-string.jsonl:2: /delta must be string",
    );
    expect(stdout).toContain("2 passed, 1 failed");
    expect(code).toBe(1);
  });

  it("takes the schema from --schema over the folder name", async () => {
    const file = "test/fixtures/invalid/ResponseItem/message-text-number.json";
    const byFolder = await validate(file);
    expect(byFolder.stdout).toContain(`${file}:1: /content/0/text must be string`);
    const asOther = await validate("--schema", "OtherResponseItem", file);
    expect(asOther.stdout.trim()).toBe("1 passed, 0 failed");
    expect(asOther.code).toBe(0);
  });

  it("exits 2 for an unknown schema and for no files", async () => {
    const bad = await validate("--schema", "Nope", "x.json");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown schema "Nope"');
    expect((await validate()).code).toBe(2);
  });

  it("reports a missing file and a file that is not JSON as failures", async () => {
    const { code, stdout } = await validate(
      "--schema",
      "ResponseItem",
      "does-not-exist.json",
      ".gitignore",
    );
    expect(stdout).toMatch(/does-not-exist\.json:0: \(value\) no such file\n/);
    expect(stdout).toMatch(/\.gitignore:1: \(value\) not JSON/);
    expect(code).toBe(1);
  });

  it("is what `npm run validate:fixtures` runs, exit code included", async () => {
    const file = "test/fixtures/invalid/ResponseItem/message-text-number.json";
    const failed = await promisify(execFile)(
      "npm",
      ["run", "-s", "validate:fixtures", "--", file],
      {
        cwd: root,
      },
    ).catch((error: { code: number; stdout: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect(failed.stdout).toBe(`${file}:1: /content/0/text must be string\n0 passed, 1 failed\n`);
  });
});
