// The transport against a real HTTP server on 127.0.0.1: streams, HTTP error mapping, auth per
// attempt and 401 refresh, redaction and telemetry (retries are in retries.test.ts).

import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  AuthError,
  CodexApiError,
  ContextWindowExceededError,
  InvalidRequestError,
  QuotaExceededError,
  RequestTimeoutError,
  ServerError,
  ServerOverloadedError,
  StreamError,
  TransportError,
  type AuthProvider,
  type Logger,
  type RequestTelemetry,
  type RetryTelemetry,
  type Telemetry,
} from "../../src/index.js";
import { json, refusedPort, sseFrame, stall, serveEach } from "../helpers/server.js";
import {
  REQUEST,
  clientFor,
  fakeTimeouts,
  rejection,
  turn,
  until,
  sleep,
} from "../helpers/calls.js";

import { compact, ITEM, OK } from "./kit.js";

const serve = serveEach();
afterEach(() => {
  vi.useRealTimers();
});

const sse = (payloads: Record<string, unknown>[]) => payloads.map(sseFrame).join("");

const sseHead = (res: ServerResponse) =>
  res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req-stream" });

describe("streams", () => {
  it("a request error before the stream is retried; stream() rejects once exhausted", async () => {
    const server = await serve(json(503, "x"), (_req, res) => {
      sseHead(res);
      res.end(sse([{ type: "response.completed", response: { id: "r9" } }]));
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    expect((await stream.collect()).responseId).toBe("r9");
    expect(server.requests).toHaveLength(2);

    const failing = await serve(json(502, "bad gateway", { "x-request-id": "req-s" }));
    const error = await rejection(
      clientFor(failing, { retry: { maxAttempts: 2, baseDelayMs: 1 } }).responses.stream(REQUEST),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error.attempts).toBe(2);
    expect(error.requestId).toBe("req-s");
    expect(failing.requests).toHaveLength(2);
  });

  it("a stream that delivered an event is never sent again", async () => {
    const server = await serve((_req, res) => {
      sseHead(res);
      res.write(sse([{ type: "response.created", response: { id: "r1" } }]));
      setTimeout(() => res.destroy(), 50);
    }, OK);
    const stream = await clientFor(server, {
      retry: { maxAttempts: 5, baseDelayMs: 1 },
    }).responses.stream(REQUEST);
    const seen: string[] = [];
    let thrown: unknown;
    try {
      for await (const event of stream) seen.push(event.type);
    } catch (error) {
      thrown = error;
    }
    expect(seen).toEqual(["created"]);
    expect(thrown).toBeInstanceOf(StreamError);
    expect((thrown as StreamError).requestId).toBe("req-stream");
    await sleep(50);
    expect(server.requests).toHaveLength(1);
  });
});

describe("HTTP errors", () => {
  const once = { retry: { maxAttempts: 1 } };

  it("401 and 403 are AuthError", async () => {
    for (const status of [401, 403]) {
      const server = await serve(json(status, { error: { message: "no" } }));
      const error = await rejection(compact(server, once));
      expect(error).toBeInstanceOf(AuthError);
      expect(error.status).toBe(status);
      expect(error.retryable).toBe(false);
    }
  });

  it("4xx is InvalidRequestError with code and param from a nested or flat body", async () => {
    for (const status of [400, 404, 409, 422]) {
      const nested = await serve(
        json(status, {
          error: { message: "bad field", type: "invalid_request_error", code: "c1", param: "p1" },
        }),
      );
      const a = await rejection(compact(nested, once));
      expect(a).toBeInstanceOf(InvalidRequestError);
      expect(a).toMatchObject({ status, code: "c1", param: "p1", retryable: false });
      expect(a.message).toContain("bad field");
      expect(a.message).toContain(`POST ${nested.url}/responses/compact: HTTP ${status}`);

      const flat = await serve(json(status, { message: "flat field", code: "c2", param: "p2" }));
      const b = await rejection(compact(flat, once));
      expect(b).toBeInstanceOf(InvalidRequestError);
      expect(b).toMatchObject({ status, code: "c2", param: "p2" });
      expect(b.message).toContain("flat field");
    }
  });

  it("5xx is ServerError", async () => {
    for (const status of [500, 502, 503, 504]) {
      const server = await serve(json(status, { error: { message: "oops" } }));
      const error = await rejection(compact(server, once));
      expect(error).toBeInstanceOf(ServerError);
      expect(error.status).toBe(status);
      expect(error.message).toContain(String(status));
    }
  });

  it("a body code with a class of its own wins over the status", async () => {
    const cases: [number, string, new (...a: never[]) => CodexApiError][] = [
      [400, "context_length_exceeded", ContextWindowExceededError],
      [429, "insufficient_quota", QuotaExceededError],
      [503, "server_is_overloaded", ServerOverloadedError],
    ];
    for (const [status, code, cls] of cases) {
      const server = await serve(json(status, { error: { message: `m-${code}`, code } }));
      const error = await rejection(compact(server, { retry: { maxAttempts: 1, retry429: true } }));
      expect(error).toBeInstanceOf(cls);
      expect(error.status).toBe(status);
      expect(error.message).toContain(`m-${code}`);
    }
  });

  it("an HTML gateway page is a ServerError quoting the status and the page", async () => {
    const page =
      "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center></body></html>";
    const server = await serve({
      status: 502,
      headers: { "content-type": "text/html" },
      body: page,
    });
    const error = await rejection(compact(server, once));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toContain("502");
    expect(error.message).toContain("<title>502 Bad Gateway</title>");
  });

  it("every HTTP error carries x-request-id", async () => {
    for (const status of [400, 401, 403, 404, 429, 500, 503]) {
      const server = await serve(
        json(status, { error: { message: "x" } }, { "x-request-id": `r-${status}` }),
      );
      const error = await rejection(compact(server, once));
      expect(error.requestId).toBe(`r-${status}`);
      expect(error.headers?.get("x-request-id")).toBe(`r-${status}`);
    }
  });

  it("a refused connection is a retryable TransportError naming the failure", async () => {
    const port = await refusedPort();
    const error = await rejection(
      compact(`http://127.0.0.1:${port}/v1`, { retry: { maxAttempts: 3 } }),
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(3);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it("requestTimeoutMs with a silent server is a RequestTimeoutError and closes the socket", async () => {
    fakeTimeouts();
    const server = await serve(stall);
    let error: CodexApiError | undefined;
    void rejection(compact(server, { ...once, requestTimeoutMs: 150 })).then((e) => (error = e));
    await until(() => server.requests.length === 1, "the request");
    vi.advanceTimersByTime(149);
    for (let t = 0; t < 20; t++) await turn();
    expect(error).toBeUndefined();
    vi.advanceTimersByTime(1);
    await until(() => error !== undefined, "the request timeout");
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error!.retryable).toBe(true);
    expect(error!.message).toContain("150");
    // The runtime's own timers (fetch's socket bookkeeping) ran on the fake clock too: let them run.
    for (let t = 0; t < 5; t++) {
      vi.advanceTimersByTime(1_000);
      await turn();
    }
    vi.useRealTimers();
    await server.requestSocketsClosed();
    await until(() => server.openSockets() === 0, "every socket closed");
  });

  it("requestTimeoutMs covers the whole body of a JSON call", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"output": [');
    });
    const error = await rejection(compact(server, { ...once, requestTimeoutMs: 150 }));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    await server.requestSocketsClosed();
  });

  it("requestTimeoutMs covers the headers of a stream, and each attempt", async () => {
    const server = await serve(stall, stall);
    const error = await rejection(
      clientFor(server, {
        retry: { maxAttempts: 2, baseDelayMs: 1 },
        requestTimeoutMs: 100,
      }).responses.stream(REQUEST),
    );
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
    await server.requestSocketsClosed();
  });

  it("a caller abort is an AbortError, and the socket is closed", async () => {
    const server = await serve(stall);
    const controller = new AbortController();
    const settled = rejection(compact(server, {}, controller.signal));
    while (server.requests.length === 0) await sleep(5);
    controller.abort();
    const error = await settled;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.retryable).toBe(false);
    await server.requestSocketsClosed();
    expect(server.requests).toHaveLength(1);
  });

  it("an already aborted signal sends nothing", async () => {
    const server = await serve(OK);
    const error = await rejection(compact(server, {}, AbortSignal.abort()));
    expect(error).toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("401 refresh", () => {
  function refreshing(result: boolean) {
    const state = { token: "old", calls: 0 };
    const auth: AuthProvider = {
      bearerToken: () => state.token,
      onUnauthorized: async () => {
        state.calls++;
        state.token = "new";
        return result;
      },
    };
    return { state, auth };
  }

  it("sends once more with the new token, outside the retry budget", async () => {
    const { state, auth } = refreshing(true);
    const requests: RequestTelemetry[] = [];
    const server = await serve(json(401, { error: { message: "expired" } }), OK);
    await expect(
      compact(server, {
        auth,
        retry: { maxAttempts: 1 },
        telemetry: { onRequest: (i) => requests.push(i) },
      }),
    ).resolves.toEqual([ITEM]);
    expect(state.calls).toBe(1);
    expect(server.requests.map((r) => r.headers["authorization"])).toEqual([
      "Bearer old",
      "Bearer new",
    ]);
    expect(requests.map((r) => [r.attempt, r.status])).toEqual([
      [1, 401],
      [1, 200],
    ]);
  });

  it("the refresh leaves the whole retry budget", async () => {
    const { auth } = refreshing(true);
    const requests: RequestTelemetry[] = [];
    const server = await serve(json(401, "x"), json(503, "x"), json(503, "x"));
    const error = await rejection(
      compact(server, {
        auth,
        retry: { maxAttempts: 2 },
        telemetry: { onRequest: (i) => requests.push(i) },
      }),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error.attempts).toBe(2);
    expect(server.requests).toHaveLength(3);
    expect(requests.map((r) => r.attempt)).toEqual([1, 1, 2]);
  });

  it("a second 401 is an AuthError after exactly 2 sends", async () => {
    const { state, auth } = refreshing(true);
    const server = await serve(json(401, "x"), json(401, "x"), OK);
    const error = await rejection(compact(server, { auth }));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.attempts).toBe(1);
    expect(state.calls).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it("onUnauthorized resolving false is an AuthError after 1 send", async () => {
    const { state, auth } = refreshing(false);
    const server = await serve(json(401, "x"), OK);
    const error = await rejection(compact(server, { auth }));
    expect(error).toBeInstanceOf(AuthError);
    expect(state.calls).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("403 never calls onUnauthorized", async () => {
    const { state, auth } = refreshing(true);
    const server = await serve(json(403, "x"), OK);
    const error = await rejection(compact(server, { auth }));
    expect(error).toBeInstanceOf(AuthError);
    expect(state.calls).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it("a bearerToken() that throws is an AuthError with the cause, and nothing is sent", async () => {
    const server = await serve(OK);
    const boom = new Error("keychain locked");
    const error = await rejection(
      compact(server, { auth: { bearerToken: () => Promise.reject(boom) } }),
    );
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(/auth provider failed/);
    expect(error.cause).toBe(boom);
    expect(server.requests).toHaveLength(0);
  });

  it("an onUnauthorized() that rejects is an AuthError carrying the 401's details", async () => {
    const server = await serve(json(401, "x"), OK);
    const boom = new Error("refresh endpoint down");
    const auth = { bearerToken: () => "tok", onUnauthorized: () => Promise.reject(boom) };
    const error = await rejection(compact(server, { auth }));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(/onUnauthorized/);
    expect(error.status).toBe(401);
    expect(error.cause).toBe(boom);
    expect(server.requests).toHaveLength(1);
  });
});

describe("redaction", () => {
  const TOKEN = "sk-test-SECRET-123";
  const ACCOUNT = "acct-SECRET-9";
  const auth: AuthProvider = { bearerToken: () => TOKEN, accountId: () => ACCOUNT };

  function describeError(error: unknown, depth = 0): unknown {
    if (!(error instanceof Error) || depth > 5) return String(error);
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      string: String(error),
      fields: JSON.stringify(error),
      cause: describeError(error.cause, depth + 1),
    };
  }
  const replacer = (_key: string, value: unknown) =>
    value instanceof Error ? describeError(value) : value;

  it("no token or account id reaches errors, logs or telemetry", async () => {
    const lines: string[] = [];
    const record =
      (level: string) =>
      (...args: unknown[]) =>
        lines.push(`${level} ${JSON.stringify(args, replacer)}`);
    const logger: Logger = {
      debug: record("debug"),
      info: record("info"),
      warn: record("warn"),
      error: record("error"),
    };
    const payloads: string[] = [];
    const telemetry: Telemetry = {
      onRequest: (i) => payloads.push(JSON.stringify(i, replacer)),
      onRetry: (i) => payloads.push(JSON.stringify(i, replacer)),
      onSseEvent: (i) => payloads.push(JSON.stringify(i, replacer)),
    };
    const opts = { auth, logger, telemetry, retry: { maxAttempts: 2 }, requestTimeoutMs: 150 };
    const echo = `Incorrect API key provided: ${TOKEN} for account ${ACCOUNT}`;
    const server = await serve(
      json(401, { error: { message: echo, code: "invalid_api_key" } }),
      json(500, { error: { message: echo } }),
      json(500, `<html><body>${echo}</body></html>`),
      { status: 502, headers: { "content-type": "text/html" }, body: `<html>${echo}</html>` },
      { status: 502, headers: { "content-type": "text/html" }, body: `<html>${echo}</html>` },
      { status: 200, body: `not json ${echo}` },
      stall,
      stall,
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) errors.push(await rejection(compact(server, opts)));
    const port = await refusedPort();
    errors.push(await rejection(compact(`http://127.0.0.1:${port}`, opts)));
    expect(errors.map((e) => (e as Error).name)).toEqual([
      "AuthError",
      "ServerError",
      "ServerError",
      "InvalidResponseError",
      "RequestTimeoutError",
      "TransportError",
    ]);
    expect(lines.length).toBeGreaterThan(0);
    expect(payloads.length).toBeGreaterThan(0);
    const haystack = [
      ...errors.map((e) => JSON.stringify(describeError(e))),
      ...lines,
      ...payloads,
    ].join("\n");
    expect(haystack).not.toContain(TOKEN);
    expect(haystack).not.toContain(ACCOUNT);
    expect(haystack).not.toContain("SECRET");
    expect(server.requests[0]!.headers["authorization"]).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[0]!.headers["chatgpt-account-id"]).toBe(ACCOUNT);
  });
});

describe("telemetry", () => {
  it("onRequest after every attempt, onRetry before every wait", async () => {
    const events: string[] = [];
    const requests: RequestTelemetry[] = [];
    const retries: RetryTelemetry[] = [];
    const server = await serve(json(503, "x"), json(500, "y"), OK);
    await compact(server, {
      retry: { baseDelayMs: 5 },
      telemetry: {
        onRequest: (i) => {
          requests.push(i);
          events.push(`request ${i.attempt} (${server.requests.length} sent)`);
        },
        onRetry: (i) => {
          retries.push(i);
          events.push(`retry ${i.attempt} (${server.requests.length} sent)`);
        },
      },
    });
    expect(events).toEqual([
      "request 1 (1 sent)",
      "retry 1 (1 sent)",
      "request 2 (2 sent)",
      "retry 2 (2 sent)",
      "request 3 (3 sent)",
    ]);
    expect(requests.map((r) => [r.endpoint, r.attempt, r.status])).toEqual([
      ["compact", 1, 503],
      ["compact", 2, 500],
      ["compact", 3, 200],
    ]);
    expect(requests[0]!.error).toBeInstanceOf(ServerError);
    expect(requests[2]!.error).toBeUndefined();
    for (const r of requests) expect(r.durationMs).toBeGreaterThanOrEqual(0);
    for (const r of retries) {
      expect(r.endpoint).toBe("compact");
      expect(r.error).toBeInstanceOf(ServerError);
      expect(r.delayMs).toBeGreaterThan(0);
    }
  });

  it("a refused attempt is reported with its error and no status", async () => {
    const requests: RequestTelemetry[] = [];
    const port = await refusedPort();
    await rejection(
      compact(`http://127.0.0.1:${port}`, {
        retry: { maxAttempts: 2 },
        telemetry: { onRequest: (i) => requests.push(i) },
      }),
    );
    expect(requests.map((r) => r.attempt)).toEqual([1, 2]);
    for (const r of requests) {
      expect(r.status).toBeUndefined();
      expect(r.error).toBeInstanceOf(TransportError);
    }
  });

  it("a hook that throws is reported via logger.warn and the call still succeeds", async () => {
    const warnings: unknown[][] = [];
    const boom = new Error("hook exploded");
    const server = await serve(json(503, "x"), OK);
    await expect(
      compact(server, {
        logger: { warn: (...args) => warnings.push(args) },
        telemetry: {
          onRequest: () => {
            throw boom;
          },
          onRetry: () => {
            throw boom;
          },
        },
      }),
    ).resolves.toEqual([ITEM]);
    const hookWarnings = warnings.filter((w) => w[1] === boom);
    expect(hookWarnings).toHaveLength(3);
    for (const w of hookWarnings) expect(typeof w[0]).toBe("string");
  });
});
