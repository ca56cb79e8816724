// The WebSocket column of the fault matrix: every fault of cases.ts that applies to a socket, plus
// the socket's own (refused upgrades, in-band errors, binary and oversized frames, pings, the
// connection limit), through codex-api/websocket against the mock server (behind the counting TCP
// front) or a raw server of the test kit. Each run closes its socket, so the leak check holds.
import {
  completed,
  created,
  delta,
  failed,
  type FaultCase,
  front,
  rawNet,
  refused,
  resetSocket,
  type RunContext,
  type Served,
  SHORT,
  STREAM_REQUEST,
} from "./kit.js";
import { delaysEqual, FAILED_CODES, UNKNOWN_EVENT } from "./cases.js";
import {
  AbortError,
  AuthError,
  IncompleteResponseError,
  InvalidRequestError,
  InvalidResponseError,
  RequestTimeoutError,
  ServerError,
  StreamError,
  StreamIdleTimeoutError,
  TransportError,
  type ProviderConfig,
  type ResponseEvent,
} from "../../src/index.js";
import { startMockServer, type MockReply, type MockScript } from "../../src/testing/index.js";
import { connectResponses, type ResponsesSocket } from "../../src/websocket/index.js";
import { SECRET_ACCOUNT, SECRET_TOKEN } from "./harness.js";

/** The mock server with these `responses` replies and socket script, behind the counting front. */
export async function mockSocket(
  replies: MockReply | MockReply[],
  websocket: MockScript["websocket"] = {},
): Promise<Served> {
  // Connection: close on every reply, as in cases.ts: an HTTP fallback leaves no pooled socket.
  const list = (Array.isArray(replies) ? replies : [replies]).map((r) => ({
    ...r,
    headers: { ...r.headers, connection: "close" },
  }));
  const server = await startMockServer({ rateLimitHeaders: false, responses: list, websocket });
  return front({
    url: server.url,
    openConnections: () => server.openConnections(),
    requestCount: () => server.frames.length + server.requests.length,
    lastRequestId: () =>
      server.handshakes.length ? `req_ws_${server.handshakes.length}` : undefined,
    close: () => server.close(),
  });
}

const plain = () => mockSocket({});

/** Runs `fn` with a socket of the case's client, closed afterwards whatever happened. */
async function withSocket<T>(ctx: RunContext, fn: (socket: ResponsesSocket) => Promise<T>) {
  const socket = connectResponses(ctx.client);
  try {
    return await fn(socket);
  } finally {
    await socket.close();
  }
}

/** Every event of one request over a socket. */
export const events = (ctx: RunContext, signal?: AbortSignal) =>
  withSocket(ctx, async (socket) => {
    const stream = await socket.stream(STREAM_REQUEST, signal ? { signal } : {});
    const out: ResponseEvent[] = [];
    for await (const e of stream) out.push(e);
    return out;
  });

const run = (ctx: RunContext) => events(ctx);

export const WEBSOCKET_CASES: FaultCase[] = [];
const add = (c: Omit<FaultCase, "endpoint">) =>
  WEBSOCKET_CASES.push({ ...c, endpoint: "websocket" });
const STREAM_FAILED = { status: 101, requestId: "last" } as const;

// Connection ----------------------------------------------------------------------------------

add({
  fault: "connection refused",
  setup: refused,
  run,
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "reset before the upgrade",
  setup: () => rawNet(resetSocket),
  run,
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "stall before the upgrade reply",
  setup: () => rawNet(() => {}),
  run,
  expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
});
add({
  fault: "stall before the upgrade reply, past connectTimeoutMs",
  setup: () => rawNet(() => {}),
  requestTimeoutMs: 60_000,
  run: async (ctx) => {
    const socket = connectResponses(ctx.client, { connectTimeoutMs: 100 });
    try {
      return await socket.stream(STREAM_REQUEST);
    } finally {
      await socket.close();
    }
  },
  expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
});
add({
  fault: "reset after the upgrade, before a frame",
  setup: () => mockSocket({ events: SHORT, resetAfterBytes: 0 }),
  run,
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "reset mid-body",
  setup: () => mockSocket({ events: SHORT, resetAfterBytes: 150 }),
  run,
  expect: { error: StreamError, retryable: true, ...STREAM_FAILED },
});
add({
  fault: "server closes without a terminal event",
  setup: () => mockSocket({ events: SHORT, omitTerminal: true }),
  run,
  expect: { error: StreamError, retryable: true, ...STREAM_FAILED },
});
add({
  fault: "stall before the first frame",
  setup: () => mockSocket({ stallBeforeHeaders: true }),
  run,
  // Nothing was delivered: retried on a new connection, like a close at the same point.
  expect: { error: StreamIdleTimeoutError, retryable: true, attempts: 3 },
});
add({
  fault: "stall mid-stream",
  setup: () => mockSocket({ events: SHORT, stallAfterEvents: 2 }),
  run,
  expect: { error: StreamIdleTimeoutError, retryable: true, ...STREAM_FAILED },
});
add({
  fault: "stall mid-stream with pings",
  setup: () => mockSocket({ events: SHORT, stallAfterEvents: 2, keepAliveMs: 50 }),
  run,
  expect: { error: StreamIdleTimeoutError, retryable: true, ...STREAM_FAILED },
});

// Frames --------------------------------------------------------------------------------------

add({
  fault: "malformed JSON",
  setup: () => mockSocket({ events: SHORT, malformedAt: 2 }),
  run,
  expect: { error: StreamError, retryable: false, ...STREAM_FAILED },
});
add({
  fault: "binary frame",
  setup: () => mockSocket({ events: SHORT, binaryAt: 2 }),
  run,
  expect: { error: StreamError, retryable: false, ...STREAM_FAILED },
});
add({
  fault: "frame over limits.maxEventBytes",
  provider: { limits: { maxEventBytes: 64 * 1024 } } as Partial<ProviderConfig>,
  setup: () => mockSocket({ events: [created, delta("x".repeat(100_000)), completed] }),
  run,
  expect: { error: InvalidResponseError, retryable: false, ...STREAM_FAILED },
});
const BIG = [created, delta("x".repeat(10 * 1024 * 1024)), completed];
add({
  fault: "10 MB single frame",
  // As the HTTP 10 MB row: about delivery, not time (the deadline only bounds a hang).
  streamIdleTimeoutMs: Infinity,
  requestTimeoutMs: Infinity,
  deadlineMs: 30_000,
  setup: () => mockSocket({ events: BIG }),
  run: async (ctx) =>
    (await events(ctx)).map((ev) =>
      ev.type === "outputTextDelta" ? { type: ev.type, length: ev.delta.length } : ev,
    ),
  expect: { ok: true },
  baseline: () => mockSocket({ events: BIG }),
});
add({
  fault: "unknown event type",
  setup: () => mockSocket({ events: [created, UNKNOWN_EVENT, ...SHORT.slice(1)] }),
  run,
  expect: { ok: true },
  baseline: () => mockSocket({ events: SHORT }),
});
for (const [code, message, cls, retryable] of FAILED_CODES) {
  add({
    fault: `response.failed ${code ?? "(null code)"}`,
    setup: () => mockSocket({ events: [created, delta("hi"), failed(code, message)] }),
    run,
    expect: { error: cls, retryable, ...STREAM_FAILED },
  });
}
add({
  fault: "response.incomplete",
  setup: () =>
    mockSocket({
      events: [created, { type: "response.incomplete", response: { incomplete_details: {} } }],
    }),
  run,
  expect: { error: IncompleteResponseError, retryable: false, ...STREAM_FAILED },
});

// In-band errors and refused upgrades -----------------------------------------------------------

const limited = { status: 429, headers: { "retry-after-ms": "40" } };
add({
  fault: "in-band 429 storm with retry-after-ms",
  setup: () => mockSocket([limited, limited, {}]),
  run,
  expect: { ok: true },
  baseline: plain,
  check: delaysEqual((d) => d === 40, "exactly 40 (server delay, no jitter)", 2),
});
add({
  fault: "in-band 503 ×2 then success",
  setup: () => mockSocket([{ status: 503 }, { status: 503 }, {}]),
  run,
  expect: { ok: true },
  baseline: plain,
});
add({
  fault: "in-band 503 until retries are exhausted",
  setup: () => mockSocket({ status: 503 }),
  run,
  expect: { error: ServerError, status: 503, retryable: true, attempts: 3 },
});
const connectionLimit = {
  events: [{ type: "error", error: { code: "websocket_connection_limit_reached" } }],
};
add({
  fault: "connection limit reached, then a new connection",
  setup: () => mockSocket([connectionLimit, {}]),
  run,
  expect: { ok: true },
  baseline: plain,
});
const echo = JSON.stringify({
  error: { message: `token ${SECRET_TOKEN} account ${SECRET_ACCOUNT}` },
});
add({
  fault: "echoed secrets in an in-band error",
  setup: () => mockSocket({ status: 400, body: JSON.parse(echo) as unknown }),
  run,
  expect: { error: InvalidRequestError, status: 400, retryable: false },
});
add({
  fault: "echoed secrets in a refused upgrade",
  setup: () => mockSocket({}, { upgrade: { status: 400, body: echo } }),
  run,
  expect: { error: InvalidRequestError, status: 400, retryable: false, attempts: 1 },
});

const upgrade = (...answers: NonNullable<MockScript["websocket"]>["upgrade"][]) =>
  mockSocket({}, { upgrade: answers.flat() as never });
add({
  fault: "upgrade 426: HTTP from then on",
  setup: () => upgrade({ status: 426 }),
  run,
  expect: { ok: true },
  baseline: plain,
});
add({
  fault: 'upgrade 503 every time, fallbackToHttp "on-failure": HTTP from then on',
  setup: () => upgrade({ status: 503 }),
  run: async (ctx) => {
    const socket = connectResponses(ctx.client, { fallbackToHttp: "on-failure" });
    try {
      const out: ResponseEvent[] = [];
      for await (const e of await socket.stream(STREAM_REQUEST)) out.push(e);
      return out;
    } finally {
      await socket.close();
    }
  },
  expect: { ok: true },
  baseline: plain,
});
add({
  fault: "upgrade 401 then a refreshed token",
  auth: "refresh",
  setup: () => upgrade({ status: 401 }, {}),
  run,
  expect: { ok: true },
  baseline: plain,
  check: (ctx) => (ctx.refreshes() === 1 ? [] : [`${ctx.refreshes()} refreshes, want 1`]),
});
add({
  fault: "upgrade 401 twice",
  auth: "refresh",
  setup: () => upgrade({ status: 401 }, { status: 401 }, {}),
  run,
  expect: { error: AuthError, status: 401, retryable: false, attempts: 1 },
});
add({
  fault: "upgrade 429 storm with retry-after-ms",
  setup: () => upgrade(limited, limited, {}),
  run,
  expect: { ok: true },
  baseline: plain,
  check: delaysEqual((d) => d === 40, "exactly 40", 2),
});
add({
  fault: "upgrade 503 until retries are exhausted",
  setup: () => upgrade({ status: 503 }),
  run,
  expect: { error: ServerError, status: 503, retryable: true, attempts: 3 },
});

// Caller behaviour ----------------------------------------------------------------------------

add({
  fault: "abort before the request",
  setup: plain,
  run: (ctx) => events(ctx, AbortSignal.abort()),
  expect: { error: AbortError, retryable: false },
  check: (ctx) => (ctx.served.requestCount() === 0 ? [] : ["a frame was sent"]),
});
add({
  fault: "abort during backoff",
  setup: () => mockSocket({ status: 503 }),
  retry: { baseDelayMs: 2_000, maxDelayMs: 5_000 },
  run: (ctx) => {
    const controller = new AbortController();
    ctx.capture.afterRetry = () => setTimeout(() => controller.abort(), 20);
    return events(ctx, controller.signal);
  },
  expect: { error: AbortError, retryable: false },
});
add({
  fault: "abort mid-stream",
  setup: () => mockSocket({ events: SHORT, stallAfterEvents: 3 }),
  run: (ctx) =>
    withSocket(ctx, async (socket) => {
      const stream = await socket.stream(STREAM_REQUEST);
      let n = 0;
      for await (const _ of stream) if (++n === 2) stream.abort();
      return n;
    }),
  expect: { error: AbortError, retryable: false },
});
add({
  fault: "break out of the loop",
  setup: () => mockSocket({ events: SHORT, stallAfterEvents: 3, keepAliveMs: 20 }),
  run: (ctx) =>
    withSocket(ctx, async (socket) => {
      const seen: ResponseEvent[] = [];
      for await (const ev of await socket.stream(STREAM_REQUEST)) {
        seen.push(ev);
        if (seen.length === 2) break;
      }
      return seen;
    }),
  expect: { ok: true },
  expectedValue: [{ type: "created" }, { type: "outputTextDelta", delta: "one " }],
});
add({
  fault: "two streams on one socket (serialized)",
  setup: () => mockSocket({ dripMs: 2 }),
  run: (ctx) =>
    withSocket(ctx, async (socket) => {
      const drain = async () => {
        const out: ResponseEvent[] = [];
        for await (const e of await socket.stream(STREAM_REQUEST)) out.push(e);
        return out;
      };
      return Promise.all([drain(), drain()]);
    }),
  expect: { ok: true },
  baseline: plain,
});
