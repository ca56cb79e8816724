import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  cannedEvents,
  loadRecordedStream,
  startMockServer,
  type MockScript,
  type MockServer,
  type MockServerOptions,
} from "../../src/testing/index.js";
import { createClient } from "../../src/index.js";
import { validate } from "../../src/validate/index.js";
import { sleep } from "../helpers/calls.js";

const RECORDED = new URL(
  "../corpus/responses-streams/issue-20047-openai-responses.chunks.txt",
  import.meta.url,
);

let servers: MockServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(script?: MockScript, options?: MockServerOptions): Promise<MockServer> {
  const s = await startMockServer(script, options);
  servers.push(s);
  return s;
}

function userRequest(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "gpt-test",
    input: [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "be brief" }] },
      { type: "message", role: "user", content: [{ type: "input_text", text }] },
    ],
    ...extra,
  };
}

function post(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

interface SseMessage {
  event: string | undefined;
  data: string;
}

/** Parses raw SSE text into messages (event line + data lines); comment lines are skipped. */
function parseSse(text: string): SseMessage[] {
  const out: SseMessage[] = [];
  for (const block of text.split("\n\n")) {
    if (block.trim() === "") continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (event !== undefined || data.length > 0) out.push({ event, data: data.join("\n") });
  }
  return out;
}

async function streamEvents(res: Response): Promise<Record<string, unknown>[]> {
  const messages = parseSse(await res.text());
  return messages.map((m) => {
    const payload = JSON.parse(m.data) as Record<string, unknown>;
    expect(m.event).toBe(payload.type);
    return payload;
  });
}

function expectValid(name: Parameters<typeof validate>[0], value: unknown): void {
  const result = validate(name, value);
  expect(result.ok ? [] : result.errors).toEqual([]);
}

function deltaText(events: Record<string, unknown>[], type: string): string {
  return events
    .filter((e) => e.type === type)
    .map((e) => e.delta as string)
    .join("");
}

describe("canned replies", () => {
  it("streams a schema-valid echo reply with SSE framing and default headers", async () => {
    const s = await start();
    const res = await post(`${s.url}/responses`, userRequest("hello mock world"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-request-id")).toBe("req_1");
    expect(res.headers.get("x-codex-primary-used-percent")).toBe("12.5");
    expect(res.headers.get("x-codex-secondary-window-minutes")).toBe("10080");
    expect(res.headers.get("x-codex-credits-balance")).toBe("9.99");
    expect(Number(res.headers.get("x-codex-primary-reset-at"))).toBeGreaterThan(Date.now() / 1000);
    const text = await res.text();
    expect(text).toMatch(/^event: response\.created\ndata: \{/);
    const events = parseSse(text).map((m) => {
      const payload = JSON.parse(m.data) as Record<string, unknown>;
      expect(m.event).toBe(payload.type);
      return payload;
    });
    for (const e of events) expectValid("ResponseStreamEvent", e);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0]?.type).toBe("response.created");
    expect(events.at(-1)?.type).toBe("response.completed");
    expect(deltaText(events, "response.output_text.delta")).toBe("Echo: hello mock world");
    expect(events.filter((e) => e.type === "response.output_text.delta").length).toBeGreaterThan(1);
    const done = events.find((e) => e.type === "response.output_text.done");
    expect(done?.text).toBe("Echo: hello mock world");
    const completed = events.at(-1)!.response as {
      output: unknown[];
      usage: Record<string, number>;
    };
    expect(completed.output).toHaveLength(1);
    expect(completed.usage.total_tokens).toBe(
      completed.usage.input_tokens! + completed.usage.output_tokens!,
    );
  });

  it("says hello when there is no user message, and rate-limit headers can be turned off", async () => {
    const s = await start({ rateLimitHeaders: false });
    const res = await post(`${s.url}/responses`, { model: "m", input: [] });
    expect(res.headers.get("x-codex-primary-used-percent")).toBeNull();
    const events = await streamEvents(res);
    expect(deltaText(events, "response.output_text.delta")).toBe(
      "Hello from the codex-api mock server.",
    );
  });

  it("adds reasoning and function-call items when asked", async () => {
    const req = userRequest("use tools", {
      reasoning: { effort: "low", summary: "auto" },
      tools: [{ type: "function", name: "shell", parameters: { type: "object", properties: {} } }],
    });
    const s = await start();
    const events = await streamEvents(await post(`${s.url}/v1/responses`, req));
    expect(events).toEqual(cannedEvents(req));
    for (const e of events) expectValid("ResponseStreamEvent", e);
    expect(deltaText(events, "response.reasoning_summary_text.delta")).not.toBe("");
    expect(events.filter((e) => e.type === "response.reasoning_summary_text.delta")).toHaveLength(
      2,
    );
    const items = events
      .filter((e) => e.type === "response.output_item.done")
      .map((e) => e.item as Record<string, unknown>);
    expect(items.map((i) => i.type)).toEqual(["reasoning", "function_call"]);
    expect(items[1]).toMatchObject({ name: "shell", arguments: "{}", call_id: "call_mock_1" });
    const completed = events.at(-1)!.response as {
      output: unknown[];
      usage: { output_tokens_details: { reasoning_tokens: number } };
    };
    expect(completed.output).toEqual(items);
    expect(completed.usage.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
  });

  it("compacts and summarizes memories under its base path and /, with schema-valid JSON", async () => {
    const s = await start({}, { basePath: "/backend-api/codex" });
    const req = userRequest("keep me");
    const compact = await post(`${s.url}/backend-api/codex/responses/compact`, req);
    expect(compact.status).toBe(200);
    expect(compact.headers.get("content-type")).toBe("application/json");
    expect(compact.headers.get("x-request-id")).toBe("req_1");
    const compactBody = (await compact.json()) as { output: unknown[] };
    expectValid("CompactResponse", compactBody);
    expect(compactBody.output).toEqual([
      (req.input as unknown[])[1],
      { type: "compaction", encrypted_content: "mock-compacted-2" },
    ]);

    const memories = await post(`${s.url}/memories/trace_summarize`, {
      model: "m",
      traces: [
        { id: "a", metadata: { source_path: "/tmp/a.jsonl" }, items: [{}, {}] },
        { id: "b", metadata: { source_path: "/tmp/b.jsonl" }, items: [] },
      ],
    });
    const memBody = await memories.json();
    expectValid("MemorySummarizeResponse", memBody);
    expect(memBody).toEqual({
      output: [
        { trace_summary: "Trace a: 2 items from /tmp/a.jsonl", memory_summary: "Remember a." },
        { trace_summary: "Trace b: 0 items from /tmp/b.jsonl", memory_summary: "Remember b." },
      ],
    });
    expect(s.requests.map((r) => [r.endpoint, r.path])).toEqual([
      ["compact", "/backend-api/codex/responses/compact"],
      ["memories", "/memories/trace_summarize"],
    ]);
  });

  it("lists schema-valid models with an ETag on GET /models; the script sets its own", async () => {
    const s = await start({
      models: [{}, { headers: { etag: '"v2"' }, body: { models: [] } }, { status: 503 }],
    });
    const res = await fetch(`${s.url}/v1/models?client_version=0.99.0`);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"mock-models-1"');
    const body = (await res.json()) as { models: { slug: string }[] };
    expectValid("ModelsResponse", body);
    expect(body.models.map((m) => m.slug)).toEqual(["gpt-5.1-codex", "gpt-5.1-codex-mini"]);
    const scripted = await fetch(`${s.url}/v1/models`);
    expect(scripted.headers.get("etag")).toBe('"v2"');
    expect(await scripted.json()).toEqual({ models: [] });
    const failed = await fetch(`${s.url}/v1/models`);
    expect(failed.status).toBe(503);
    expect(failed.headers.get("etag")).toBeNull();
    const post = await fetch(`${s.url}/v1/models`, { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
    expect(s.requests.map((r) => [r.endpoint, r.method, r.url])).toEqual([
      ["models", "GET", "/v1/models?client_version=0.99.0"],
      ["models", "GET", "/v1/models"],
      ["models", "GET", "/v1/models"],
      ["models", "POST", "/v1/models"],
    ]);
  });

  it("returns 404 JSON for an unknown path", async () => {
    const s = await start();
    const res = await post(`${s.url}/v1/chat/completions?x=1`, {});
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toBe("req_1");
    expect(await res.json()).toEqual({
      error: {
        message:
          "no such route: /v1/chat/completions; routes: POST /responses, POST /responses/compact, " +
          "POST /memories/trace_summarize, GET /models, POST /responses/input_tokens, " +
          "GET /responses/{id}, DELETE /responses/{id}, POST /responses/{id}/cancel, " +
          "GET /responses/{id}/input_items (under / and /v1)",
        type: "invalid_request_error",
        code: "not_found",
      },
    });
    expect(s.requests[0]).toMatchObject({
      endpoint: undefined,
      path: "/v1/chat/completions",
      url: "/v1/chat/completions?x=1",
    });
  });
});

describe("recorded playback", () => {
  it("loads a .chunks.txt file and replays it event for event", async () => {
    const recorded = loadRecordedStream(RECORDED.pathname);
    const lines = readFileSync(RECORDED, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    expect(recorded).toEqual(lines.map((l) => JSON.parse(l)));
    const s = await start({ responses: { events: recorded } });
    const events = await streamEvents(await post(`${s.url}/responses`, userRequest("ignored")));
    expect(events).toEqual(recorded);
  });

  it("accepts a file without a final newline", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "mock-"));
    const file = join(dir, "x.chunks.txt");
    writeFileSync(file, '{"type":"a"}\n\n{"type":"b"}');
    try {
      expect(loadRecordedStream(file)).toEqual([{ type: "a" }, { type: "b" }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("scripted failures", () => {
  it("consumes a status sequence in order and repeats the last reply", async () => {
    const s = await start({
      responses: [
        { status: 503, headers: { "retry-after": "2", "retry-after-ms": "1500" } },
        { status: 503, headers: { "x-request-id": "req_custom" } },
        {},
      ],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await post(`${s.url}/responses`, userRequest(`try ${i}`));
      statuses.push(res.status);
      if (i === 0) {
        expect(res.headers.get("retry-after")).toBe("2");
        expect(res.headers.get("retry-after-ms")).toBe("1500");
        expect(res.headers.get("x-codex-primary-used-percent")).toBeNull();
        expect(await res.json()).toEqual({
          error: { message: "mock 503", type: "server_error", code: null },
        });
      } else if (i === 1) {
        expect(res.headers.get("x-request-id")).toBe("req_custom");
        await res.text();
      } else {
        expect(deltaText(await streamEvents(res), "response.output_text.delta")).toBe(
          `Echo: try ${i}`,
        );
      }
    }
    expect(statuses).toEqual([503, 503, 200, 200]);
  });

  it("sends a custom error body and HTML pages", async () => {
    const s = await start({
      responses: [
        {
          status: 429,
          body: {
            error: { message: "slow down", type: "rate_limit_error", code: "rate_limit_exceeded" },
          },
        },
        { status: 502, html: true },
      ],
      compact: { html: true },
    });
    const limited = await post(`${s.url}/responses`, {});
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: { code: "rate_limit_exceeded" } });
    const gateway = await post(`${s.url}/responses`, {});
    expect(gateway.status).toBe(502);
    expect(gateway.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await gateway.text()).toBe("<html><body><h1>502 Bad Gateway</h1></body></html>");
    const wrongType = await post(`${s.url}/responses/compact`, userRequest("x"));
    expect(wrongType.status).toBe(200);
    expect(wrongType.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await wrongType.text()).toContain("<html>");
  });

  it("stalls after N events while sending keep-alive comments", async () => {
    const s = await start({ responses: { stallAfterEvents: 2, keepAliveMs: 20 } });
    const controller = new AbortController();
    const res = await post(`${s.url}/responses`, userRequest("stall"), {
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while ((text.match(/: keep-alive\n\n/g) ?? []).length < 2) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      text += decoder.decode(value, { stream: true });
    }
    const messages = parseSse(text);
    expect(messages.map((m) => m.event)).toEqual(["response.created", "response.in_progress"]);
    expect(text).not.toContain("response.completed");
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
  });

  it("writes a long reply as the client reads it, and stops while the client does not read", async () => {
    const total = 40_000; // 1 kB each: far more than the socket buffers hold
    let serialized = 0;
    const delta = "x".repeat(1000);
    const event = { type: "response.output_text.delta", delta };
    const events = Array.from({ length: total }, () => ({
      ...event,
      toJSON: () => (serialized++, event),
    }));
    const s = await start({ responses: { events } });
    const before = serialized; // what checking the script serialized
    const controller = new AbortController();
    const res = await post(`${s.url}/responses`, {}, { signal: controller.signal });
    expect((await res.body!.getReader().read()).done).toBe(false);
    await sleep(100); // the reader reads no more: the server stops when the buffers are full
    expect(serialized - before).toBeGreaterThan(0);
    expect(serialized - before).toBeLessThan(total / 2);
    controller.abort();
  });

  it("closes the connection of a stream the client aborts mid-body", async () => {
    const delta = { type: "response.output_text.delta", delta: "x".repeat(1000) };
    const s = await start({ responses: { events: Array.from({ length: 40_000 }, () => delta) } });
    const client = createClient({ provider: { baseUrl: s.url }, auth: "tok" });
    const controller = new AbortController();
    const request = { model: "gpt-test", input: "hi" };
    const stream = await client.responses.stream(request, { signal: controller.signal });
    for await (const _event of stream) break; // the body is mid-way: the buffers are full
    controller.abort();
    // Node's fetch (undici 6) then opens one new connection and sends nothing on it (its pool
    // reconnects for the aborted request; it closes itself after about 3 s); the aborted one must
    // not stay open beside it.
    await sleep(300);
    expect(s.openConnections()).toBeLessThanOrEqual(1);
    expect(s.requests).toHaveLength(1);
  });

  it("drips events slowly", async () => {
    const s = await start({
      responses: { dripMs: 5, events: [{ type: "a" }, { type: "b" }, { type: "c" }] },
    });
    const started = Date.now();
    const events = await streamEvents(await post(`${s.url}/responses`, {}));
    expect(events).toEqual([{ type: "a" }, { type: "b" }, { type: "c" }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(12);
  });

  it("resets the connection after some bytes", async () => {
    const s = await start({
      responses: { resetAfterBytes: 100 },
      memories: { resetAfterBytes: 5 },
    });
    const res = await post(`${s.url}/responses`, userRequest("reset"));
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    const mem = await post(`${s.url}/memories/trace_summarize`, { model: "m", traces: [] });
    await expect(mem.text()).rejects.toThrow();
  });

  it("replaces one event with malformed JSON, keeping its event line", async () => {
    const s = await start({ responses: { malformedAt: 1 } });
    const text = await (await post(`${s.url}/responses`, userRequest("bad"))).text();
    const messages = parseSse(text);
    expect(messages[1]).toEqual({ event: "response.in_progress", data: "{not json" });
    expect(() => JSON.parse(messages[1]!.data)).toThrow();
    expect(JSON.parse(messages[2]!.data)).toMatchObject({ type: "response.output_item.added" });
  });

  it("omits the terminal event and ends cleanly", async () => {
    const s = await start({ responses: { omitTerminal: true } });
    const events = await streamEvents(await post(`${s.url}/responses`, userRequest("no end")));
    expect(events.length).toBeGreaterThan(3);
    expect(events.some((e) => e.type === "response.completed" || e.type === "response.done")).toBe(
      false,
    );
    expect(events.at(-1)?.type).toBe("response.output_item.done");
  });

  it("never sends headers with stallBeforeHeaders", async () => {
    const s = await start({ responses: { stallBeforeHeaders: true } });
    await expect(
      post(`${s.url}/responses`, {}, { signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
    expect(s.requests).toHaveLength(1);
  });
});

describe("request recording", () => {
  it("records headers and parsed bodies, including gzip-compressed ones", async () => {
    const s = await start();
    const req = userRequest("zipped");
    const res = await fetch(`${s.url}/responses`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-encoding": "gzip",
        authorization: "Bearer t",
        session_id: "s1",
      },
      body: gzipSync(JSON.stringify(req)),
    });
    expect(deltaText(await streamEvents(res), "response.output_text.delta")).toBe("Echo: zipped");
    await (await post(`${s.url}/responses/compact`, "not json {")).text();
    expect(s.requests).toHaveLength(2);
    const [first, second] = s.requests;
    expect(first).toMatchObject({
      endpoint: "responses",
      method: "POST",
      path: "/responses",
      body: req,
    });
    expect(first!.rawBody).toBe(JSON.stringify(req));
    expect(first!.headers).toMatchObject({
      authorization: "Bearer t",
      session_id: "s1",
      "content-encoding": "gzip",
    });
    expect(second).toMatchObject({
      endpoint: "compact",
      body: "not json {",
      rawBody: "not json {",
    });
  });
});

describe("close", () => {
  it("destroys open sockets, and the port refuses connections afterwards", async () => {
    const s = await startMockServer({ responses: { stallAfterEvents: 1, keepAliveMs: 10 } });
    const res = await post(`${s.url}/responses`, userRequest("open"));
    const reader = res.body!.getReader();
    await reader.read();
    expect(s.openConnections()).toBeGreaterThan(0);
    await s.close();
    expect(s.openConnections()).toBe(0);
    await expect(reader.read()).rejects.toThrow();
    const port = Number(new URL(s.url).port);
    await expect(
      new Promise<void>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () => {
          socket.destroy();
          resolve();
        });
        socket.on("error", reject);
      }),
    ).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await s.close(); // idempotent
  });
});
