// The codex-api command, run as a child process (tsx) against an in-process mock server.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startMockServer, type MockServer } from "../../src/testing/index.js";

const TSX = "node_modules/.bin/tsx";
const CLI = "src/cli/main.ts";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ["CODEX_BASE_URL", "CODEX_API_KEY", "OPENAI_API_KEY", "CODEX_API_DEBUG"]) {
    if (!(k in extra)) delete env[k];
  }
  return env;
}

function run(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI, ...args], { cwd: process.cwd(), env: cleanEnv() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out: codex-api ${args.join(" ")}\n${stderr}`));
    }, opts.timeoutMs ?? 10_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    else child.stdin.end();
  });
}

let server: MockServer;
let dir: string;

beforeAll(async () => {
  server = await startMockServer();
  dir = await mkdtemp(join(tmpdir(), "codex-api-cli-"));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function tempFile(name: string, content: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

describe.concurrent("codex-api", () => {
  test("responses streams the text to stdout and usage to stderr", async () => {
    const r = await run(["responses", "--base-url", server.url, "hello", "there"]);
    expect(r.stderr).not.toContain("codex-api:");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: hello there\n");
    expect(r.stderr).toMatch(
      /^tokens: input \d+ \(cached \d+\), output \d+ \(reasoning \d+\), total \d+$/m,
    );
    expect(r.stderr).toContain("rate limits: primary 12.5% of 300 min, secondary 40% of 10080 min");
  });

  test("responses --json prints one event per line, ending with completed", async () => {
    const r = await run([
      "responses",
      "--base-url",
      server.url,
      "--json",
      "--reasoning",
      "low",
      "hi",
    ]);
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; delta?: string });
    expect(events.some((e) => e.type === "reasoningSummaryDelta")).toBe(true);
    expect(events.at(-1)?.type).toBe("completed");
    const text = events
      .filter((e) => e.type === "outputTextDelta")
      .map((e) => e.delta)
      .join("");
    expect(text).toBe("Echo: hi");
    expect(r.stderr).not.toContain("tokens:");
  });

  test("responses reads the prompt from stdin; reasoning goes to stderr when not a TTY", async () => {
    const r = await run(["responses", "--base-url", server.url, "--reasoning", "high"], {
      stdin: "from stdin\n",
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: from stdin\n");
    expect(r.stdout).not.toContain("\x1b[");
    expect(r.stderr).toMatch(/tokens: .*\(reasoning [1-9]\d*\)/);
  });

  test("without a base URL the embedded mock server is used", async () => {
    const r = await run(["responses", "ping"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /no --base-url or CODEX_BASE_URL: using the embedded mock server at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(r.stdout).toBe("Echo: ping\n");
  });

  test("HTTP 500s, retries exhausted: exit 1 naming ServerError and the status, not the key", async () => {
    const failing = await startMockServer({ responses: { status: 500 } });
    try {
      const key = "sk-test-secret-key-123";
      const r = await run([
        "responses",
        "--base-url",
        failing.url,
        "--api-key",
        key,
        "--max-attempts",
        "2",
        "hi",
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^codex-api: ServerError/m);
      expect(r.stderr).toContain("500");
      expect(r.stderr).toMatch(/request id req_\d+/);
      expect(r.stderr).not.toContain(key);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(failing.requests).toHaveLength(2);
      expect(failing.requests[0]?.headers["authorization"]).toBe(`Bearer ${key}`);
    } finally {
      await failing.close();
    }
  });

  test("compact prints the returned items", async () => {
    const items = [
      { type: "message", role: "user", content: [{ type: "input_text", text: "hello" }] },
    ];
    const plain = await tempFile("compact-items.json", JSON.stringify(items));
    const wrapped = await tempFile(
      "compact-object.json",
      JSON.stringify({ model: "m-file", input: items, instructions: "be brief" }),
    );
    const [a, b] = await Promise.all([
      run(["compact", "--base-url", server.url, "--input", plain]),
      run(["compact", "--base-url", server.url, "--input", wrapped]),
    ]);
    for (const r of [a, b]) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { type: string }[];
      expect(Array.isArray(out)).toBe(true);
      expect(out.length).toBeGreaterThan(0);
      expect(out.every((i) => typeof i.type === "string")).toBe(true);
    }
    const bodies = server.requests
      .filter((q) => q.endpoint === "compact")
      .map((q) => q.body as { model: string; instructions: string });
    expect(bodies).toContainEqual(
      expect.objectContaining({ model: "m-file", instructions: "be brief" }),
    );
    expect(bodies).toContainEqual(
      expect.objectContaining({ model: "gpt-5.1-codex", instructions: "" }),
    );
  });

  test("memories prints the summaries", async () => {
    const memories = [
      { id: "mem-1", metadata: { source_path: "/tmp/a.jsonl" }, items: [{ type: "x" }] },
      { id: "mem-2", metadata: { source_path: "/tmp/b.jsonl" }, items: [] },
    ];
    const file = await tempFile("memories.json", JSON.stringify({ traces: memories }));
    const r = await run(["memories", "--base-url", server.url, "--input", file]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { traceSummary: string; memorySummary: string }[];
    expect(out).toHaveLength(2);
    expect(out[0]?.traceSummary).toContain("mem-1");
    expect(out[1]?.memorySummary).toContain("mem-2");
  });

  test("input file errors: missing --input → 2, missing file → 1, invalid JSON → 1", async () => {
    const bad = await tempFile("bad.json", "{not json");
    const missing = join(dir, "does-not-exist.json");
    const [noInput, noFile, badJson] = await Promise.all([
      run(["compact", "--base-url", server.url]),
      run(["memories", "--base-url", server.url, "--input", missing]),
      run(["compact", "--base-url", server.url, "--input", bad]),
    ]);
    expect(noInput.code).toBe(2);
    expect(noInput.stderr).toMatch(/^codex-api: .*--input/);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain(missing);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toContain(bad);
    expect(badJson.stderr).toContain("invalid JSON");
  });

  test("validate: a good fixture passes, a bad one fails with the path", async () => {
    const [good, bad, unknown] = await Promise.all([
      run(["validate", "test/fixtures/valid/ResponseItem/message-user.json"]),
      run(["validate", "test/fixtures/invalid/ResponseItem/message-text-number.json"]),
      run(["validate", "--schema", "NoSuchSchema", "x.json"]),
    ]);
    expect(good.stdout).toBe("1 passed, 0 failed\n");
    expect(good.code).toBe(0);
    expect(bad.stdout).toContain("/content/0/text must be string");
    expect(bad.stdout).toContain("0 passed, 1 failed");
    expect(bad.code).toBe(1);
    expect(unknown.code).toBe(2);
  });

  test("usage errors exit 2; --help exits 0; --version prints the version", async () => {
    const [unknownFlag, noCommand, help, version] = await Promise.all([
      run(["responses", "--bogus", "hi"]),
      run([]),
      run(["--help"]),
      run(["--version"]),
    ]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/^codex-api: .*--bogus/);
    expect(noCommand.code).toBe(2);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--max-attempts");
    const { VERSION } = await import("../../src/version.js");
    expect(version.stdout.trim()).toBe(VERSION);
  });

  test("mock serves until SIGTERM, then exits 0", async () => {
    const child = spawn(TSX, [CLI, "mock", "--port", "0"], { env: cleanEnv() });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on("close", (code) => resolve(code)),
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no listening line")), 10_000);
        child.stdout.on("data", () => {
          const m = /mock server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      const res = await fetch(`${url}/memories/trace_summarize`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "m",
          traces: [{ id: "t1", metadata: { source_path: "p" }, items: [] }],
        }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { output: unknown[] }).output).toHaveLength(1);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
