// Compact and Memories against a real HTTP server on 127.0.0.1: wire body, path under a prefixed
// base URL, query params, headers, reply decoding and error mapping.
import { describe, expect, it } from "vitest";
import {
  AuthError,
  CodexApiError,
  ContextWindowExceededError,
  InvalidRequestError,
  InvalidResponseError,
  RateLimitError,
  ServerError,
  VERSION,
  type MemorySummarizeInput,
  type ResponseItem,
} from "../../src/index.js";
import { clientFor, rejection } from "../helpers/calls.js";
import { json, serveEach, type Reply } from "../helpers/server.js";

const USER: ResponseItem = {
  type: "message",
  role: "user",
  content: [{ type: "input_text", text: "summarize this" }],
} as ResponseItem;
const COMPACTED: ResponseItem = {
  type: "compaction",
  encrypted_content: "opaque",
} as unknown as ResponseItem;
const ASSISTANT: ResponseItem = {
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", text: "done" }],
} as ResponseItem;
const COMPACT_INPUT = { model: "gpt-test", input: [USER], instructions: "compact it" };
const MEMORIES_INPUT: MemorySummarizeInput = {
  model: "gpt-test",
  rawMemories: [
    { id: "m1", metadata: { source_path: "/tmp/a.jsonl" }, items: [USER] },
    { id: "m2", metadata: { source_path: "/tmp/b.jsonl" }, items: [ASSISTANT] },
  ],
};

const serve = serveEach();

const once = { retry: { maxAttempts: 1 } };

describe("compact", () => {
  it("posts exactly {model, input, instructions} under the base URL's path prefix", async () => {
    const server = await serve(json(200, { output: [COMPACTED, ASSISTANT] }));
    const items = await clientFor(server).compact.compactInput(COMPACT_INPUT);
    expect(items).toEqual([COMPACTED, ASSISTANT]);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("/backend-api/codex/responses/compact");
    expect(request!.json()).toStrictEqual(COMPACT_INPUT);
    expect(Object.keys(request!.json() as object)).toEqual(["model", "input", "instructions"]);
    expect(request!.headers["content-type"]).toMatch(/^application\/json/);
  });

  it("appends the provider's query params, encoded", async () => {
    const server = await serve(json(200, { output: [] }));
    await clientFor(server, {
      queryParams: { "api-version": "2025-04-01 preview", "odd&key": "a=b/c?" },
    }).compact.compactInput(COMPACT_INPUT);
    const url = server.requests[0]!.url;
    expect(url.startsWith("/backend-api/codex/responses/compact?")).toBe(true);
    expect(url).not.toContain(" ");
    const params = new URL(url, server.url).searchParams;
    expect(params.get("api-version")).toBe("2025-04-01 preview");
    expect(params.get("odd&key")).toBe("a=b/c?");
    expect([...params.keys()]).toEqual(["api-version", "odd&key"]);
  });

  it("sends User-Agent, provider headers, extra headers (later wins) and auth last", async () => {
    const server = await serve(json(200, { output: [] }));
    await clientFor(server, {
      headers: { "X-Provider": "p", "X-Shared": "provider", Authorization: "Bearer provider" },
    }).compact.compactInput(COMPACT_INPUT, {
      headers: {
        "x-shared": "extra",
        "X-Extra": "e",
        authorization: "Bearer extra",
        "ChatGPT-Account-ID": "acct-extra",
      },
    });
    const headers = server.requests[0]!.headers;
    expect(headers["user-agent"]).toBe(`codex-api-ts/${VERSION}`);
    expect(headers["x-provider"]).toBe("p");
    expect(headers["x-shared"]).toBe("extra");
    expect(headers["x-extra"]).toBe("e");
    expect(headers["authorization"]).toBe("Bearer tok-1");
    expect(headers["chatgpt-account-id"]).toBe("acct-1");
    expect(headers["openai-beta"]).toBeUndefined();
    expect(headers["accept"]).not.toBe("text/event-stream");
  });

  it("a 200 reply that is not JSON is an InvalidResponseError with status, requestId and the start of the body", async () => {
    const body = `<html>${"x".repeat(400)}</html>`;
    const server = await serve({
      status: 200,
      headers: { "content-type": "text/html", "x-request-id": "req-html" },
      body,
    });
    const error = await rejection(clientFor(server).compact.compactInput(COMPACT_INPUT));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.status).toBe(200);
    expect(error.requestId).toBe("req-html");
    expect(error.message).toContain(body.slice(0, 200));
    expect(error.message).not.toContain(body.slice(0, 201));
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("a 200 reply of the wrong shape is an InvalidResponseError", async () => {
    for (const reply of [{}, { output: "nope" }, { output: [{ no: "type" }] }, [], null]) {
      const server = await serve(json(200, reply, { "x-request-id": "req-shape" }));
      const error = await rejection(clientFor(server).compact.compactInput(COMPACT_INPUT));
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.status).toBe(200);
      expect(error.requestId).toBe("req-shape");
    }
  });

  it("an empty 200 body is an InvalidResponseError", async () => {
    const server = await serve({ status: 200, headers: { "x-request-id": "req-empty" }, body: "" });
    const error = await rejection(clientFor(server).compact.compactInput(COMPACT_INPUT));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.status).toBe(200);
    expect(error.requestId).toBe("req-empty");
    expect(error.message).toContain("empty");
  });

  it("maps HTTP errors", async () => {
    const cases: [Reply, new (...a: never[]) => CodexApiError][] = [
      [json(401, { error: { message: "expired" } }), AuthError],
      [
        json(404, { error: { message: "no such model", code: "model_not_found" } }),
        InvalidRequestError,
      ],
      [
        json(400, { error: { message: "long", code: "context_length_exceeded" } }),
        ContextWindowExceededError,
      ],
      [json(429, { error: { message: "slow" } }), RateLimitError],
      [json(500, { error: { message: "oops" } }), ServerError],
    ];
    for (const [reply, cls] of cases) {
      const server = await serve(reply);
      const error = await rejection(clientFor(server, once).compact.compactInput(COMPACT_INPUT));
      expect(error).toBeInstanceOf(cls);
    }
    const server = await serve(json(422, { error: { message: "bad", code: "c", param: "input" } }));
    const error = await rejection(clientFor(server, once).compact.compactInput(COMPACT_INPUT));
    expect(error).toMatchObject({ status: 422, code: "c", param: "input" });
  });

  it("retries a 5xx and returns the items", async () => {
    const server = await serve(json(502, "bad gateway"), json(200, { output: [COMPACTED] }));
    await expect(clientFor(server).compact.compactInput(COMPACT_INPUT)).resolves.toEqual([
      COMPACTED,
    ]);
    expect(server.requests).toHaveLength(2);
  });

  it("a header value with CR or LF rejects with InvalidRequestError and sends nothing", async () => {
    const server = await serve(json(200, { output: [] }));
    const client = clientFor(server);
    for (const value of ["a\r\nX-Injected: 1", "a\nb", "a\rb"]) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = client.compact.compactInput(COMPACT_INPUT, { headers: { "X-Evil": value } });
      }).not.toThrow();
      const error = await rejection(promise!);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.message).not.toContain("X-Injected");
    }
    // Provider headers and a token string are options: createClient itself rejects them.
    expect(() => clientFor(server, { headers: { "X-Bad": "x\ny" } })).toThrow(InvalidRequestError);
    expect(() => clientFor(server, {}, { auth: "tok\r\nX-Injected: 1" })).toThrow(
      InvalidRequestError,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("never throws synchronously", async () => {
    const server = await serve(json(200, { output: [] }));
    const client = clientFor(server);
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = client.compact.compactInput(null as unknown as typeof COMPACT_INPUT);
    }).not.toThrow();
    await expect(promise).rejects.toBeDefined();
    expect(() => {
      promise = client.compact.compactInput(COMPACT_INPUT, {
        signal: AbortSignal.abort(),
      });
    }).not.toThrow();
    await expect(promise).rejects.toBeInstanceOf(CodexApiError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("memories", () => {
  const reply = {
    output: [
      { trace_summary: "t1", memory_summary: "s1" },
      { raw_memory: "t2", memory_summary: "s2" },
    ],
  };

  it("posts {model, traces} under the prefix and maps trace_summary and raw_memory", async () => {
    const server = await serve(json(200, reply));
    const out = await clientFor(server).memories.summarizeInput(MEMORIES_INPUT, {
      headers: { "X-Extra": "e" },
    });
    expect(out).toEqual([
      { traceSummary: "t1", memorySummary: "s1" },
      { traceSummary: "t2", memorySummary: "s2" },
    ]);
    const [request] = server.requests;
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("/backend-api/codex/memories/trace_summarize");
    const body = request!.json() as Record<string, unknown>;
    expect(body).toStrictEqual({ model: "gpt-test", traces: MEMORIES_INPUT.rawMemories });
    expect(request!.text()).not.toContain("null");
    expect(request!.text()).not.toContain("rawMemories");
    expect(request!.headers["x-extra"]).toBe("e");
    expect(request!.headers["user-agent"]).toBe(`codex-api-ts/${VERSION}`);
    expect(request!.headers["authorization"]).toBe("Bearer tok-1");
  });

  it("sends reasoning when given", async () => {
    const server = await serve(json(200, { output: [] }));
    await clientFor(server).memories.summarizeInput({
      ...MEMORIES_INPUT,
      reasoning: { effort: "low" },
    });
    expect(server.requests[0]!.json()).toStrictEqual({
      model: "gpt-test",
      traces: MEMORIES_INPUT.rawMemories,
      reasoning: { effort: "low" },
    });
  });

  it("appends query params", async () => {
    const server = await serve(json(200, { output: [] }));
    await clientFor(server, { queryParams: { a: "1 2" } }).memories.summarizeInput(MEMORIES_INPUT);
    expect(server.requests[0]!.url).toBe("/backend-api/codex/memories/trace_summarize?a=1+2");
  });

  it("a reply of the wrong shape is an InvalidResponseError", async () => {
    const bad = [
      {},
      { output: "x" },
      { output: [{ trace_summary: "t" }] },
      { output: [{ trace_summary: 1, memory_summary: "s" }] },
      { output: [null] },
    ];
    for (const body of bad) {
      const server = await serve(json(200, body, { "x-request-id": "req-mem" }));
      const error = await rejection(clientFor(server).memories.summarizeInput(MEMORIES_INPUT));
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.requestId).toBe("req-mem");
      expect(error.status).toBe(200);
    }
    const server = await serve({ status: 200, body: "{not json" });
    const error = await rejection(clientFor(server).memories.summarizeInput(MEMORIES_INPUT));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain("{not json");
  });

  it("maps HTTP errors", async () => {
    const cases: [Reply, new (...a: never[]) => CodexApiError][] = [
      [json(403, { error: { message: "forbidden" } }), AuthError],
      [json(400, { message: "flat", code: "bad_traces", param: "traces" }), InvalidRequestError],
      [json(429, { error: { message: "slow" } }, { "retry-after": "3" }), RateLimitError],
      [
        { status: 503, headers: { "content-type": "text/html" }, body: "<html>down</html>" },
        ServerError,
      ],
    ];
    for (const [r, cls] of cases) {
      const server = await serve(r);
      const error = await rejection(
        clientFor(server, once).memories.summarizeInput(MEMORIES_INPUT),
      );
      expect(error).toBeInstanceOf(cls);
      if (error instanceof InvalidRequestError) {
        expect(error).toMatchObject({ code: "bad_traces", param: "traces" });
      }
      if (error instanceof RateLimitError) expect(error.retryAfterMs).toBe(3000);
    }
  });

  it("a CR/LF header value rejects before anything is sent", async () => {
    const server = await serve(json(200, reply));
    const error = await rejection(
      clientFor(server).memories.summarizeInput(MEMORIES_INPUT, {
        headers: { "X-Evil": "a\r\nb" },
      }),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(server.requests).toHaveLength(0);
  });
});
