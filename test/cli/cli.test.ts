// The codex-api command in process: main() with in-memory streams against an in-process mock server.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startMockServer, type MockServer } from "../../src/testing/index.js";
import { VERSION } from "../../src/version.js";
import { runCli } from "../helpers/cli.js";

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

const BOM = "\uFEFF";

describe.concurrent("codex-api", () => {
  test("responses streams the text to stdout and usage to stderr", async () => {
    const r = await runCli(["responses", "--base-url", server.url, "hello", "there"]);
    expect(r.stderr).not.toContain("codex-api:");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: hello there\n");
    expect(r.stderr).toMatch(
      /^tokens: input \d+ \(cached \d+\), output \d+ \(reasoning \d+\), total \d+$/m,
    );
    expect(r.stderr).toContain("rate limits: primary 12.5% of 300 min, secondary 40% of 10080 min");
  });

  test("responses --json prints one event per line, ending with completed", async () => {
    const r = await runCli([
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

  test("responses reads the prompt from stdin (BOM dropped); reasoning goes to stderr when not a TTY", async () => {
    const r = await runCli(["responses", "--base-url", server.url, "--reasoning", "high"], {
      stdin: `${BOM}from stdin\n`,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: from stdin\n");
    expect(r.stdout).not.toContain("\x1b[");
    expect(r.stderr).toContain("Thinking about the request.");
    expect(r.stderr).toMatch(/tokens: .*\(reasoning [1-9]\d*\)/);
  });

  test("on a TTY the reasoning is dimmed on stdout", async () => {
    let stdout = "";
    const tty = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          stdout += chunk.toString();
          done();
        },
      }),
      { isTTY: true },
    );
    const r = await runCli(["responses", "--base-url", server.url, "--reasoning", "low", "hi"], {
      stdout: tty,
    });
    expect(r.code).toBe(0);
    expect(stdout).toBe("\x1b[2mThinking about \x1b[22m\x1b[2mthe request.\x1b[22m\n\nEcho: hi\n");
  });

  test("without a base URL the embedded mock server is used", async () => {
    const r = await runCli(["responses", "ping"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /no --base-url, CODEX_BASE_URL or API key: using the embedded mock server at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(r.stdout).toBe("Echo: ping\n");
  });

  test("CODEX_BASE_URL and CODEX_API_KEY come from io.env", async () => {
    const r = await runCli(["responses", "from env"], {
      env: { CODEX_BASE_URL: server.url, CODEX_API_KEY: "sk-from-env" },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("embedded mock server");
    const sent = server.requests.find((q) => JSON.stringify(q.body).includes("from env"));
    expect(sent?.headers["authorization"]).toBe("Bearer sk-from-env");
  });

  test("HTTP 500s, retries exhausted: exit 1 naming ServerError and the status, not the key", async () => {
    const failing = await startMockServer({ responses: { status: 500 } });
    try {
      const key = "sk-test-secret-key-123";
      const r = await runCli(
        ["responses", "--base-url", failing.url, "--api-key", key, "--max-attempts", "2", "hi"],
        { env: { CODEX_API_DEBUG: "1" } },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^codex-api: ServerError/m);
      expect(r.stderr).toContain("500");
      expect(r.stderr).toMatch(/request id req_\d+/);
      expect(r.stderr).not.toContain(key);
      expect(r.stderr).toMatch(/\n\s+at /);
      expect(failing.requests).toHaveLength(2);
      expect(failing.requests[0]?.headers["authorization"]).toBe(`Bearer ${key}`);
    } finally {
      await failing.close();
    }
  });

  test("compact prints the returned items (input files may start with a BOM)", async () => {
    const items = [
      { type: "message", role: "user", content: [{ type: "input_text", text: "hello" }] },
    ];
    const plain = await tempFile("compact-items.json", BOM + JSON.stringify(items));
    const wrapped = await tempFile(
      "compact-object.json",
      JSON.stringify({ model: "m-file", input: items, instructions: "be brief" }),
    );
    const [a, b] = await Promise.all([
      runCli(["compact", "--base-url", server.url, "--input", plain]),
      runCli(["compact", "--base-url", server.url, "--input", wrapped]),
    ]);
    for (const r of [a, b]) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { type: string }[];
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
    const file = await tempFile("memories.json", BOM + JSON.stringify({ traces: memories }));
    const r = await runCli(["memories", "--base-url", server.url, "--input", file]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { traceSummary: string; memorySummary: string }[];
    expect(out).toHaveLength(2);
    expect(out[0]?.traceSummary).toContain("mem-1");
    expect(out[1]?.memorySummary).toContain("mem-2");
  });

  test("count-tokens, then retrieve, input-items, cancel and delete of a streamed response", async () => {
    // A server of its own: the canned ids count the replies a server streamed (resp_mock_1 first).
    const own = await startMockServer();
    const base = ["--base-url", `${own.url}/v1`];
    const count = await runCli(["count-tokens", ...base, "three words here"]);
    expect(count).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\n$/) });
    expect(own.requests.at(-1)?.body).toMatchObject({ input: [{ role: "user" }] });
    expect((await runCli(["responses", ...base, "hello"])).code).toBe(0);
    const got = await runCli(["retrieve", ...base, "resp_mock_1"]);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: "resp_mock_1", status: "completed" });
    const items = await runCli(["input-items", ...base, "resp_mock_1"]);
    expect(
      items.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as unknown),
    ).toMatchObject([{ type: "message", role: "user", content: [{ text: "hello" }] }]);
    expect(JSON.parse((await runCli(["cancel", ...base, "resp_mock_1"])).stdout)).toMatchObject({
      id: "resp_mock_1",
    });
    const deleted = await runCli(["delete", ...base, "resp_mock_1"]);
    expect(JSON.parse(deleted.stdout)).toEqual({
      id: "resp_mock_1",
      object: "response",
      deleted: true,
    });
    const gone = await runCli(["retrieve", ...base, "resp_mock_1"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/InvalidRequestError: .*not found.*status 404/);
    expect((await runCli(["retrieve", ...base])).code).toBe(2);
    // An ID no path can carry is bad usage too, refused before any request.
    for (const id of ["", ".."]) {
      const bad = await runCli(["input-items", ...base, id]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("well-formed string");
    }
    await own.close();
  });

  test("models lists slug and name with the ETag on stderr; --json prints {models, etag}", async () => {
    const [text, asJson] = await Promise.all([
      runCli(["models", "--base-url", `${server.url}/v1`]),
      runCli(["models", "--base-url", `${server.url}/v1`, "--json", "--client-version", "0.99.0"]),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      "gpt-5.1-codex       GPT-5.1 Codex\ngpt-5.1-codex-mini  GPT-5.1 Codex Mini\n",
    );
    expect(text.stderr).toBe('2 models, etag "mock-models-1"\n');
    expect(asJson.code).toBe(0);
    const list = JSON.parse(asJson.stdout) as { models: { slug: string }[]; etag: string };
    expect(list.etag).toBe('"mock-models-1"');
    expect(list.models.map((m) => m.slug)).toEqual(["gpt-5.1-codex", "gpt-5.1-codex-mini"]);
    const urls = server.requests.filter((q) => q.endpoint === "models").map((q) => q.url);
    expect(urls).toContain("/v1/models?client_version=0.99.0");
    expect(urls).toContain("/v1/models");
  });

  test("input file errors: missing --input → 2, missing file → 1, invalid JSON → 1", async () => {
    const bad = await tempFile("bad.json", "{not json");
    const missing = join(dir, "does-not-exist.json");
    const [noInput, noFile, badJson] = await Promise.all([
      runCli(["compact", "--base-url", server.url]),
      runCli(["memories", "--base-url", server.url, "--input", missing]),
      runCli(["compact", "--base-url", server.url, "--input", bad]),
    ]);
    expect(noInput.code).toBe(2);
    expect(noInput.stderr).toMatch(/^codex-api: .*--input/);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain(missing);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toContain(bad);
    expect(badJson.stderr).toContain("invalid JSON");
  });

  test("validate: a good fixture passes (with or without a BOM), a bad one fails with the path", async () => {
    const good = "test/fixtures/valid/ResponseItem/message-user.json";
    const { readFile } = await import("node:fs/promises");
    const withBom = await tempFile("bom.json", BOM + (await readFile(good, "utf8")));
    const [plain, bom, bad] = await Promise.all([
      runCli(["validate", good]),
      runCli(["validate", "--schema", "ResponseItem", withBom]),
      runCli(["validate", "test/fixtures/invalid/ResponseItem/message-text-number.json"]),
    ]);
    expect(plain.stdout).toBe("1 passed, 0 failed\n");
    expect(plain.code).toBe(0);
    expect(bom.stdout).toBe("1 passed, 0 failed\n");
    expect(bad.stdout).toContain("/content/0/text must be string");
    expect(bad.stdout).toContain("0 passed, 1 failed");
    expect(bad.code).toBe(1);
  });

  test.each([
    [["responses", "--bogus", "hi"], /--bogus/],
    [[], /^usage: codex-api/],
    [["nope"], /unknown command "nope"/],
    [["responses"], /no prompt/],
    [["responses", "--reasoning", "max", "hi"], /--reasoning must be/],
    [["responses", "--max-attempts", "0", "hi"], /--max-attempts must be a whole number >= 1/],
    [
      ["responses", "--base-url", "not a url", "hi"],
      /--base-url must be an absolute http\(s\) URL/,
    ],
    [["responses", "--base-url", "ftp://127.0.0.1/", "hi"], /--base-url must be/],
    [["compact", "--input", "x.json", "extra"], /unexpected argument "extra"/],
    [["models", "--model", "m"], /Unknown option '--model'/],
    [["models", "extra"], /unexpected argument "extra"/],
    [["validate"], /no files given/],
    [["validate", "--schema", "NoSuchSchema", "x.json"], /unknown schema "NoSuchSchema"/],
    [["validate", "--schema"], /--schema/],
    [["mock", "--port", "70000"], /--port must be a whole number in 0\.\.65535, got "70000"/],
    [["mock", "--port", "-1"], /--port/],
  ])("usage error exits 2: codex-api %j", async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  test("a bad CODEX_BASE_URL is a usage error naming the variable", async () => {
    const r = await runCli(["responses", "hi"], { env: { CODEX_BASE_URL: "127.0.0.1:1" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("CODEX_BASE_URL must be an absolute http(s) URL");
  });

  test("--help exits 0; --version prints the version", async () => {
    const [help, lateHelp, version] = await Promise.all([
      runCli(["--help"]),
      runCli(["compact", "--help"]),
      runCli(["--version"]),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--max-attempts");
    expect(lateHelp.stdout).toBe(help.stdout);
    expect(version.stdout).toBe(`${VERSION}\n`);
  });
});

describe("ending a command", () => {
  test("mock serves until io.signal aborts, then closes and exits 0", async () => {
    const stop = new AbortController();
    let listening: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const run = runCli(["mock", "--port", "0"], {
      signal: stop.signal,
      onStdout: (soFar) => {
        const m = /mock server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(soFar);
        if (m?.[1]) listening(m[1]);
      },
    });
    const res = await fetch(`${await url}/memories/trace_summarize`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "m",
        traces: [{ id: "t1", metadata: { source_path: "p" }, items: [] }],
      }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown[] }).output).toHaveLength(1);
    stop.abort("SIGTERM");
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("mock server closed (SIGTERM)\n");
    await expect(fetch(await url)).rejects.toThrow();
  });

  // The server sends the first text delta, then stalls: only the abort can end these runs.
  const stalled = () => startMockServer({ responses: { stallAfterEvents: 5, keepAliveMs: 50 } });

  test("a stdout that fails with EPIPE ends a stream quietly with exit 0", async () => {
    const stalling = await stalled();
    try {
      let writes = 0;
      const gone = new Writable({
        write(_chunk, _encoding, done) {
          writes++;
          done(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
        },
      });
      const r = await runCli(["responses", "--base-url", stalling.url, "hi"], { stdout: gone });
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(writes).toBe(1);
    } finally {
      await stalling.close();
    }
  });

  test("any other stdout error is reported with exit 1", async () => {
    const full = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error("no space left on device"), { code: "ENOSPC" }));
      },
    });
    const r = await runCli(["--version"], { stdout: full });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("codex-api: stdout: no space left on device\n");
  });

  test("io.signal aborted with a signal name ends a stream quietly with 128 + its number", async () => {
    const stalling = await stalled();
    try {
      const stop = new AbortController();
      const r = await runCli(["responses", "--base-url", stalling.url, "hi"], {
        signal: stop.signal,
        onStdout: () => stop.abort("SIGINT"),
      });
      expect(r).toMatchObject({ code: 130, stderr: "" });
      expect(r.stdout).toBe("Echo: ");
    } finally {
      await stalling.close();
    }
  });
});
