// client.responses.stream() end to end against a real HTTP server on 127.0.0.1: the recorded
// corpus, every row of the README events table, header events, the stream rules and the request side.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as zlib from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import {
  AbortError,
  CodexApiError,
  ContextWindowExceededError,
  IncompleteResponseError,
  InvalidRequestError,
  QuotaExceededError,
  RateLimitError,
  RetryableStreamError,
  ServerOverloadedError,
  StreamError,
  StreamIdleTimeoutError,
  UsageNotIncludedError,
  VERSION,
  createClient,
  parseRateLimits,
  type ClientOptions,
  type ProviderConfig,
  type ResponseEvent,
  type ResponseItem,
  type ResponseStream,
  type ResponsesOptions,
  type ResponsesRequest,
  type TokenUsage,
} from "../../src/index.js";
import { corpusStreams } from "../helpers/corpus.js";
import { sseFrame, type BodyChunk, type TestServer, serveEach } from "../helpers/server.js";

// ------------------------------------------------------------------------------------------------
// Helpers

const serve = serveEach();

type ClientExtras = Omit<ClientOptions, "provider"> & { provider?: Partial<ProviderConfig> };

function clientFor(server: TestServer, extras: ClientExtras = {}) {
  const { provider, ...rest } = extras;
  return createClient({
    auth: "test-token",
    ...rest,
    provider: { baseUrl: `${server.url}/v1`, retry: { maxAttempts: 1 }, ...provider },
  });
}

const REQUEST: ResponsesRequest = {
  model: "gpt-test",
  input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects when `promise` takes longer than `ms` (so a hang fails fast instead of at the test timeout). */
function within<T>(ms: number, promise: Promise<T>, what = "the stream"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

interface Drained {
  events: ResponseEvent[];
  error: unknown;
}

/** Iterates to the end; the error thrown (if any) is returned, not thrown. */
async function drain(stream: ResponseStream, ms = 3000): Promise<Drained> {
  const events: ResponseEvent[] = [];
  const run = async (): Promise<Drained> => {
    try {
      for await (const event of stream) events.push(event);
      return { events, error: undefined };
    } catch (error) {
      return { events, error };
    }
  };
  return within(ms, run());
}

/** Serves `chunks` as one 200 reply, sends REQUEST and drains the stream. */
async function run(
  chunks: BodyChunk[],
  opts: {
    headers?: Record<string, string>;
    end?: boolean;
    options?: ResponsesOptions;
    client?: ClientExtras;
  } = {},
): Promise<Drained & { server: TestServer; stream: ResponseStream }> {
  const server = await serve({
    chunks,
    ...(opts.headers ? { headers: opts.headers } : {}),
    ...(opts.end === undefined ? {} : { end: opts.end }),
  });
  const stream = await clientFor(server, opts.client).responses.stream(REQUEST, opts.options);
  return { ...(await drain(stream)), server, stream };
}

const created = () => sseFrame({ type: "response.created", response: { id: "resp_1" } });
const completedFrame = (id = "resp_1", usage?: Record<string, unknown>) =>
  sseFrame({ type: "response.completed", response: { id, ...(usage ? { usage } : {}) } });
const failed = (error: Record<string, unknown> | null) =>
  sseFrame({ type: "response.failed", response: { id: "resp_1", status: "failed", error } });

const message = (text: string, extra: Record<string, unknown> = {}): ResponseItem =>
  ({
    type: "message",
    id: "msg_1",
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [] }],
    ...extra,
  }) as ResponseItem;

const types = (events: ResponseEvent[]) => events.map((e) => e.type);

function expectError<T extends CodexApiError>(
  error: unknown,
  cls: abstract new (...args: never[]) => T,
): T {
  expect(error).toBeInstanceOf(cls);
  return error as T;
}

// ------------------------------------------------------------------------------------------------
// 1. Corpus replay

const MAPPED: Record<string, ResponseEvent["type"]> = {
  "response.created": "created",
  "response.output_item.added": "outputItemAdded",
  "response.output_item.done": "outputItemDone",
  "response.output_text.delta": "outputTextDelta",
  "response.reasoning_summary_text.delta": "reasoningSummaryDelta",
  "response.reasoning_text.delta": "reasoningContentDelta",
  "response.reasoning_summary_part.added": "reasoningSummaryPartAdded",
  "response.function_call_arguments.delta": "functionCallArgumentsDelta",
  "response.function_call_arguments.done": "functionCallArgumentsDone",
  "codex.rate_limits": "rateLimits",
  "response.completed": "completed",
  "response.done": "completed",
};
const TERMINAL = new Set([
  "response.completed",
  "response.done",
  "response.failed",
  "response.incomplete",
  "error",
]);
// Per the corpus README, the deltas of these files do not add up to the done text.
const INCONSISTENT_DELTAS = new Set([
  "openai-phase.1.chunks.txt",
  "azure-gpt5-reasoning-multi-summary-with-encryption.chunks.txt",
  "openai-shell-container.1.chunks.txt",
]);
const ERROR_STREAMS: Record<string, abstract new (...args: never[]) => CodexApiError> = {
  "openai-error.1.chunks.txt": QuotaExceededError,
  "openai-error-null-code.1.chunks.txt": RetryableStreamError,
  "openai-error-null-code.chunks.txt": RetryableStreamError,
  "openai-response-failed-only.1.chunks.txt": RateLimitError,
};

type Json = Record<string, unknown>;

function usageOf(usage: Json): TokenUsage {
  const input = (usage["input_tokens_details"] ?? {}) as Json;
  const output = (usage["output_tokens_details"] ?? {}) as Json;
  return {
    inputTokens: usage["input_tokens"] as number,
    cachedInputTokens: (input["cached_tokens"] as number | undefined) ?? 0,
    outputTokens: usage["output_tokens"] as number,
    reasoningOutputTokens: (output["reasoning_tokens"] as number | undefined) ?? 0,
    totalTokens: usage["total_tokens"] as number,
  };
}

/** The body cut into chunks of uneven sizes (so UTF-8 sequences and frames split across reads). */
function unevenChunks(body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = 1 + ((i * 7919) % 1499);
    chunks.push(body.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function outputText(item: ResponseItem): string {
  const content = (item as { content?: { type: string; text?: string }[] }).content ?? [];
  return content
    .filter((c) => c.type === "output_text")
    .map((c) => c.text ?? "")
    .join("");
}

describe("corpus replay", () => {
  const streams = corpusStreams();

  it("has the recorded streams", () => {
    expect(streams.length).toBe(25);
  });

  it.each(streams.map((s) => [s.name, s.lines] as const))("%s", async (name, lines) => {
    const payloads = lines.map((l) => JSON.parse(l) as Json);
    const end = payloads.findIndex((p) => TERMINAL.has(p["type"] as string));
    expect(end).toBeGreaterThanOrEqual(0);
    const read = payloads.slice(0, end + 1);
    const terminal = read[end]!;

    const body = Buffer.from(lines.map((l) => sseFrame(l)).join(""), "utf8");
    const { events, error } = await run(unevenChunks(body));

    // Every mapped wire event, in order, and nothing else.
    const expectedTypes = read
      .map((p) => MAPPED[p["type"] as string])
      .filter((t): t is ResponseEvent["type"] => t !== undefined);
    expect(types(events)).toEqual(expectedTypes);

    // Items arrive as outputItemDone, equal to the wire item.
    const doneLines = read.filter((p) => p["type"] === "response.output_item.done");
    const doneEvents = events.filter((e) => e.type === "outputItemDone");
    expect(doneEvents.map((e) => e.item)).toEqual(doneLines.map((p) => p["item"]));

    // Deltas: each delta as sent; those since the previous item make up a message's text.
    const wireDeltas = read.filter((p) => p["type"] === "response.output_text.delta");
    expect(events.flatMap((e) => (e.type === "outputTextDelta" ? [e.delta] : []))).toEqual(
      wireDeltas.map((p) => p["delta"]),
    );
    let pending = "";
    let checked = 0;
    for (const event of events) {
      if (event.type === "outputTextDelta") pending += event.delta;
      if (event.type !== "outputItemDone") continue;
      if (event.item.type === "message" && pending !== "" && !INCONSISTENT_DELTAS.has(name)) {
        expect(pending).toBe(outputText(event.item));
        checked++;
      }
      pending = "";
    }
    if (wireDeltas.length > 0 && !INCONSISTENT_DELTAS.has(name)) {
      expect(checked).toBeGreaterThan(0);
    }

    const type = terminal["type"] as string;
    if (type === "response.completed" || type === "response.done") {
      expect(error).toBeUndefined();
      const response = terminal["response"] as Json;
      const last = events.at(-1);
      expect(last?.type).toBe("completed");
      expect(events.filter((e) => e.type === "completed")).toHaveLength(1);
      const usage = response["usage"] as Json | undefined | null;
      expect(last).toEqual({
        type: "completed",
        responseId: response["id"],
        ...(usage ? { tokenUsage: usageOf(usage) } : {}),
      });
    } else {
      const cls = ERROR_STREAMS[name];
      expect(cls, `an expected error class for ${name}`).toBeDefined();
      const err = expectError(error, cls!);
      const wire = (
        type === "error" ? terminal["error"] : (terminal["response"] as Json)["error"]
      ) as Json;
      expect(err.message).toContain(wire["message"] as string);
      if (err instanceof RateLimitError) {
        const m = /try again in\s*(\d+(?:\.\d+)?)\s*(ms|s|seconds)/i.exec(
          wire["message"] as string,
        );
        if (m) expect(err.retryAfterMs).toBeGreaterThan(0);
        else expect(err.retryAfterMs).toBeUndefined();
      }
    }
  });

  it("with includeRawEvents, every unmapped payload of every stream comes as raw, in order", async () => {
    for (const { name, lines } of streams) {
      const payloads = lines.map((l) => JSON.parse(l) as Json);
      const end = payloads.findIndex((p) => TERMINAL.has(p["type"] as string));
      const expected = payloads
        .slice(0, end)
        .map((p) => MAPPED[p["type"] as string] ?? { type: "raw", event: p });
      const { events } = await run([lines.map((l) => sseFrame(l)).join("")], {
        options: { includeRawEvents: true },
      });
      const got = events.slice(0, expected.length).map((e) => (e.type === "raw" ? e : e.type));
      expect(got, name).toEqual(expected);
    }
  });

  it("stops at the first response.completed of the multi-response file", async () => {
    const { lines } = streams.find(
      (s) => s.name === "openai-reasoning-encrypted-content.1.chunks.txt",
    )!;
    const payloads = lines.map((l) => JSON.parse(l) as Json);
    const completedAt = payloads
      .map((p, i) => (p["type"] === "response.completed" ? i : -1))
      .filter((i) => i >= 0);
    expect(completedAt).toHaveLength(4);
    const first = payloads[completedAt[0]!]!;

    const { events, error } = await run(lines.map((l) => sseFrame(l)));
    expect(error).toBeUndefined();
    const completions = events.filter((e) => e.type === "completed");
    expect(completions).toHaveLength(1);
    expect(completions[0]).toMatchObject({
      responseId: (first["response"] as Json)["id"],
    });
    expect(events.at(-1)?.type).toBe("completed");
    expect(events.filter((e) => e.type === "created")).toHaveLength(1);
    const itemsBefore = payloads
      .slice(0, completedAt[0])
      .filter((p) => p["type"] === "response.output_item.done").length;
    expect(events.filter((e) => e.type === "outputItemDone")).toHaveLength(itemsBefore);
  });
});

// ------------------------------------------------------------------------------------------------
// 2. The README events table, row by row

describe("event table (README)", () => {
  it("maps created, items, deltas and reasoning events", async () => {
    const item = message("Hello");
    const reasoning = { type: "reasoning", id: "rs_1", summary: [] };
    const { events, error } = await run([
      created(),
      sseFrame({ type: "response.in_progress", response: { id: "resp_1" } }),
      sseFrame({ type: "response.output_item.added", output_index: 0, item: reasoning }),
      sseFrame({ type: "response.reasoning_summary_part.added", summary_index: 2 }),
      sseFrame({ type: "response.reasoning_summary_text.delta", delta: "think", summary_index: 2 }),
      sseFrame({ type: "response.reasoning_text.delta", delta: "raw", content_index: 3 }),
      sseFrame({ type: "response.output_item.done", output_index: 0, item: reasoning }),
      sseFrame({ type: "response.output_item.added", output_index: 1, item }),
      sseFrame({ type: "response.output_text.delta", delta: "Hel", output_index: 1 }),
      sseFrame({ type: "response.output_text.delta", delta: "lo", output_index: 1 }),
      sseFrame({ type: "response.output_item.done", output_index: 1, item }),
      completedFrame("resp_1"),
    ]);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: "created" },
      { type: "outputItemAdded", item: reasoning },
      { type: "reasoningSummaryPartAdded", summaryIndex: 2 },
      { type: "reasoningSummaryDelta", delta: "think", summaryIndex: 2 },
      { type: "reasoningContentDelta", delta: "raw", contentIndex: 3 },
      { type: "outputItemDone", item: reasoning },
      { type: "outputItemAdded", item },
      { type: "outputTextDelta", delta: "Hel" },
      { type: "outputTextDelta", delta: "lo" },
      { type: "outputItemDone", item },
      { type: "completed", responseId: "resp_1" },
    ]);
  });

  it("takes the kind from the payload's type, not the event: line", async () => {
    const { events } = await run([
      `event: response.created\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "x" })}\n\n`,
      `data: ${JSON.stringify({ type: "response.created" })}\n\n`,
      completedFrame(),
    ]);
    expect(types(events)).toEqual(["outputTextDelta", "created", "completed"]);
  });

  it("maps codex.rate_limits to a rateLimits snapshot", async () => {
    const { events, error } = await run([
      sseFrame({
        type: "codex.rate_limits",
        rate_limits: {
          primary: { used_percent: 42.5, window_minutes: 300, reset_at: 1704069000 },
          secondary: { used_percent: 7, window_minutes: 10080 },
        },
        credits: { has_credits: true, unlimited: false, balance: "12.50" },
      }),
      completedFrame(),
    ]);
    expect(error).toBeUndefined();
    expect(events[0]).toEqual({
      type: "rateLimits",
      snapshot: {
        primary: { usedPercent: 42.5, windowMinutes: 300, resetsAt: 1704069000 },
        secondary: { usedPercent: 7, windowMinutes: 10080 },
        credits: { hasCredits: true, unlimited: false, balance: "12.50" },
      },
    });
  });

  it.each([
    ["a non-numeric percent", { rate_limits: { primary: { used_percent: "high" } } }],
    ["rate_limits not an object", { rate_limits: "full" }],
    ["credits without booleans", { rate_limits: {}, credits: { has_credits: "yes" } }],
    ["no rate_limits at all", {}],
    ["empty rate_limits", { rate_limits: {} }],
  ])("emits nothing for an unparseable or empty codex.rate_limits (%s)", async (_, body) => {
    const { events, error } = await run([
      sseFrame({ type: "codex.rate_limits", ...body }),
      completedFrame(),
    ]);
    expect(error).toBeUndefined();
    expect(types(events)).toEqual(["completed"]);
  });

  it.each([
    ["response.completed", { id: "resp_9" }, "resp_9"],
    ["response.done", { id: "resp_8" }, "resp_8"],
    ["response.done", undefined, ""],
  ] as const)(
    "%s ends the stream at once; later bytes are ignored and the socket is closed",
    async (type, response, id) => {
      const usage = {
        input_tokens: 10,
        input_tokens_details: null,
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 2 },
        total_tokens: 15,
      };
      const started = performance.now();
      const { events, error, server } = await run(
        [
          created(),
          sseFrame({ type, ...(response ? { response: { ...response, usage } } : {}) }),
          "event: response.output_text.delta\ndata: {not json\n\n",
          sseFrame({ type: "response.output_item.done", item: message("late") }),
        ],
        { end: false },
      );
      expect(error).toBeUndefined();
      expect(events).toEqual([
        { type: "created" },
        {
          type: "completed",
          responseId: id,
          ...(response
            ? {
                tokenUsage: {
                  inputTokens: 10,
                  cachedInputTokens: 0,
                  outputTokens: 5,
                  reasoningOutputTokens: 2,
                  totalTokens: 15,
                },
              }
            : {}),
        },
      ]);
      expect(performance.now() - started).toBeLessThan(1000);
      await server.requestSocketsClosed(1000);
    },
  );

  it.each([
    [
      "context_length_exceeded",
      "Your input exceeds the context window",
      ContextWindowExceededError,
    ],
    ["insufficient_quota", "You exceeded your current quota", QuotaExceededError],
    ["usage_not_included", "Not in your plan", UsageNotIncludedError],
    ["invalid_prompt", "Invalid prompt: we've limited access", InvalidRequestError],
    ["server_is_overloaded", "Overloaded", ServerOverloadedError],
    ["slow_down", "Slow down", ServerOverloadedError],
    ["some_new_code", "Something else", RetryableStreamError],
  ] as const)("response.failed with %s throws at once", async (code, text, cls) => {
    const { events, error } = await run(
      [created(), failed({ code, message: text }), completedFrame()],
      { end: false },
    );
    expect(types(events)).toEqual(["created"]);
    const err = expectError(error, cls);
    expect(err.message).toContain(text);
    expect(err.retryable).toBe(cls === ServerOverloadedError || cls === RetryableStreamError);
    if (err instanceof RetryableStreamError) expect(err.code).toBe(code);
  });

  it.each([
    ["Please try again in 1.898s. Visit https://platform.openai.com", 1898],
    ["Please try again in 28ms. Thanks", 28],
    ["Rate limit exceeded. Try again in 35 seconds.", 35000],
    ["Rate limit reached for gpt-5.1 on tokens per min (TPM)", undefined],
  ] as const)("response.failed rate_limit_exceeded %j -> RateLimitError", async (text, ms) => {
    const { error } = await run(
      [created(), failed({ code: "rate_limit_exceeded", message: text })],
      {
        end: false,
      },
    );
    const err = expectError(error, RateLimitError);
    expect(err.retryAfterMs).toBe(ms);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(text);
  });

  it.each([
    ["a null code", { code: null, message: "Sorry, something went wrong." }],
    ["no code", { message: "Sorry, something went wrong." }],
    ["no error at all", null],
  ] as const)("response.failed with %s -> RetryableStreamError", async (_, body) => {
    const { error } = await run([created(), failed(body)], { end: false });
    const err = expectError(error, RetryableStreamError);
    expect(err.retryable).toBe(true);
    expect(err.code).toBeUndefined();
  });

  it("response.incomplete -> IncompleteResponseError with its reason", async () => {
    const { events, error } = await run(
      [
        created(),
        sseFrame({ type: "response.output_text.delta", delta: "partial" }),
        sseFrame({
          type: "response.incomplete",
          response: { id: "resp_1", incomplete_details: { reason: "content_filter" } },
        }),
      ],
      { end: false },
    );
    expect(types(events)).toEqual(["created", "outputTextDelta"]);
    const err = expectError(error, IncompleteResponseError);
    expect(err.reason).toBe("content_filter");
    expect(err.message).toContain("content_filter");
    expect(err.retryable).toBe(false);
  });

  it("response.incomplete without details has reason unknown", async () => {
    const { error } = await run([sseFrame({ type: "response.incomplete", response: {} })], {
      end: false,
    });
    expect(expectError(error, IncompleteResponseError).reason).toBe("unknown");
  });

  it.each([
    [
      "nested",
      {
        error: {
          type: "invalid_request_error",
          code: "context_length_exceeded",
          message: "too long",
        },
      },
      ContextWindowExceededError,
    ],
    ["flat", { code: "insufficient_quota", message: "no quota" }, QuotaExceededError],
    [
      "flat rate limit",
      { code: "rate_limit_exceeded", message: "try again in 2s" },
      RateLimitError,
    ],
    [
      "nested null code",
      { error: { type: "server_error", code: null, message: "oops" } },
      RetryableStreamError,
    ],
    [
      "nested without code, top-level code",
      { code: "context_length_exceeded", error: { message: "too long" } },
      ContextWindowExceededError,
    ],
  ] as const)(
    "an error event (%s fields) throws the mapped error at once",
    async (_, body, cls) => {
      const { events, error } = await run(
        [created(), sseFrame({ type: "error", ...body }), completedFrame()],
        { end: false },
      );
      expect(types(events)).toEqual(["created"]);
      const err = expectError(error, cls);
      if (err instanceof RateLimitError) expect(err.retryAfterMs).toBe(2000);
    },
  );

  it("drops an unknown type, or yields it as raw with includeRawEvents", async () => {
    const unknown = { type: "response.new_tool_event", detail: { a: [1, 2] } };
    const frames = [
      created(),
      sseFrame(unknown),
      sseFrame({ type: "response.in_progress" }),
      completedFrame(),
    ];
    const plain = await run(frames);
    expect(types(plain.events)).toEqual(["created", "completed"]);
    const raw = await run(frames, { options: { includeRawEvents: true } });
    expect(raw.events).toEqual([
      { type: "created" },
      { type: "raw", event: unknown },
      { type: "raw", event: { type: "response.in_progress" } },
      { type: "completed", responseId: "resp_1" },
    ]);
  });
});

// ------------------------------------------------------------------------------------------------
// 3. Header events

describe("header events", () => {
  const RATE_HEADERS = {
    "x-codex-primary-used-percent": "12.5",
    "x-codex-primary-window-minutes": "60",
    "x-codex-primary-reset-at": "1704069000",
    "x-codex-secondary-used-percent": "80",
    "x-codex-secondary-window-minutes": "1440",
  };

  it("come first, in order rateLimits, modelsEtag, serverReasoningIncluded; known before iterating", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = await serve({
      headers: {
        ...RATE_HEADERS,
        "x-models-etag": "etag-1",
        "x-reasoning-included": "false",
        "x-request-id": "req-123",
      },
      chunks: [{ until: gate }, created(), completedFrame()],
    });
    const stream = await within(
      2000,
      clientFor(server).responses.stream(REQUEST),
      "stream() before the body",
    );
    // Nothing of the body was sent yet: all of this comes from the headers.
    expect(server.chunksWritten()).toBe(0);
    const snapshot = {
      primary: { usedPercent: 12.5, windowMinutes: 60, resetsAt: 1704069000 },
      secondary: { usedPercent: 80, windowMinutes: 1440 },
    };
    expect(stream.rateLimits).toEqual(snapshot);
    expect(parseRateLimits(RATE_HEADERS)).toEqual(snapshot);
    expect(stream.requestId).toBe("req-123");
    expect(stream.headers.get("x-models-etag")).toBe("etag-1");
    release();
    const { events, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: "rateLimits", snapshot },
      { type: "modelsEtag", etag: "etag-1" },
      { type: "serverReasoningIncluded", included: true },
      { type: "created" },
      { type: "completed", responseId: "resp_1" },
    ]);
  });

  it("are absent when the headers are", async () => {
    const { events, stream } = await run([created(), completedFrame()]);
    expect(types(events)).toEqual(["created", "completed"]);
    expect(stream.rateLimits).toBeUndefined();
    expect(stream.requestId).toBeUndefined();
  });

  it("only the present ones are emitted", async () => {
    const { events } = await run([completedFrame()], {
      headers: { "x-reasoning-included": "true" },
    });
    expect(types(events)).toEqual(["serverReasoningIncluded", "completed"]);
  });
});

// ------------------------------------------------------------------------------------------------
// 4. Stream rules

describe("stream rules", () => {
  it("next() called again before the last one settled waits for it (as a generator does)", async () => {
    const delta = (d: string) => sseFrame({ type: "response.output_text.delta", delta: d });
    const server = await serve({
      chunks: [
        created(),
        { delayMs: 30 },
        delta("a"),
        { delayMs: 30 },
        delta("b"),
        completedFrame(),
      ],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const it = stream[Symbol.asyncIterator]();
    const results = await within(
      3000,
      Promise.all([it.next(), it.next(), it.next(), it.next(), it.next(), it.next()]),
    );
    expect(results.map((r) => (r.done ? "done" : r.value.type))).toEqual([
      "created",
      "outputTextDelta",
      "outputTextDelta",
      "completed",
      "done",
      "done",
    ]);
  });

  it("return() while a read waits ends that read as done, not as an error", async () => {
    const server = await serve({ chunks: [created()], end: false });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const pending = it.next();
    await sleep(20);
    await it.return!();
    expect(await within(3000, pending)).toEqual({ done: true, value: undefined });
    await server.requestSocketsClosed();
  });

  it("malformed JSON is a StreamError naming the event type and a byte offset", async () => {
    // Non-ASCII before the bad frame: the offset counts bytes, not characters.
    const good = created() + sseFrame({ type: "response.output_text.delta", delta: "é✓😀" });
    const bad =
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":\n\n';
    const { events, error } = await run([good, bad, completedFrame()], { end: false });
    expect(types(events)).toEqual(["created", "outputTextDelta"]);
    const err = expectError(error, StreamError);
    expect(err.message).toContain("response.output_text.delta");
    // The offset is where the bad message ends, even when later frames came in the same read.
    expect(err.message).toContain(`byte ${Buffer.byteLength(good + bad)}`);
    expect(err.retryable).toBe(false);
  });

  it.each([
    ["a JSON array", "[1,2]"],
    ["an object without type", '{"delta":"x"}'],
    ["a non-string type", '{"type":7}'],
  ])("data that is %s is a StreamError", async (_, data) => {
    const { error } = await run([created(), `event: response.weird\ndata: ${data}\n\n`], {
      end: false,
    });
    expect(expectError(error, StreamError).message).toMatch(/response\.weird event at byte \d+/);
  });

  it("a stream closed before response.completed is a retryable StreamError", async () => {
    const { events, error } = await run([
      created(),
      sseFrame({ type: "response.output_item.done", item: message("Hello") }),
    ]);
    expect(types(events)).toEqual(["created", "outputItemDone"]);
    const err = expectError(error, StreamError);
    expect(err.message).toContain("stream closed before response.completed");
    expect(err.retryable).toBe(true);
  });

  it("a message cut off by EOF (no blank line) is not dispatched", async () => {
    const frame = completedFrame();
    const { error } = await run([created(), frame.slice(0, -1)]);
    expect(expectError(error, StreamError).message).toContain("before response.completed");
  });

  it("keep-alive comments do not reset the idle timer", async () => {
    const started = performance.now();
    const { events, error, server } = await run(
      [
        created(),
        ...Array.from({ length: 100 }, () => [": keep-alive\n\n", { delayMs: 20 }]).flat(),
      ],
      { client: { provider: { streamIdleTimeoutMs: 100 } }, end: false },
    );
    const elapsed = performance.now() - started;
    expect(types(events)).toEqual(["created"]);
    const err = expectError(error, StreamIdleTimeoutError);
    expect(err.retryable).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
    await server.requestSocketsClosed(1000);
  });

  it("any data message resets the idle timer, mapped or dropped", async () => {
    const slow = [
      sseFrame({ type: "response.in_progress" }),
      sseFrame({ type: "response.output_text.delta", delta: "a" }),
      sseFrame({ type: "response.some_progress" }),
      sseFrame({ type: "response.output_text.delta", delta: "b" }),
      sseFrame({ type: "response.in_progress" }),
    ].flatMap((f) => [{ delayMs: 60 }, ": keep-alive\n\n", f]);
    const started = performance.now();
    const { events, error } = await run([created(), ...slow, { delayMs: 60 }, completedFrame()], {
      client: { provider: { streamIdleTimeoutMs: 100 } },
    });
    expect(error).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThan(300);
    expect(types(events)).toEqual(["created", "outputTextDelta", "outputTextDelta", "completed"]);
  });

  it("stream.abort() mid-stream ends iteration with AbortError and closes the socket", async () => {
    const server = await serve({
      chunks: [created(), sseFrame({ type: "response.output_text.delta", delta: "a" })],
      end: false,
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const events: ResponseEvent[] = [];
    const error = await within(
      2000,
      (async () => {
        try {
          for await (const event of stream) {
            events.push(event);
            // Abort while the next read is pending.
            if (event.type === "outputTextDelta") setTimeout(() => stream.abort(), 20);
          }
        } catch (e) {
          return e;
        }
        return undefined;
      })(),
    );
    expect(types(events)).toEqual(["created", "outputTextDelta"]);
    expect(expectError(error, AbortError).retryable).toBe(false);
    await server.requestSocketsClosed(1000);
  });

  it("aborting the AbortSignal mid-stream ends iteration with AbortError and closes the socket", async () => {
    const server = await serve({ chunks: [created()], end: false });
    const controller = new AbortController();
    const stream = await clientFor(server).responses.stream(REQUEST, {
      signal: controller.signal,
    });
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { type: "created" } });
    const next = iterator.next();
    setTimeout(() => controller.abort(), 20);
    await expect(within(2000, next)).rejects.toBeInstanceOf(AbortError);
    await server.requestSocketsClosed(1000);
  });

  it("stream.abort() before iterating closes the socket, and iterating then throws AbortError", async () => {
    const server = await serve({ chunks: [created()], end: false });
    const stream = await clientFor(server).responses.stream(REQUEST);
    expect(server.openRequestSockets()).toBe(1);
    stream.abort();
    await server.requestSocketsClosed(1000);
    const { events, error } = await drain(stream);
    expect(events).toEqual([]);
    expectError(error, AbortError);
  });

  it("aborting the signal before iterating closes the socket", async () => {
    const server = await serve({ chunks: [created()], end: false });
    const controller = new AbortController();
    const stream = await clientFor(server).responses.stream(REQUEST, {
      signal: controller.signal,
    });
    controller.abort();
    await server.requestSocketsClosed(1000);
    expectError((await drain(stream)).error, AbortError);
  });

  it("aborting the signal while waiting for headers rejects stream() and closes the socket", async () => {
    const server = await serve(() => {
      /* never answers */
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(
      within(2000, clientFor(server).responses.stream(REQUEST, { signal: controller.signal })),
    ).rejects.toBeInstanceOf(AbortError);
    await server.requestSocketsClosed(1000);
  });

  it("an already aborted signal rejects stream() and sends nothing", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    const controller = new AbortController();
    controller.abort();
    await expect(
      clientFor(server).responses.stream(REQUEST, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(0);
  });

  it("break out of the loop closes the socket", async () => {
    const server = await serve({
      chunks: [created(), sseFrame({ type: "response.output_text.delta", delta: "a" })],
      end: false,
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const seen: ResponseEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      expect(server.openRequestSockets()).toBe(1);
      break;
    }
    expect(types(seen)).toEqual(["created"]);
    await server.requestSocketsClosed(1000);
  });

  it("a completed stream leaves its connection to the next request: the body's end is read, not cancelled", async () => {
    const ports: number[] = [];
    // The body's end comes 20 ms after response.completed, as a chunk of its own.
    const server = await serve((req, res) => {
      ports.push(req.socket.remotePort!);
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(created() + completedFrame());
      setTimeout(() => res.end(), 20);
    });
    const client = clientFor(server);
    for (let i = 0; i < 3; i++) {
      expect((await (await client.responses.stream(REQUEST)).collect()).responseId).toBe("resp_1");
      await sleep(60); // the next request comes later (a cancelled body would have closed the socket)
    }
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(1);
  });

  it("after response.completed, a body that goes on (past 64 KiB) or stays open is cut off", async () => {
    for (const after of [
      { chunks: [sseFrame({ type: "response.output_text.delta", delta: "x".repeat(70_000) })] },
      { chunks: [], end: false },
    ]) {
      const server = await serve({
        chunks: [created(), completedFrame(), ...after.chunks],
        end: false,
      });
      const collected = await within(
        2000,
        (await clientFor(server).responses.stream(REQUEST)).collect(),
      );
      expect(collected.text).toBe("");
      await server.requestSocketsClosed(1000);
    }
  });

  it("is unbuffered: an event arrives while the server holds back the rest", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = await serve({
      chunks: [
        created(),
        sseFrame({ type: "response.output_text.delta", delta: "first" }),
        { until: gate },
        sseFrame({ type: "response.output_text.delta", delta: "second" }),
        completedFrame(),
      ],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const iterator = stream[Symbol.asyncIterator]();
    expect((await within(2000, iterator.next())).value).toEqual({ type: "created" });
    expect((await within(2000, iterator.next(), "the first delta")).value).toEqual({
      type: "outputTextDelta",
      delta: "first",
    });
    // The rest is still held back by the server.
    expect(server.chunksWritten()).toBe(2);
    release();
    expect((await within(2000, iterator.next())).value).toEqual({
      type: "outputTextDelta",
      delta: "second",
    });
    expect((await within(2000, iterator.next())).value).toMatchObject({ type: "completed" });
    expect((await within(2000, iterator.next())).done).toBe(true);
  });

  it("collect() returns the response id, items, text, usage and the last rate limits", async () => {
    const server = await serve({
      headers: { "x-codex-primary-used-percent": "10", "x-codex-primary-window-minutes": "60" },
      chunks: [
        created(),
        sseFrame({ type: "response.output_text.delta", delta: "Hello, " }),
        sseFrame({ type: "response.output_text.delta", delta: "world" }),
        sseFrame({ type: "response.output_item.done", item: message("Hello, world") }),
        sseFrame({
          type: "codex.rate_limits",
          rate_limits: { primary: { used_percent: 55, window_minutes: 60 } },
        }),
        sseFrame({ type: "response.output_item.done", item: message("second", { id: "msg_2" }) }),
        completedFrame("resp_c", {
          input_tokens: 123,
          input_tokens_details: { cached_tokens: 100 },
          output_tokens: 7,
          total_tokens: 130,
        }),
      ],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const result = await within(2000, stream.collect());
    expect(result).toEqual({
      responseId: "resp_c",
      items: [message("Hello, world"), message("second", { id: "msg_2" })],
      functionCalls: [],
      text: "Hello, worldsecond", // the output_text of every message item

      tokenUsage: {
        inputTokens: 123,
        cachedInputTokens: 100,
        outputTokens: 7,
        reasoningOutputTokens: 0,
        totalTokens: 130,
      },
      rateLimits: { primary: { usedPercent: 55, windowMinutes: 60 } },
    });
    await expect(stream.collect()).rejects.toBeInstanceOf(StreamError);
  });

  it("collect() after iteration began drains the rest and returns what the loop saw too", async () => {
    const server = await serve({
      chunks: [
        created(),
        sseFrame({ type: "response.output_text.delta", delta: "a" }),
        sseFrame({ type: "response.output_text.delta", delta: "b" }),
        sseFrame({ type: "response.output_item.done", item: message("ab") }),
        completedFrame("resp_x"),
      ],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect((await iterator.next()).value).toEqual({ type: "outputTextDelta", delta: "a" });
    const result = await within(2000, stream.collect());
    expect(result).toMatchObject({ responseId: "resp_x", text: "ab" });
    expect((await iterator.next()).done).toBe(true);
  });

  it("collect() rejects with the stream's error", async () => {
    const server = await serve({
      chunks: [created(), failed({ code: "insufficient_quota", message: "no" })],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    await expect(within(2000, stream.collect())).rejects.toBeInstanceOf(QuotaExceededError);
  });

  it.each([
    ["a response.failed", [created(), failed({ code: "context_length_exceeded" })]],
    ["an error event", [sseFrame({ type: "error", code: null, message: "x" })]],
    ["malformed JSON", ["event: response.created\ndata: {oops\n\n"]],
    ["an early close", [created()]],
    ["an incomplete response", [sseFrame({ type: "response.incomplete" })]],
  ])("errors from %s carry the reply's requestId and headers", async (_, chunks) => {
    const { error } = await run(chunks, {
      headers: { "x-request-id": "req-err-1", "x-extra": "yes" },
    });
    const err = expectError(error, CodexApiError);
    expect(err.requestId).toBe("req-err-1");
    expect(err.headers?.get("x-extra")).toBe("yes");
    expect(err.status).toBe(200);
  });

  it("an idle timeout and an abort carry the reply's requestId too", async () => {
    const { error } = await run([created()], {
      headers: { "x-request-id": "req-idle" },
      end: false,
      client: { provider: { streamIdleTimeoutMs: 50 } },
    });
    expect(expectError(error, StreamIdleTimeoutError).requestId).toBe("req-idle");
  });

  it("telemetry.onSseEvent is called once per SSE message with the wire type", async () => {
    const onSseEvent = vi.fn();
    const { error } = await run(
      [
        created(),
        ": comment\n\n",
        sseFrame({ type: "response.in_progress" }),
        sseFrame({ type: "response.output_text.delta", delta: "a" }),
        sseFrame({ type: "response.new_thing" }),
        sseFrame({ type: "codex.rate_limits", rate_limits: "bad" }),
        completedFrame(),
      ],
      { client: { telemetry: { onSseEvent } } },
    );
    expect(error).toBeUndefined();
    expect(onSseEvent.mock.calls.map(([info]) => (info as { type: string }).type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_text.delta",
      "response.new_thing",
      "codex.rate_limits",
      "response.completed",
    ]);
    for (const [info] of onSseEvent.mock.calls) {
      expect((info as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("a throwing onSseEvent hook is reported via logger.warn and does not break the stream", async () => {
    const boom = new Error("hook failed");
    const warn = vi.fn();
    const { events, error } = await run(
      [created(), sseFrame({ type: "response.output_text.delta", delta: "a" }), completedFrame()],
      {
        client: {
          telemetry: {
            onSseEvent: () => {
              throw boom;
            },
          },
          logger: { warn },
        },
      },
    );
    expect(error).toBeUndefined();
    expect(types(events)).toEqual(["created", "outputTextDelta", "completed"]);
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("onSseEvent"), boom);
  });

  it("iterating a stream twice fails the second time", async () => {
    const { stream } = await run([completedFrame()]);
    await expect(drain(stream).then((d) => d.error)).resolves.toBeInstanceOf(StreamError);
  });
});

// ------------------------------------------------------------------------------------------------
// 5. Request side

describe("request", () => {
  const PKG_VERSION = (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    }
  ).version;

  /** Sends one request against a server that completes at once; returns what the server saw. */
  async function send(
    request: ResponsesRequest,
    options: ResponsesOptions = {},
    extras: ClientExtras = {},
    replyHeaders: Record<string, string> = {},
  ) {
    const server = await serve({ headers: replyHeaders, chunks: [completedFrame()] });
    const stream = await clientFor(server, extras).responses.stream(request, options);
    const { error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(server.requests).toHaveLength(1);
    return server.requests[0]!;
  }

  it("posts to /responses with the defaults filled in and no nulls", async () => {
    const seen = await send(REQUEST);
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/v1/responses");
    expect(seen.json()).toEqual({
      model: "gpt-test",
      instructions: "",
      input: REQUEST.input,
      tools: [],
      tool_choice: "auto",
      parallel_tool_calls: false,
      store: false,
      stream: true,
      include: [],
    });
    expect(seen.text()).not.toContain("null");
  });

  it("asks for encrypted reasoning when reasoning is set", async () => {
    const seen = await send({ ...REQUEST, reasoning: { effort: "high", summary: "auto" } });
    expect(seen.json()).toMatchObject({
      reasoning: { effort: "high", summary: "auto" },
      include: ["reasoning.encrypted_content"],
    });
  });

  it("omits absent optionals instead of sending null", async () => {
    const seen = await send({
      ...REQUEST,
      reasoning: undefined,
      prompt_cache_key: undefined,
      text: undefined,
      service_tier: undefined,
    } as ResponsesRequest);
    const body = seen.json() as Json;
    for (const key of ["reasoning", "prompt_cache_key", "text", "service_tier"]) {
      expect(body).not.toHaveProperty(key);
    }
    expect(seen.text()).not.toContain("null");
  });

  const WITH_IDS = [
    { type: "message", id: "msg_1", role: "user", content: [{ type: "input_text", text: "hi" }] },
    { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "enc" },
    { type: "function_call", id: "fc_1", call_id: "call_1", name: "f", arguments: "{}" },
    { type: "function_call_output", call_id: "call_1", output: "ok" },
  ] as unknown as ResponseItem[];

  it("strips input item ids (not call_id) for a non-Azure provider", async () => {
    const seen = await send({ ...REQUEST, input: WITH_IDS });
    const body = seen.json() as { input: Json[]; store: boolean };
    expect(body.store).toBe(false);
    expect(body.input.map((i) => i["id"])).toEqual([undefined, undefined, undefined, undefined]);
    expect(body.input[2]).toMatchObject({ call_id: "call_1", name: "f" });
    expect(body.input[3]).toEqual({
      type: "function_call_output",
      call_id: "call_1",
      output: "ok",
    });
  });

  it("keeps ids and sends store: true for Azure (name azure)", async () => {
    const seen = await send({ ...REQUEST, input: WITH_IDS }, {}, { provider: { name: "azure" } });
    const body = seen.json() as { input: Json[]; store: boolean };
    expect(body.store).toBe(true);
    expect(body.input).toEqual(WITH_IDS);
  });

  it("sends the documented headers, Authorization last and no OpenAI-Beta", async () => {
    const seen = await send(
      REQUEST,
      {
        conversationId: "conv-1",
        sessionSource: "codex_cli_rs",
        subagent: "review",
        turnState: { value: "ts-0" },
        headers: { "x-test-header": "present", Authorization: "Bearer evil" },
      },
      { provider: { headers: { "x-provider": "p", originator: "overridden" } } },
    );
    const h = seen.headers;
    expect(h["session_id"]).toBe("conv-1");
    expect(h["originator"]).toBe("codex_cli_rs");
    expect(h["x-openai-subagent"]).toBe("review");
    expect(h["x-codex-turn-state"]).toBe("ts-0");
    expect(h["x-test-header"]).toBe("present");
    expect(h["x-provider"]).toBe("p");
    expect(h["user-agent"]).toBe(`codex-api-ts/${PKG_VERSION}`);
    expect(VERSION).toBe(PKG_VERSION);
    expect(h["accept"]).toBe("text/event-stream");
    expect(h["content-type"]).toBe("application/json");
    expect(h["authorization"]).toBe("Bearer test-token");
    expect(h["openai-beta"]).toBeUndefined();
    expect(h["content-encoding"]).toBeUndefined();
  });

  it("sends no optional headers when the options are absent", async () => {
    const h = (await send(REQUEST)).headers;
    for (const name of ["session_id", "originator", "x-openai-subagent", "x-codex-turn-state"]) {
      expect(h[name]).toBeUndefined();
    }
  });

  it("captures x-codex-turn-state from the reply only while empty, and sends it", async () => {
    const turn: { value?: string } = {};
    const first = await send(REQUEST, { turnState: turn }, {}, { "x-codex-turn-state": "ts-1" });
    expect(first.headers["x-codex-turn-state"]).toBeUndefined();
    expect(turn.value).toBe("ts-1");
    const second = await send(REQUEST, { turnState: turn }, {}, { "x-codex-turn-state": "ts-2" });
    expect(second.headers["x-codex-turn-state"]).toBe("ts-1");
    expect(turn.value).toBe("ts-1");
    const nextTurn = await send(REQUEST, { turnState: {} });
    expect(nextTurn.headers["x-codex-turn-state"]).toBeUndefined();
  });

  it("gzip compression: the server gunzips the same JSON", async () => {
    const request = { ...REQUEST, instructions: "be brief ✓" };
    const plain = await send(request);
    const gz = await send(request, { compression: "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(JSON.parse(gunzipSync(gz.raw).toString("utf8"))).toEqual(plain.json());
  });

  const HAS_ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === "function";

  it.skipIf(HAS_ZSTD)("zstd without a zstd encoder rejects before sending", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    const error = await clientFor(server)
      .responses.stream(REQUEST, { compression: "zstd" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(expectError(error, InvalidRequestError).message).toContain("zstd");
    expect(server.requests).toHaveLength(0);
  });

  it("gzip without CompressionStream (edge-runtime) rejects before sending", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    vi.stubGlobal("CompressionStream", undefined);
    const error = await clientFor(server)
      .responses.stream(REQUEST, { compression: "gzip" })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(() => vi.unstubAllGlobals());
    expect(expectError(error, InvalidRequestError).message).toContain("CompressionStream");
    expect(server.requests).toHaveLength(0);
  });

  it.runIf(HAS_ZSTD)("zstd compression sends a zstd body", async () => {
    const gz = await send(REQUEST, { compression: "zstd" });
    expect(gz.headers["content-encoding"]).toBe("zstd");
  });

  it.each([
    ["an extra header", { headers: { "x-evil": "a\r\nInjected: 1" } }, {}],
    ["the conversation id", { conversationId: "conv\n1" }, {}],
    ["the turn state", { turnState: { value: "ts\r" } }, {}],
  ] as [string, ResponsesOptions, ClientExtras][])(
    "a CR/LF in %s rejects with InvalidRequestError and sends nothing",
    async (_, options, extras) => {
      const server = await serve({ chunks: [completedFrame()] });
      const client = clientFor(server, extras);
      let result: Promise<ResponseStream> | undefined;
      expect(() => {
        result = client.responses.stream(REQUEST, options);
      }).not.toThrow();
      await expect(result).rejects.toBeInstanceOf(InvalidRequestError);
      expect(server.requests).toHaveLength(0);
      expect(server.openSockets()).toBe(0);
      expect(server.openRequestSockets()).toBe(0);
    },
  );

  it("a CR/LF in a provider header or the auth token makes createClient throw InvalidRequestError", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    const bad: ClientExtras[] = [
      { provider: { headers: { "x-p": "a\nb" } } },
      { auth: "tok\r\nX: y" },
    ];
    for (const extras of bad) expect(() => clientFor(server, extras)).toThrow(InvalidRequestError);
    expect(server.requests).toHaveLength(0);
  });

  it("stream() never throws synchronously, even for a nonsense request", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    const client = clientFor(server);
    let result: Promise<ResponseStream> | undefined;
    expect(() => {
      result = client.responses.stream(null as unknown as ResponsesRequest);
    }).not.toThrow();
    await expect(result).rejects.toBeDefined();
    expect(server.requests).toHaveLength(0);
  });
});
