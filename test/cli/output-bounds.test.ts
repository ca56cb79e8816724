// What the command prints is bounded and clean: a key echoed in reply data never reaches stdout,
// one long slug does not pad every line of `models`, and it runs where AbortSignal.any is missing
// (Node 20.0, the lowest version `engines` allows).
import { describe, expect, it } from "vitest";
import { json, serveEach } from "../helpers/server.js";
import { runCli } from "../helpers/cli.js";
import { sseFrame } from "../helpers/server.js";

const serve = serveEach();
const KEY = "sk-cli-SECRET-echo-8c1";

const model = (slug: string, name: string) => ({
  slug,
  display_name: name,
  visibility: "list",
  supported_in_api: true,
  priority: 1,
});

describe("codex-api output", () => {
  it("never prints the API key a server echoes in reply data (text and --json)", async () => {
    const body = { models: [model("gpt-x", `for ${KEY}`)] };
    const server = await serve(json(200, body));
    const args = ["models", "--base-url", server.url, "--api-key", KEY];
    for (const run of [await runCli(args), await runCli([...args, "--json"])]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("gpt-x");
      expect(run.stdout + run.stderr).not.toContain(KEY);
    }
  });

  it("never prints an echoed key in streamed text", async () => {
    const events = [
      { type: "response.output_text.delta", delta: `key ${KEY}` },
      { type: "response.completed", response: { id: "r", status: "completed", output: [] } },
    ];
    const server = await serve({ chunks: events.map((e) => sseFrame(e)) });
    const run = await runCli(["responses", "--base-url", server.url, "--api-key", KEY, "hi"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("key [redacted]");
  });

  it("models: one long slug does not pad the other lines", async () => {
    const long = "m".repeat(10_000);
    const models = [
      model(long, "Long"),
      ...Array.from({ length: 50 }, (_, i) => model(`s${i}`, `S${i}`)),
    ];
    const server = await serve(json(200, { models }));
    const run = await runCli(["models", "--base-url", server.url]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(51);
    expect(lines[1]).toBe(`s0${" ".repeat(38)}  S0`);
    expect(run.stdout.length).toBeLessThan(long.length + 51 * 50);
  });

  it("runs without AbortSignal.any (Node 20.0)", async () => {
    const server = await serve(json(200, { models: [model("gpt-x", "X")] }));
    const saved = AbortSignal.any;
    delete (AbortSignal as { any?: unknown }).any;
    try {
      const run = await runCli(["models", "--base-url", server.url], {
        signal: new AbortController().signal,
      });
      expect(run.stderr).not.toContain("codex-api:");
      expect(run.code).toBe(0);
    } finally {
      AbortSignal.any = saved;
    }
  });
});
