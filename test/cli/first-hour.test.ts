// What a new user meets first in the CLI: which server it talks to, retries on stderr, suggestions
// for a mistyped command or flag, and input files checked before anything is sent.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startMockServer, type MockServer } from "../../src/testing/index.js";
import { runCli } from "../helpers/cli.js";

let dir: string;
let server: MockServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "codex-api-cli-first-"));
  server = await startMockServer();
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function tempFile(name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(content));
  return file;
}

describe("codex-api, the first hour", () => {
  test("with an API key and no base URL it uses the real service, and says so", async () => {
    const signal = AbortSignal.abort("SIGINT"); // nothing is sent: the call ends at once
    const r = await runCli(["models"], { env: { OPENAI_API_KEY: "sk-test-key" }, signal });
    expect(r.stderr).toContain("using https://api.openai.com/v1");
    expect(r.stderr).not.toContain("mock");
    expect(r.stderr).not.toContain("sk-test-key");
    expect(r.code).toBe(130);
  });

  test("OPENAI_BASE_URL is a base URL too", async () => {
    const r = await runCli(["models"], { env: { OPENAI_BASE_URL: `${server.url}/v1` } });
    expect(r.stderr).not.toContain("using");
    expect(r.stdout).toContain("gpt-5.1-codex");
  });

  test("reports each retry and its wait on stderr", async () => {
    const flaky = await startMockServer({ models: [{ status: 503 }, {}] });
    try {
      const r = await runCli(["models", "--base-url", flaky.url, "--max-attempts", "3"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^retrying in 0\.2 s: HTTP 503 \(attempt 2 of 3\)$/m);
    } finally {
      await flaky.close();
    }
  });

  test("suggests the closest command and flag", async () => {
    const command = await runCli(["modles"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "modles"; did you mean "models"?');
    const flag = await runCli(["responses", "--modle", "x", "hi"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("did you mean --model?");
    const far = await runCli(["responses", "--zzzzzz", "hi"]);
    expect(far.stderr).not.toContain("did you mean");
  });

  test("checks compact and memories input files against the schema before sending", async () => {
    const items = await tempFile("items.json", {
      input: [{ type: "mesage", role: "user", content: [] }, { type: "message" }],
    });
    const compact = await runCli(["compact", "--base-url", server.url, "--input", items]);
    expect(compact.code).toBe(1);
    expect(compact.stderr).toContain(`${items}: not a list of ResponseItem values: /input/0/type`);
    expect(compact.stderr).toContain('did you mean "message"?');
    const memories = await tempFile("memories.json", [{ id: "t1" }]);
    const summarize = await runCli(["memories", "--base-url", server.url, "--input", memories]);
    expect(summarize.code).toBe(1);
    expect(summarize.stderr).toContain("/0 must have required property 'metadata'");
    expect(summarize.stdout).not.toContain("Trace");
    expect(server.requests.some((r) => r.endpoint === "compact" || r.endpoint === "memories")).toBe(
      false,
    );
  });
});
