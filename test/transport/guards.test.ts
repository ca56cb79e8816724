// What no retry can fix is refused once, before or at the first reply: header grammar, redirects,
// compression modes, a runtime that refuses network access, a 2xx of the wrong type on /responses.
// Hooks and loggers can never break a request; auth calls are raced against abort and timeout; no
// listener stays on the caller's signal.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  CodexApiError,
  ContextWindowExceededError,
  InvalidRequestError,
  InvalidResponseError,
  RequestTimeoutError,
  TransportError,
  type AuthProvider,
  type ResponseItem,
} from "../../src/index.js";
import { json, stall, serveEach } from "../helpers/server.js";
import {
  REQUEST,
  clientFor,
  fakeTimeouts,
  rejection,
  turn,
  until,
  sleep,
} from "../helpers/calls.js";

const TOKEN = "sk-guard-SECRET-42";
const ITEM = { type: "message", role: "user", content: [] } as unknown as ResponseItem;
const OK = json(200, { output: [ITEM] });
const INPUT = { model: "gpt-test", input: [ITEM], instructions: "" };
const COMPLETED = {
  type: "response.completed",
  response: { id: "resp_1", status: "completed", output: [] },
};
const SSE = `event: response.completed\ndata: ${JSON.stringify(COMPLETED)}\n\n`;

const serve = serveEach();

/** Collects unhandled rejections while `task` runs and for `settleMs` after. */
async function unhandledDuring(task: () => Promise<unknown>, settleMs = 50): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    await task();
    await sleep(settleMs);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  return seen;
}

describe("header grammar, checked before sending", () => {
  it.each([
    ["a NUL in the token", { bearerToken: () => "tok\0en" }, "Authorization"],
    ["a CR in the token", { bearerToken: () => "tok\ren" }, "Authorization"],
    [
      "a character above U+00FF in the account id",
      { bearerToken: () => "tok", accountId: () => "acct→1" },
      "ChatGPT-Account-ID",
    ],
  ] as [string, AuthProvider, string][])(
    "%s is an InvalidRequestError naming the header, not its value",
    async (_, auth, name) => {
      const server = await serve(OK);
      const error = await rejection(clientFor(server, {}, { auth }).compact.compactInput(INPUT));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(name);
      expect(error.message).not.toMatch(/tok|acct/);
      expect(String(error.cause ?? "")).not.toMatch(/tok|acct/);
      expect(server.requests).toHaveLength(0);
    },
  );

  it("a per-call header name fetch refuses is an InvalidRequestError; nothing is sent", async () => {
    const server = await serve(OK);
    const call = clientFor(server).compact.compactInput(INPUT, { headers: { "bad name": "v" } });
    const error = await rejection(call);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain('"bad name" is not a valid header name');
    expect(server.requests).toHaveLength(0);
  });
});

describe("redirects are never followed", () => {
  it("a cross-origin 307 is a non-retryable InvalidRequestError naming the status and origin", async () => {
    const other = await serve(OK);
    const target = other.url.replace("http://", "http://user:pw-SECRET@");
    const server = await serve(json(307, "", { location: `${target}/steal?x=1` }));
    const error = await rejection(
      clientFor(server, {
        baseUrl: server.url,
        headers: { "api-key": "azure-SECRET" },
      }).compact.compactInput(INPUT),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ status: 307, code: "redirect", retryable: false, attempts: 1 });
    expect(error.message).toContain(`HTTP 307 redirect to ${other.url}`);
    expect(error.message).not.toMatch(/SECRET|steal/);
    expect(server.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
  });

  it("a redirect loop makes one request", async () => {
    const server = await serve();
    server.setReplies(json(302, "", { location: `${server.url}/responses/compact` }));
    const error = await rejection(clientFor(server).compact.compactInput(INPUT));
    expect(error).toMatchObject({ status: 302, code: "redirect", retryable: false });
    expect(server.requests).toHaveLength(1);
  });
});

describe("compression", () => {
  it("an unknown mode rejects with InvalidRequestError before sending", async () => {
    const server = await serve((_req, res) => res.end(SSE));
    const call = clientFor(server).responses.stream(REQUEST, { compression: "br" as never });
    const error = await rejection(call);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain('"br"');
    expect(server.requests).toHaveLength(0);
  });

  it("gzip where the runtime has no CompressionStream rejects with InvalidRequestError", async () => {
    const server = await serve((_req, res) => res.end(SSE));
    const saved = globalThis.CompressionStream;
    delete (globalThis as { CompressionStream?: unknown }).CompressionStream;
    let error: CodexApiError;
    try {
      error = await rejection(clientFor(server).responses.stream(REQUEST, { compression: "gzip" }));
    } finally {
      globalThis.CompressionStream = saved;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain("CompressionStream");
    expect(server.requests).toHaveLength(0);
  });
});

describe("a runtime that refuses network access", () => {
  it.each(["NotCapable", "PermissionDenied", "SecurityError"])(
    "an error named %s from fetch is a TransportError that is not retried",
    async (name) => {
      let calls = 0;
      const refusing = (() => {
        calls++;
        const error = new Error(`Requires net access to "127.0.0.1:1"`);
        error.name = name;
        return Promise.reject(error);
      }) as typeof fetch;
      const error = await rejection(
        clientFor({ url: "http://127.0.0.1:1" }, {}, { fetch: refusing }).compact.compactInput(
          INPUT,
        ),
      );
      expect(error).toBeInstanceOf(TransportError);
      expect(error).toMatchObject({ retryable: false, attempts: 1 });
      expect(error.message).toContain(name);
      expect(calls).toBe(1);
    },
  );
});

describe("a 2xx reply on /responses that is not SSE", () => {
  it("text/html is a non-retryable InvalidResponseError quoting the scrubbed start of the body", async () => {
    const page = `<html><body>Gateway says hi to Bearer ${TOKEN}</body></html>`;
    const server = await serve({
      status: 200,
      headers: { "content-type": "text/html" },
      body: page,
    });
    const error = await rejection(clientFor(server, {}, { auth: TOKEN }).responses.stream(REQUEST));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ status: 200, retryable: false, attempts: 1 });
    expect(error.message).toContain(
      "text/html, not text/event-stream: <html><body>Gateway says hi",
    );
    expect(error.message).not.toContain(TOKEN);
    expect(server.requests).toHaveLength(1);
  });

  it("a JSON error body is mapped by its code", async () => {
    const body = { error: { code: "context_length_exceeded", message: "input too long" } };
    const server = await serve(json(200, body));
    const error = await rejection(clientFor(server).responses.stream(REQUEST));
    expect(error).toBeInstanceOf(ContextWindowExceededError);
    expect(error.message).toContain("input too long");
    expect(server.requests).toHaveLength(1);
  });

  it("text/event-stream with parameters, or no Content-Type at all, is read as SSE", async () => {
    const server = await serve(
      { status: 200, headers: { "content-type": "Text/Event-Stream; charset=utf-8" }, body: SSE },
      (_req, res) => {
        res.writeHead(200);
        res.end(SSE);
      },
    );
    for (let i = 0; i < 2; i++) {
      const result = await (await clientFor(server).responses.stream(REQUEST)).collect();
      expect(result.responseId).toBe("resp_1");
    }
  });
});

describe("hooks and the logger never break a request", () => {
  it("an async hook that rejects is reported via logger.warn, scrubbed, never unhandled", async () => {
    const warnings: unknown[][] = [];
    const server = await serve(json(503, "busy"), OK);
    const unhandled = await unhandledDuring(async () => {
      const client = clientFor(
        server,
        {},
        {
          auth: TOKEN,
          logger: { warn: (...args) => warnings.push(args) },
          telemetry: {
            onRequest: async () => Promise.reject(new Error(`hook saw ${TOKEN}`)),
            onRetry: () => Promise.reject(new Error("retry hook failed")),
          },
        },
      );
      await expect(client.compact.compactInput(INPUT)).resolves.toEqual([ITEM]);
    });
    expect(unhandled).toEqual([]);
    const reported = warnings.filter((w) => /telemetry hook/.test(String(w[0])));
    expect(reported.map((w) => String(w[0]).split(" ")[2])).toEqual(
      expect.arrayContaining(["onRequest", "onRetry"]),
    );
    expect(reported).toHaveLength(3);
    expect(JSON.stringify(warnings.map((w) => w.map(String)))).not.toContain(TOKEN);
  });

  it("a logger whose every method throws is ignored", async () => {
    const throwing = () => {
      throw new Error("logger down");
    };
    const logger = { debug: throwing, info: throwing, warn: throwing, error: throwing };
    const server = await serve(json(503, "busy"), OK);
    const unhandled = await unhandledDuring(async () => {
      const telemetry = { onRequest: () => Promise.reject(new Error("and a failing hook")) };
      const client = clientFor(server, {}, { logger, telemetry });
      await expect(client.compact.compactInput(INPUT)).resolves.toEqual([ITEM]);
    });
    expect(unhandled).toEqual([]);
  });
});

describe("auth calls are raced against abort and the request timeout", () => {
  const never = () => new Promise<string>(() => {});

  afterEach(() => {
    vi.useRealTimers();
  });

  it("a bearerToken() that never answers ends with RequestTimeoutError, nothing sent", async () => {
    fakeTimeouts();
    const server = await serve(OK);
    const client = clientFor(server, { requestTimeoutMs: 100 }, { auth: { bearerToken: never } });
    let error: CodexApiError | undefined;
    void rejection(client.compact.compactInput(INPUT)).then((e) => (error = e));
    await until(() => vi.getTimerCount() > 0, "the auth call's timer");
    vi.advanceTimersByTime(99);
    for (let t = 0; t < 20; t++) await turn();
    expect(error).toBeUndefined();
    vi.advanceTimersByTime(1); // the request timeout bounds the auth call
    await until(() => error !== undefined, "the request timeout");
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(server.requests).toHaveLength(0);
  });

  it("an abort while accountId() is pending is an AbortError whose cause is the reason; a late rejection is not unhandled", async () => {
    const server = await serve(OK);
    const reason = new Error("user pressed stop");
    const controller = new AbortController();
    const late = () =>
      new Promise<string>((_, reject) => setTimeout(() => reject(new Error("late")), 80));
    let error: CodexApiError | undefined;
    const unhandled = await unhandledDuring(async () => {
      const client = clientFor(server, {}, { auth: { bearerToken: () => "t", accountId: late } });
      setTimeout(() => controller.abort(reason), 20);
      error = await rejection(client.compact.compactInput(INPUT, { signal: controller.signal }));
    }, 120);
    expect(error).toBeInstanceOf(AbortError);
    expect(error!.cause).toBe(reason);
    expect(unhandled).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it("an onUnauthorized() that never answers after a 401 ends with RequestTimeoutError", async () => {
    const server = await serve(json(401, { error: { message: "expired" } }), OK);
    const client = clientFor(
      server,
      { requestTimeoutMs: 100 },
      { auth: { bearerToken: () => "t", onUnauthorized: () => new Promise<boolean>(() => {}) } },
    );
    const error = await rejection(client.compact.compactInput(INPUT));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.message).toContain("auth provider");
    expect(server.requests).toHaveLength(1);
  });
});

describe("no listener stays on the caller's signal", () => {
  it("after a JSON call succeeds, fails after retries, times out or a stream is read", async () => {
    const server = await serve(OK, json(503, "x"), json(503, "x"), json(503, "x"), stall);
    const signal = new AbortController().signal;
    const client = clientFor(server, {
      requestTimeoutMs: 100,
      retry: { maxAttempts: 3, baseDelayMs: 1 },
    });
    await client.compact.compactInput(INPUT, { signal });
    await rejection(client.compact.compactInput(INPUT, { signal }));
    await rejection(client.memories.summarizeInput({ model: "m", rawMemories: [] }, { signal }));
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
    const sse = await serve((_req, res) => res.end(SSE));
    await (await clientFor(sse).responses.stream(REQUEST, { signal })).collect();
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });
});
