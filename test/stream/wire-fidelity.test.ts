// Wire fidelity (README "Events" and "Errors"): exact SSE framing with liveness, `data: [DONE]`,
// error frames of any shape, code/param/type on every error, usage limits, 401 details, the
// serverModel event and limitName — all through the public API against a real 127.0.0.1 server.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  AuthError,
  ContextWindowExceededError,
  InvalidRequestError,
  QuotaExceededError,
  RateLimitError,
  RetryableStreamError,
  ServerOverloadedError,
  StreamError,
  UsageLimitReachedError,
  UsageNotIncludedError,
  parseRateLimits,
  type CodexApiError,
  type ResponseEvent,
} from "../../src/index.js";
import { startServer, type BodyChunk, type TestServer } from "../helpers/server.js";
import { REQUEST, clientFor, within } from "../helpers/calls.js";

const SSE = { "content-type": "text/event-stream" };
const TOKEN = "sk-wire-fidelity-secret-0123456789";
const created = { type: "response.created", response: { id: "r1" } };
const delta = (text: string) => ({ type: "response.output_text.delta", delta: text });
const completed = { type: "response.completed", response: { id: "r1" } };

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** What every client of this file differs in: one attempt, a 5 s idle bound, the secret token. */
const ONE_ATTEMPT = { retry: { maxAttempts: 1 }, streamIdleTimeoutMs: 5_000 };
const WITH_TOKEN = { auth: TOKEN };

async function events(s: TestServer): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const e of await clientFor(s, ONE_ATTEMPT, WITH_TOKEN).responses.stream(REQUEST))
    out.push(e);
  return out;
}

async function streamError(s: TestServer): Promise<CodexApiError> {
  try {
    await events(s);
  } catch (error) {
    return error as CodexApiError;
  }
  throw new Error("the stream did not fail");
}

async function requestError(s: TestServer): Promise<CodexApiError> {
  try {
    await clientFor(s, ONE_ATTEMPT, WITH_TOKEN).responses.stream(REQUEST);
  } catch (error) {
    return error as CodexApiError;
  }
  throw new Error("the request did not fail");
}

const frame = (payload: unknown, eol: string, event?: string) =>
  `${event ? `event: ${event}${eol}` : ""}data: ${JSON.stringify(payload)}${eol}${eol}`;

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("SSE framing: every event is delivered as soon as its blank line arrives", () => {
  const payloads = [created, delta("a"), delta("b\u00e9"), completed];

  it("over every chunking, with LF, CR and CRLF line ends (liveness, not only the final sequence)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("\n", "\r", "\r\n"),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 12 }),
        async (eol, cuts) => {
          const bytes = Buffer.from(payloads.map((p) => frame(p, eol)).join(""));
          // The byte that completes each event (the last of its blank line).
          const ends: number[] = [];
          let at = 0;
          for (const p of payloads) {
            at += Buffer.byteLength(frame(p, eol));
            ends.push(at);
          }
          const points = [...new Set([...cuts.map((c) => c % bytes.length), ...ends])]
            .filter((p) => p > 0 && p <= bytes.length)
            .sort((a, b) => a - b);
          // Chunks up to the end of event k, then a gate that only the delivery of event k opens.
          const gates = payloads.map(gate);
          const chunks: BodyChunk[] = [];
          let from = 0;
          for (const point of points) {
            chunks.push(bytes.subarray(from, point));
            from = point;
            const k = ends.indexOf(point);
            if (k !== -1 && k < payloads.length - 1) chunks.push({ until: gates[k]!.promise });
          }
          const s = await startServer({ headers: SSE, chunks, end: false });
          try {
            const stream = await clientFor(s, ONE_ATTEMPT, WITH_TOKEN).responses.stream(REQUEST);
            const it = stream[Symbol.asyncIterator]();
            const seen: string[] = [];
            for (let k = 0; k < payloads.length; k++) {
              const next = await within(
                it.next(),
                2_000,
                `event ${k} (eol ${JSON.stringify(eol)})`,
              );
              expect(next.done).toBe(false);
              seen.push((next.value as ResponseEvent).type);
              gates[k]!.resolve();
            }
            expect(seen).toEqual(["created", "outputTextDelta", "outputTextDelta", "completed"]);
          } finally {
            for (const g of gates) g.resolve();
            await s.close();
          }
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });

  it("a completed event framed \\r\\r on a connection kept open completes (no idle timeout)", async () => {
    server = await startServer({
      headers: SSE,
      chunks: [frame(created, "\r"), `data: ${JSON.stringify(completed)}\r`, "\r"],
      end: false,
    });
    const seen = await within(events(server), 2_000, "completion");
    expect(seen.map((e) => e.type)).toEqual(["created", "completed"]);
  });

  it("at end of body a complete event is kept (`foo\\r` `\\r` `bar`) and the unterminated rest dropped", async () => {
    server = await startServer({
      headers: SSE,
      chunks: [
        `data: ${JSON.stringify(delta("foo"))}\r`,
        "\r",
        `data: ${JSON.stringify(completed)}`,
      ],
    });
    const seen: ResponseEvent[] = [];
    const error = await (async () => {
      try {
        for await (const e of await clientFor(server!, ONE_ATTEMPT, WITH_TOKEN).responses.stream(
          REQUEST,
        ))
          seen.push(e);
      } catch (e) {
        return e as CodexApiError;
      }
    })();
    expect(seen).toEqual([{ type: "outputTextDelta", delta: "foo" }]);
    expect(error).toBeInstanceOf(StreamError);
    expect(error?.message).toMatch(/closed before response\.completed/);
  });

  it("reports the exact byte offset of a malformed event", async () => {
    const first = frame(created, "\r\n");
    const bad = "data: {not json\r\n\r\n";
    server = await startServer({ headers: SSE, chunks: [first.slice(0, 7), first.slice(7) + bad] });
    const error = await streamError(server);
    expect(error).toBeInstanceOf(StreamError);
    expect(error.message).toContain(`at byte ${Buffer.byteLength(first + bad)}`);
  });
});

describe("data: [DONE]", () => {
  it("after response.completed changes nothing", async () => {
    server = await startServer({
      headers: SSE,
      chunks: [frame(created, "\n"), frame(completed, "\n"), "data: [DONE]\n\n"],
    });
    expect((await events(server)).map((e) => e.type)).toEqual(["created", "completed"]);
  });

  it("without response.completed is a retryable StreamError at once, on a connection kept open", async () => {
    server = await startServer({
      headers: SSE,
      chunks: [frame(created, "\n"), "data: [DONE]\n\n"],
      end: false,
    });
    const error = await within(streamError(server), 2_000, "the [DONE] error");
    expect(error).toBeInstanceOf(StreamError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/closed before response\.completed/);
  });
});

describe("error frames of any shape", () => {
  const cases: [string, string, new (...a: never[]) => CodexApiError, Partial<CodexApiError>][] = [
    [
      "event: error, a typed error event",
      `event: error\ndata: ${JSON.stringify({ type: "error", code: "insufficient_quota", message: "no quota" })}\n\n`,
      QuotaExceededError,
      { code: "insufficient_quota" },
    ],
    [
      "event: error, a flat payload without type",
      `event: error\ndata: ${JSON.stringify({ code: "context_length_exceeded", message: "too long" })}\n\n`,
      ContextWindowExceededError,
      { code: "context_length_exceeded" },
    ],
    [
      "an `error` object without type and without an event line",
      `data: ${JSON.stringify({ error: { code: "server_is_overloaded", message: "busy", type: "server_error", param: "model" } })}\n\n`,
      ServerOverloadedError,
      { code: "server_is_overloaded", type: "server_error", param: "model" },
    ],
    [
      "event: error, a payload whose type is not `error`",
      `event: error\ndata: ${JSON.stringify({ type: "response.failed", error: { code: "weird", message: "odd" } })}\n\n`,
      RetryableStreamError,
      { code: "weird" },
    ],
    ["event: error, null", "event: error\ndata: null\n\n", RetryableStreamError, {}],
    ["event: error, a string", 'event: error\ndata: "boom text"\n\n', RetryableStreamError, {}],
    ["event: error, a number", "event: error\ndata: 42\n\n", RetryableStreamError, {}],
    [
      "event: error, not JSON",
      "event: error\ndata: upstream fell over\n\n",
      RetryableStreamError,
      {},
    ],
  ];

  for (const [name, body, cls, fields] of cases) {
    it(`${name} -> ${cls.name}`, async () => {
      server = await startServer({ headers: SSE, chunks: [frame(created, "\n"), body] });
      const error = await streamError(server);
      expect(error).toBeInstanceOf(cls);
      expect(error.name).toBe(cls.name);
      expect(error).toMatchObject(fields);
    });
  }

  it("quotes a payload that is not an object, scrubbed", async () => {
    server = await startServer({
      headers: SSE,
      chunks: [`event: error\ndata: "rejected key ${TOKEN} for user"\n\n`],
    });
    const error = await streamError(server);
    expect(error.message).toContain("rejected key [redacted] for user");
    expect(error.message).not.toContain(TOKEN);
    expect(String(error.stack)).not.toContain(TOKEN);
  });

  it("the number and null payloads are quoted too", async () => {
    server = await startServer({ headers: SSE, chunks: ["event: error\ndata: 42\n\n"] });
    expect((await streamError(server)).message).toContain("42");
  });
});

describe("code, param and type on HTTP errors", () => {
  it("a 400 carries all three", async () => {
    const body = {
      error: {
        message: "bad input",
        code: "bad_input",
        param: "input",
        type: "invalid_request_error",
      },
    };
    server = await startServer({
      status: 400,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const error = await requestError(server);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({
      code: "bad_input",
      param: "input",
      type: "invalid_request_error",
      status: 400,
    });
  });

  it("a 429 RateLimitError carries code, type and the headers' rate limits", async () => {
    const body = { error: { message: "slow down", code: "rate_limit_exceeded", type: "requests" } };
    server = await startServer({
      status: 429,
      headers: { "x-codex-primary-used-percent": "90", "x-codex-primary-window-minutes": "60" },
      body: JSON.stringify(body),
    });
    const error = (await requestError(server)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: "rate_limit_exceeded", type: "requests", retryable: true });
    expect(error.rateLimits?.primary).toEqual({ usedPercent: 90, windowMinutes: 60 });
  });
});

describe("usage limits", () => {
  const usageLimit = {
    error: {
      type: "usage_limit_reached",
      message: "The usage limit has been reached",
      plan_type: "pro",
      resets_at: 1738888888,
    },
  };

  it("a 429 usage_limit_reached is a UsageLimitReachedError, never retried", async () => {
    server = await startServer({
      status: 429,
      headers: {
        "x-codex-active-limit": "codex",
        "x-codex-primary-used-percent": "100",
        "x-codex-primary-window-minutes": "15",
        "retry-after": "0",
      },
      body: JSON.stringify(usageLimit),
    });
    let error: UsageLimitReachedError | undefined;
    try {
      await clientFor(
        server,
        { ...ONE_ATTEMPT, retry: { maxAttempts: 3, retry429: true } },
        WITH_TOKEN,
      ).responses.stream(REQUEST);
    } catch (e) {
      error = e as UsageLimitReachedError;
    }
    expect(error).toBeInstanceOf(UsageLimitReachedError);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({
      name: "UsageLimitReachedError",
      retryable: false,
      planType: "pro",
      resetsAt: 1738888888,
      limitName: "codex",
      type: "usage_limit_reached",
      attempts: 1,
    });
    expect(error?.rateLimits?.primary).toEqual({ usedPercent: 100, windowMinutes: 15 });
    expect(error?.message).toMatch(/usage limit reached \(plan pro\), resets at 2025-02-07/);
    expect(server.requests).toHaveLength(1);
  });

  it("a 429 usage_not_included is a UsageNotIncludedError", async () => {
    server = await startServer({
      status: 429,
      body: JSON.stringify({ error: { type: "usage_not_included", message: "upgrade" } }),
    });
    const error = await requestError(server);
    expect(error).toBeInstanceOf(UsageNotIncludedError);
    expect(error.retryable).toBe(false);
  });
});

describe("401 details", () => {
  it("reads identityErrorCode from x-error-json and authorizationError", async () => {
    const encoded = Buffer.from(JSON.stringify({ error: { code: "token_expired" } })).toString(
      "base64",
    );
    server = await startServer({
      status: 401,
      headers: { "x-error-json": encoded, "x-openai-authorization-error": "missing_scope" },
      body: JSON.stringify({ error: { message: "unauthorized" } }),
    });
    const error = (await requestError(server)) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.identityErrorCode).toBe("token_expired");
    expect(error.authorizationError).toBe("missing_scope");
  });

  it("leaves both out when the header is not base64 JSON", async () => {
    server = await startServer({ status: 401, headers: { "x-error-json": "%%%" }, body: "{}" });
    const error = (await requestError(server)) as AuthError;
    expect(error.identityErrorCode).toBeUndefined();
    expect(error.authorizationError).toBeUndefined();
  });
});

describe("serverModel and limitName", () => {
  it("comes from the openai-model header after the other header events, then from response.created", async () => {
    const createdWithModel = (model: string) => ({
      type: "response.created",
      response: { id: "r1", headers: { "OpenAI-Model": model } },
    });
    server = await startServer({
      headers: {
        ...SSE,
        "openai-model": "gpt-a",
        "x-models-etag": '"e1"',
        "x-codex-primary-used-percent": "5",
        "x-codex-primary-window-minutes": "1",
      },
      chunks: [
        frame(createdWithModel("gpt-a"), "\n"),
        frame(createdWithModel("gpt-b"), "\n"),
        frame(completed, "\n"),
      ],
    });
    const seen = await events(server);
    expect(seen.map((e) => (e.type === "serverModel" ? `model:${e.model}` : e.type))).toEqual([
      "rateLimits",
      "modelsEtag",
      "model:gpt-a",
      "created",
      "model:gpt-b",
      "created",
      "completed",
    ]);
  });

  it("limitName comes from x-<family>-limit-name", () => {
    const snapshot = parseRateLimits({
      "x-codex-primary-used-percent": "10",
      "x-codex-primary-window-minutes": "5",
      "x-codex-limit-name": "Codex",
      "x-codex-other-primary-used-percent": "20",
      "x-codex-other-primary-window-minutes": "5",
      "x-codex-other-limit-name": "Other model",
    });
    expect(snapshot.limitName).toBe("Codex");
    expect(snapshot.limits?.["codex_other"]?.limitName).toBe("Other model");
  });
});
