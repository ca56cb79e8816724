// Fault-matrix rows of the third hardening round: odd server values (a reset time past the Date
// range, a delay of 400 digits, a rate-limit family named `__proto__`) and error bodies larger than
// what is read of them, with and without a Content-Length. Secrets: round3-secrets.ts.
import {
  callOnce,
  completed,
  created,
  type EndpointName,
  ENDPOINTS,
  type FaultCase,
  rawHttp,
  STREAM_REQUEST,
} from "./kit.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { connectResponses } from "../../src/websocket/index.js";
import {
  InvalidRequestError,
  InvalidResponseError,
  RateLimitError,
  ServerError,
  UsageLimitReachedError,
  type ResponseEvent,
} from "../../src/index.js";
import { pump, sentUnder } from "./hardening.js";
import { mockSocket } from "./websocket-cases.js";

/** The rows of this file and round3-secrets.ts, appended to the matrix by matrix.test.ts. */
export const ROUND3_CASES: FaultCase[] = [];
/** Adds the row `fn` gives for each HTTP endpoint. */
export const all = (fn: (e: EndpointName) => Omit<FaultCase, "endpoint"> | undefined) => {
  for (const endpoint of ENDPOINTS) {
    const c = fn(endpoint);
    if (c) ROUND3_CASES.push({ ...c, endpoint });
  }
};
const MiB = 1024 * 1024;
export const sse = (payloads: unknown[]) =>
  payloads.map((p) => `data: ${JSON.stringify(p)}\n\n`).join("");

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
