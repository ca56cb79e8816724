// Fault-matrix rows of the third hardening round about secrets: a server echoing the token outside
// `message` (param, type, code, request id, authorization error, limit name, an incomplete reason, an
// event type), secret-named query parameters in URLs, text built to make the scrubber backtrack, and
// a token that an AuthProvider rotates on every call.
import { callOnce, created, rawHttp, STREAM_REQUEST } from "./kit.js";
import type { IncomingMessage } from "node:http";
import {
  AuthError,
  IncompleteResponseError,
  InvalidRequestError,
  RetryableStreamError,
  UsageLimitReachedError,
  type ClientOptions,
  type CodexApiError,
} from "../../src/index.js";
import { requests } from "./hardening.js";
import { SECRET_TOKEN } from "./harness.js";
import { all, ROUND3_CASES, sse } from "./round3.js";

// Secrets outside `message` -----------------------------------------------------------------------

/** The request's bearer token, as a careless server echoes it. */
const tokenOf = (req: IncomingMessage) => String(req.headers.authorization).replace("Bearer ", "");

all((e) => ({
  fault: "secrets echoed in param, type, code, x-request-id and x-openai-authorization-error",
  setup: () =>
    rawHttp((req, res) => {
      const token = tokenOf(req);
      res.writeHead(401, {
        "content-type": "application/json",
        "x-openai-authorization-error": `bad token ${token}`,
        "x-request-id": `req-${token}`,
      });
      const error = { message: "no", param: token, type: `t_${token}`, code: `c_${token}` };
      res.end(JSON.stringify({ error }));
    }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: AuthError, status: 401, retryable: false },
}));

all((e) => ({
  fault: "429 usage limit echoing the key in x-codex-active-limit",
  setup: () =>
    rawHttp((req, res) => {
      res.writeHead(429, {
        "content-type": "application/json",
        "x-codex-active-limit": `limit-${String(req.headers["api-key"])}`,
        "x-codex-primary-used-percent": "100",
      });
      res.end(JSON.stringify({ error: { type: "usage_limit_reached", plan_type: "pro" } }));
    }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: UsageLimitReachedError, status: 429, retryable: false },
}));

/** A stream whose last event echoes the token in the given fields. */
const streamEcho = (last: (token: string) => unknown) => () =>
  rawHttp((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(sse([created, last(tokenOf(req))]));
  });

ROUND3_CASES.push(
  {
    fault: "response.incomplete whose reason echoes the token",
    endpoint: "responses",
    setup: streamEcho((token) => ({
      type: "response.incomplete",
      response: { id: "r", status: "incomplete", incomplete_details: { reason: token } },
    })),
    run: ({ client }) => callOnce("responses", client),
    expect: { error: IncompleteResponseError, retryable: false },
  },
  {
    fault: "SSE error event echoing the token in param, type and code",
    endpoint: "responses",
    setup: streamEcho((token) => ({
      type: "error",
      error: { message: "bad", param: token, type: `t_${token}`, code: `c_${token}` },
    })),
    run: ({ client }) => callOnce("responses", client),
    expect: { error: RetryableStreamError, retryable: true },
  },
  {
    fault: "SSE event whose type is the token (onSseEvent telemetry)",
    endpoint: "responses",
    setup: streamEcho((token) => ({ type: `response.${token}` })),
    run: async ({ client }) => {
      // Read up to the echo, which has no terminal event after it.
      const stream = await client.responses.stream(STREAM_REQUEST);
      const seen: string[] = [];
      try {
        for await (const event of stream) seen.push(event.type);
      } catch {
        // closed before response.completed: expected
      }
      return seen;
    },
    expect: { ok: true },
    expectedValue: ["created"],
  },
  {
    fault: "secret-named query parameters echoed in a URL",
    endpoint: "responses",
    setup: () =>
      rawHttp((req, res) => {
        res.writeHead(400, { "content-type": "application/json" });
        // Values the client never sent: only their parameter's name says they are secret.
        void req;
        const url =
          "https://h.example/x?subscription-key=SECRET-5c-q&api-key=SECRET-6d-q&sig=SECRET-22-q&ok=1";
        res.end(JSON.stringify({ error: { message: `see ${url}`, param: url } }));
      }),
    run: ({ client }) => callOnce("responses", client),
    expect: { error: InvalidRequestError, status: 400, retryable: false },
    check: (_ctx, { error }) =>
      (error as CodexApiError).message.includes("ok=1") ? [] : ["the harmless parameter is gone"],
  },
);

// Text that makes a backtracking pattern take seconds: the scrubber reads it in linear time.
all((e) => {
  let tookMs = 0;
  return {
    fault: "error body crafted to backtrack the scrubber's URL patterns",
    setup: () =>
      rawHttp((_req, res) => {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end(`= ?${"key".repeat(1_000)} ${"a.".repeat(30_000)}://`);
      }),
    run: async ({ client }) => {
      const started = performance.now();
      try {
        return await callOnce(e, client);
      } finally {
        tookMs = performance.now() - started;
      }
    },
    expect: { error: InvalidRequestError, status: 400, retryable: false, attempts: 1 },
    check: () => (tookMs < 1_000 ? [] : [`the call took ${Math.round(tookMs)} ms`]),
  };
});

// A token that rotates on every attempt ---------------------------------------------------------

const ROTATIONS = 80;
all((e) => {
  let n = 0;
  return {
    fault: `token rotating on every call (${ROTATIONS} calls), echoed with the api-key in 400s`,
    deadlineMs: 15_000,
    setup: () =>
      rawHttp((req, res) => {
        res.writeHead(400, { "content-type": "application/json" });
        // The provider's api-key too: what the client was created with is never forgotten.
        const message = `bad ${tokenOf(req)} with key ${String(req.headers["api-key"])}`;
        res.end(JSON.stringify({ error: { message, param: tokenOf(req) } }));
      }),
    options: (base: ClientOptions) => ({
      ...base,
      // Every token carries the harness's marker: any leak is found.
      auth: { bearerToken: () => `${SECRET_TOKEN}-rotation-${++n}` },
    }),
    run: async ({ client }) => {
      let last: unknown;
      for (let i = 0; i < ROTATIONS; i++) last = await callOnce(e, client).catch((x: unknown) => x);
      throw last;
    },
    expect: { error: InvalidRequestError, status: 400, retryable: false },
    check: requests(ROTATIONS),
  };
});
