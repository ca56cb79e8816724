// Fault-matrix rows of the third hardening round: odd server values (a reset time past the Date
// range, a delay of 400 digits, a rate-limit family named `__proto__`), secrets a server echoes
// outside `message` and in URLs, a token that rotates on every call, and error bodies larger than
// what is read of them, with and without a Content-Length.
import type { IncomingMessage, ServerResponse } from "node:http";
import { connectResponses } from "../../src/websocket/index.js";
import {
  AuthError,
  IncompleteResponseError,
  InvalidRequestError,
  InvalidResponseError,
  RateLimitError,
  RetryableStreamError,
  ServerError,
  UsageLimitReachedError,
  type ClientOptions,
  type CodexApiError,
  type ResponseEvent,
} from "../../src/index.js";
import {
  callOnce,
  completed,
  created,
  ENDPOINTS,
  rawHttp,
  STREAM_REQUEST,
  type EndpointName,
  type FaultCase,
  type RunContext,
} from "./cases.js";
import { SECRET_TOKEN } from "./harness.js";
import { pump, requests, sentUnder } from "./hardening.js";
import { mockSocket } from "./websocket-cases.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const ROUND3_CASES: FaultCase[] = [];
const all = (fn: (e: EndpointName) => Omit<FaultCase, "endpoint"> | undefined) => {
  for (const endpoint of ENDPOINTS) {
    const c = fn(endpoint);
    if (c) ROUND3_CASES.push({ ...c, endpoint });
  }
};
const MiB = 1024 * 1024;
const sse = (payloads: unknown[]) => payloads.map((p) => `data: ${JSON.stringify(p)}\n\n`).join("");

/** A raw server answering every request with `status`, a JSON `body` and `headers`. */
const replying =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    rawHttp((_req, res) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    });

// Odd values --------------------------------------------------------------------------------------

const RESETS = [1e13, Number.MAX_SAFE_INTEGER, -1e13, "NaN", "1e400"];
for (const resetsAt of RESETS) {
  const body = { error: { type: "usage_limit_reached", message: "limit", resets_at: resetsAt } };
  all((e) => ({
    fault: `429 usage_limit_reached, resets_at ${String(resetsAt)}`,
    setup: replying(429, body),
    run: ({ client }) => callOnce(e, client),
    expect: { error: UsageLimitReachedError, status: 429, retryable: false, attempts: 1 },
  }));
}
// The same reply refusing a WebSocket upgrade: built inside a `ws` listener, where a throw
// would end the process hosting the client.
ROUND3_CASES.push({
  fault: "upgrade 429 usage_limit_reached, resets_at 1e13",
  endpoint: "websocket",
  setup: () =>
    mockSocket(
      {},
      {
        upgrade: {
          status: 429,
          body: JSON.stringify({ error: { type: "usage_limit_reached", resets_at: 1e13 } }),
        },
      },
    ),
  run: async (ctx) => {
    const socket = connectResponses(ctx.client);
    try {
      for await (const _ of await socket.stream(STREAM_REQUEST)) void _;
    } finally {
      await socket.close();
    }
  },
  expect: { error: UsageLimitReachedError, status: 429, retryable: false, attempts: 1 },
});

all((e) => ({
  fault: "429 with a retry-after-ms of 400 digits",
  setup: replying(429, { error: { message: "slow down" } }, { "retry-after-ms": "9".repeat(400) }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: RateLimitError, status: 429, attempts: 3 },
  check: (_ctx, { error }) => {
    const ms = (error as RateLimitError).retryAfterMs;
    return ms !== undefined && Number.isFinite(ms) && ms <= 2 ** 31 - 1
      ? []
      : [`retryAfterMs ${ms}, want a finite delay a timer can hold`];
  },
}));

ROUND3_CASES.push({
  fault: "rate-limit families named __proto__ and constructor",
  endpoint: "responses",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "x---proto---primary-used-percent": "50",
        "x-constructor-primary-used-percent": "60",
      });
      res.end(sse([created, completed]));
    }),
  run: ({ client }) => callOnce("responses", client),
  expect: { ok: true },
  check: (_ctx, { value }) => {
    const first = (value as ResponseEvent[])[0];
    const limits = first?.type === "rateLimits" ? first.snapshot.limits : undefined;
    if (!limits) return ["no rateLimits event with limits"];
    const problems: string[] = [];
    if (Object.getPrototypeOf(limits) !== Object.prototype)
      problems.push("limits' prototype changed");
    if (Object.keys(limits).join() !== "__proto__,constructor") {
      problems.push(`families ${Object.keys(limits).join()}`);
    }
    return problems;
  },
});

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

// Error bodies larger than what is read of them ---------------------------------------------------

/** A reply of `status` with `size` bytes of `fill` after `head`, declared in Content-Length. */
function declared(status: number, type: string, head: string, size: number, sent: number[]) {
  return () =>
    rawHttp((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status, { "content-type": type, "content-length": String(size) });
      res.write(head);
      pump(res, Buffer.alloc(MiB, 0x20), Math.ceil((size - head.length) / MiB), sent);
    });
}

all((e) => {
  const sent: number[] = [];
  return {
    fault: "503 with a 150 MB body and a Content-Length",
    deadlineMs: 10_000,
    setup: declared(503, "text/html", "<h1>busy</h1>", 150 * MiB, sent),
    run: ({ client }) => callOnce(e, client),
    expect: { error: ServerError, status: 503, retryable: true, attempts: 3 },
    check: (ctx, { error }) => [
      ...sentUnder(sent, 16 * MiB, 3)(),
      ...((error as Error).message.includes("<h1>busy</h1>") ? [] : ["the body is not quoted"]),
    ],
  };
});

all((e) => {
  const sent: number[] = [];
  const head = JSON.stringify({ error: { message: "quoted from a long body", code: "bad" } });
  return {
    fault: "400 JSON error body over 64 KiB with a Content-Length",
    setup: () =>
      rawHttp((_req, res) => {
        const body = head + " ".repeat(100 * 1024);
        res.writeHead(400, {
          "content-type": "application/json",
          "content-length": String(body.length),
        });
        res.end(body);
        sent.push(body.length);
      }),
    run: ({ client }) => callOnce(e, client),
    expect: { error: InvalidRequestError, status: 400, retryable: false, attempts: 1 },
    check: (_ctx, { error }) =>
      (error as Error).message.includes("(empty body)") ? ["reported as (empty body)"] : [],
  };
});

ROUND3_CASES.push({
  fault: "text/html 2xx page over 64 KiB with a Content-Length",
  endpoint: "responses",
  setup: declared(200, "text/html", "<title>portal</title>", 5 * MiB, []),
  run: ({ client }) => callOnce("responses", client),
  expect: { error: InvalidResponseError, status: 200, retryable: false, attempts: 1 },
  check: (_ctx, { error }) =>
    (error as Error).message.includes("portal") ? [] : ["the page is not quoted"],
});
