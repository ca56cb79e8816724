// client.responses.stream() fails with the mapped error: response.failed, response.incomplete and
// error events (README events table), malformed data, an early close; errors carry the reply's
// requestId and headers.
import { describe, expect, it } from "vitest";
import {
  CodexApiError,
  ContextWindowExceededError,
  IncompleteResponseError,
  InvalidRequestError,
  QuotaExceededError,
  RateLimitError,
  RetryableStreamError,
  ServerOverloadedError,
  StreamError,
  UsageNotIncludedError,
} from "../../src/index.js";
import { sseFrame } from "../helpers/server.js";
import { created, completedFrame, failed, message, types, expectError, streamKit } from "./kit.js";

const { run } = streamKit();

describe("event table (README)", () => {
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
});

describe("stream rules", () => {
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
});
