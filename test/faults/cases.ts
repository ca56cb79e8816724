// The fault matrix: one row per (fault, endpoint). `setup` starts a real server on 127.0.0.1 (the
// mock server from codex-api/testing, or a raw node:http / node:net server where the fault needs
// lower-level control); `run` drives the real client against it; `expect` is the documented outcome
// (the README's events and errors tables). `baseline` (successful cases) starts an unfaulted server: `run` against it
// must observe exactly the same events/output (the lost-event check).
import { connect, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  AbortError,
  AuthError,
  ContextWindowExceededError,
  IncompleteResponseError,
  InvalidRequestError,
  InvalidResponseError,
  QuotaExceededError,
  RateLimitError,
  RequestTimeoutError,
  RetryableStreamError,
  ServerError,
  ServerOverloadedError,
  StreamError,
  StreamIdleTimeoutError,
  TransportError,
  UsageNotIncludedError,
  type AuthProvider,
  type ClientOptions,
  type CodexApiError,
  type CodexClient,
  type ResponseEvent,
  type ResponseItem,
  type ProviderConfig,
  type ResponsesRequest,
  type RetryConfig,
} from "../../src/index.js";
import {
  cannedEvents,
  startMockServer,
  type MockReply,
  type MockScript,
} from "../../src/testing/index.js";
import {
  refusedPort,
  sseFrame,
  startServer,
  startTcpServer,
  type ReplyHandler,
} from "../helpers/server.js";
import type { Capture } from "./harness.js";
import { SECRET_ACCOUNT, SECRET_TOKEN, SECRET_TOKEN_REFRESHED } from "./harness.js";
import { sleep } from "../helpers/calls.js";

/** An HTTP endpoint, or the WebSocket column (websocket-cases.ts). */
export type EndpointName =
  | "responses"
  | "compact"
  | "memories"
  | "models"
  | "retrieve"
  | "cancel"
  | "delete"
  | "inputItems"
  | "inputTokens"
  | "websocket"
  | "resume";
export const ENDPOINTS: EndpointName[] = [
  "responses",
  "compact",
  "memories",
  "models",
  "retrieve",
  "cancel",
  "delete",
  "inputItems",
  "inputTokens",
];

/** A running server of one case, whatever its kind. */
export interface Served {
  url: string;
  /** Sockets open on the server side. */
  openConnections(): number;
  /** Requests received so far. */
  requestCount(): number;
  /** The x-request-id of the last reply (undefined when no request arrived). */
  lastRequestId(): string | undefined;
  close(): Promise<void>;
}

export interface RunContext {
  client: CodexClient;
  capture: Capture;
  served: Served;
  /** Calls made to the auth provider's onUnauthorized. */
  refreshes: () => number;
}

type ErrorClass = abstract new (...args: never[]) => CodexApiError;

export type Expectation =
  | { ok: true }
  | {
      error: ErrorClass;
      status?: number;
      retryable?: boolean;
      attempts?: number;
      /** "last": the x-request-id of the last reply the server sent. */
      requestId?: "last";
    };

export interface FaultCase {
  fault: string;
  endpoint: EndpointName;
  setup(): Promise<Served>;
  run(ctx: RunContext): Promise<unknown>;
  expect: Expectation;
  /** An unfaulted server; `run` against it must observe the same value as the faulted run. */
  baseline?: () => Promise<Served>;
  /** Instead of a baseline server: the value the run must observe. */
  expectedValue?: unknown;
  /** Extra checks; returns problems (empty when fine). */
  check?(ctx: RunContext, outcome: { value?: unknown; error?: unknown }): string[];
  retry?: Partial<RetryConfig>;
  /** Overrides the matrix's requestTimeoutMs (300). */
  requestTimeoutMs?: number;
  /** Overrides the matrix's streamIdleTimeoutMs (200). */
  streamIdleTimeoutMs?: number;
  /** More provider settings (limits). */
  provider?: Partial<ProviderConfig>;
  auth?: "refresh";
  deadlineMs?: number;
  /** Rewrites the matrix's client options for this case (custom auth, hooks, fetch, limits). */
  options?: (base: ClientOptions) => ClientOptions;
}

// ---------------------------------------------------------------------------------------------
// Requests.

const userMessage = {
  type: "message",
  role: "user",
  content: [{ type: "input_text", text: "hello from the fault matrix" }],
} as unknown as ResponseItem;

export const STREAM_REQUEST = { model: "gpt-fault", input: [userMessage] } as ResponsesRequest;
const COMPACT_INPUT = { model: "gpt-fault", input: [userMessage], instructions: "compact it" };
const MEMORY_INPUT = {
  model: "gpt-fault",
  rawMemories: [{ id: "mem_1", metadata: { source_path: "/tmp/rollout.jsonl" }, items: [{}] }],
};

/** The response every mock of the matrix holds (retrieve, cancel, delete and input items ask for it). */
export const FAULT_ID = "resp_fault_stored";
const FAULT_STORED = {
  response: { id: FAULT_ID, object: "response", status: "completed", output: [] },
  inputItems: [{ ...userMessage, id: "msg_fault_1" }],
};

/** Every item of a response's input items, all pages. */
async function allInputItems(client: CodexClient, opts: { signal?: AbortSignal }) {
  const items: ResponseItem[] = [];
  for await (const item of client.responses.inputItems(FAULT_ID, opts)) items.push(item);
  return items;
}

/** Iterates a stream to its end, keeping every event. */
export async function streamEvents(
  client: CodexClient,
  options: { signal?: AbortSignal } = {},
): Promise<ResponseEvent[]> {
  const stream = await client.responses.stream(STREAM_REQUEST, options);
  const events: ResponseEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

/** One call of the endpoint, returning what it observed. */
export function callOnce(
  endpoint: EndpointName,
  client: CodexClient,
  signal?: AbortSignal,
): Promise<unknown> {
  const opts = signal ? { signal } : {};
  if (endpoint === "responses") return streamEvents(client, opts);
  if (endpoint === "compact") return client.compact.compactInput(COMPACT_INPUT, opts);
  if (endpoint === "models") return client.models.list({ clientVersion: "0.99.0", ...opts });
  if (endpoint === "retrieve") return client.responses.retrieve(FAULT_ID, opts);
  if (endpoint === "cancel") return client.responses.cancel(FAULT_ID, opts);
  if (endpoint === "delete") return client.responses.delete(FAULT_ID, opts);
  if (endpoint === "inputItems") return allInputItems(client, opts);
  if (endpoint === "inputTokens") return client.responses.inputTokens(STREAM_REQUEST, opts);
  return client.memories.summarizeInput(MEMORY_INPUT, opts);
}

// ---------------------------------------------------------------------------------------------
// Servers, all from the test-server kit (test/helpers/server.ts).

const CLOSE = { connection: "close" };

function withClose(reply: MockReply): MockReply {
  return { ...reply, headers: { ...reply.headers, ...CLOSE } };
}

/**
 * The mock server, every reply carrying `Connection: close`, behind a TCP front that counts the
 * connections which carried a request (see the leak rule in harness.ts).
 */
export async function mock(
  endpoint: EndpointName,
  replies: MockReply | MockReply[],
): Promise<Served> {
  const list = (Array.isArray(replies) ? replies : [replies]).map(withClose);
  const script: MockScript = {
    rateLimitHeaders: false,
    [endpoint]: list,
    storedResponses: [
      FAULT_STORED,
      { response: { ...FAULT_STORED.response, id: `${FAULT_ID}_2` } },
    ],
  };
  const server = await startMockServer(script);
  return front({
    url: server.url,
    openConnections: () => server.openConnections(),
    requestCount: () => server.requests.length,
    lastRequestId: () => (server.requests.length ? `req_${server.requests.length}` : undefined),
    close: () => server.close(),
  });
}

/**
 * A TCP pass-through in front of `target`. Its `openConnections()` counts the client connections
 * that sent at least one byte and are still open: undici may open a spare connection after an
 * aborted request and keep it idle in its pool; such a connection never carried a request and is
 * not a leak of the client under test. An upstream reset is passed on as a reset.
 */
export async function front(target: Served): Promise<Served> {
  const port = Number(new URL(target.url).port);
  const server = await startTcpServer({
    onConnection: (client) => {
      const upstream = connect(port, "127.0.0.1");
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => {
        // Let what already arrived reach the client, then reset it as the server reset us.
        setTimeout(() => resetSocket(client), 5);
      });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => {
        if (!client.destroyed && client.writableLength === 0) client.end();
      });
    },
  });
  return {
    url: server.url,
    openConnections: () => server.openRequestSockets(),
    requestCount: () => target.requestCount(),
    lastRequestId: () => target.lastRequestId(),
    close: async () => {
      await server.close();
      await target.close();
    },
  };
}

export function resetSocket(s: Socket): void {
  if (s.destroyed) return;
  const r = s as Socket & { resetAndDestroy?: () => void };
  if (r.resetAndDestroy) r.resetAndDestroy();
  else s.destroy();
}

/** The mock server with its default (successful) reply. */
export const plain = (endpoint: EndpointName) => () => mock(endpoint, {});

/**
 * A kit server answering with `handler`; replies get `x-request-id: raw_<n>` and
 * `Connection: close`. A handler's timers end with its reply's "close".
 */
export async function rawHttp(handler: ReplyHandler): Promise<Served> {
  let n = 0;
  const server = await startServer((req, res) => {
    res.setHeader("x-request-id", `raw_${++n}`);
    res.setHeader("connection", "close");
    handler(req, res);
  });
  return {
    url: server.url,
    openConnections: () => server.openRequestSockets(),
    requestCount: () => n,
    lastRequestId: () => (n ? `raw_${n}` : undefined),
    close: () => server.close(),
  };
}

/** A raw TCP server: `onData` gets each connection once the request starts arriving. */
export async function rawNet(onData: (s: Socket) => void): Promise<Served> {
  const server = await startTcpServer({ onRequest: onData });
  return {
    url: server.url,
    openConnections: () => server.openRequestSockets(),
    requestCount: () => server.requestCount(),
    lastRequestId: () => undefined,
    close: () => server.close(),
  };
}

/** A port nothing listens on (bound, then closed). */
export async function refused(): Promise<Served> {
  return {
    url: `http://127.0.0.1:${await refusedPort()}`,
    openConnections: () => 0,
    requestCount: () => 0,
    lastRequestId: () => undefined,
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------
// Payloads.

const RESP = "resp_fault_1";
export const created = {
  type: "response.created",
  response: { id: RESP, status: "in_progress", output: [] },
};
export const delta = (text: string) => ({
  type: "response.output_text.delta",
  item_id: "msg_f",
  output_index: 0,
  content_index: 0,
  delta: text,
});
export const completed = {
  type: "response.completed",
  response: {
    id: RESP,
    status: "completed",
    output: [],
    usage: {
      input_tokens: 3,
      input_tokens_details: { cached_tokens: 1 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 2 },
      total_tokens: 8,
    },
  },
};
export const failed = (code: string | null, message: string) => ({
  type: "response.failed",
  response: { id: RESP, status: "failed", error: { code, message } },
});
export const SHORT: Record<string, unknown>[] = [
  created,
  delta("one "),
  delta("two "),
  delta("three"),
  completed,
];

const sseHead = { "content-type": "text/event-stream" };

/** The canned stream's SSE bytes (the mock server's default reply to STREAM_REQUEST). */
const CANNED = cannedEvents(STREAM_REQUEST);

// ---------------------------------------------------------------------------------------------
// The table.

export const CASES: FaultCase[] = [];
const add = (c: FaultCase) => CASES.push(c);
const all = (fn: (e: EndpointName) => Omit<FaultCase, "endpoint"> | undefined) => {
  for (const e of ENDPOINTS) {
    const c = fn(e);
    if (c) add({ ...c, endpoint: e });
  }
};
const isStream = (e: EndpointName) => e === "responses";

// Connection and transport faults ----------------------------------------------------------------

all((e) => ({
  fault: "connection refused",
  setup: refused,
  run: ({ client }) => callOnce(e, client),
  expect: { error: TransportError, retryable: true, attempts: 3 },
}));

all((e) => ({
  fault: "reset before headers",
  setup: () => rawNet(resetSocket),
  run: ({ client }) => callOnce(e, client),
  expect: { error: TransportError, retryable: true, attempts: 3 },
}));

all((e) =>
  isStream(e)
    ? {
        fault: "reset mid-body",
        setup: () =>
          mock(e, {
            events: SHORT,
            resetAfterBytes: sseFrame(created).length + sseFrame(delta("one ")).length + 7,
          }),
        run: ({ client }) => callOnce(e, client),
        // The stream delivered events: it is not retried; closed early is a retryable StreamError.
        expect: { error: StreamError, retryable: true, status: 200, requestId: "last" },
      }
    : {
        fault: "reset mid-body",
        setup: () => mock(e, { resetAfterBytes: 10 }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: TransportError, retryable: true, attempts: 3 },
      },
);

add({
  fault: "server closes without a terminal event",
  endpoint: "responses",
  setup: () => mock("responses", { events: SHORT, omitTerminal: true }),
  run: ({ client }) => callOnce("responses", client),
  expect: { error: StreamError, retryable: true, status: 200, requestId: "last" },
});

add({
  fault: "half-written SSE frame at EOF",
  endpoint: "responses",
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, sseHead);
      res.write(sseFrame(created) + sseFrame(delta("one ")));
      res.end('event: response.completed\ndata: {"type":"response.comp');
    }),
  run: ({ client }) => callOnce("responses", client),
  expect: { error: StreamError, status: 200, requestId: "last" },
});

all((e) => ({
  fault: "stall before headers",
  setup: () => mock(e, { stallBeforeHeaders: true }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
}));

/** JSON endpoint: headers and half the body, then silence (or whitespace every 50 ms). */
const jsonStall = (keepAlive: boolean) => () =>
  rawHttp((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"output": [');
    if (keepAlive) {
      const timer = setInterval(() => void (!res.destroyed && res.write(" ")), 50);
      res.on("close", () => clearInterval(timer));
    }
  });

all((e) =>
  isStream(e)
    ? {
        fault: "stall mid-stream",
        setup: () => mock(e, { events: SHORT, stallAfterEvents: 2 }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: StreamIdleTimeoutError, retryable: true, requestId: "last" },
      }
    : {
        fault: "stall mid-stream",
        setup: jsonStall(false),
        run: ({ client }) => callOnce(e, client),
        expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
      },
);

all((e) =>
  isStream(e)
    ? {
        fault: "stall mid-stream with keep-alive comments",
        setup: () => mock(e, { events: SHORT, stallAfterEvents: 2, keepAliveMs: 50 }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: StreamIdleTimeoutError, retryable: true, requestId: "last" },
      }
    : {
        fault: "stall mid-stream with keep-alive comments",
        setup: jsonStall(true),
        run: ({ client }) => callOnce(e, client),
        expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
      },
);

// HTTP statuses ---------------------------------------------------------------------------------

export const delaysEqual = (want: (d: number) => boolean, what: string, count: number) =>
  ((ctx: RunContext) => {
    const d = ctx.capture.retries.map((r) => r.delayMs);
    if (d.length !== count) return [`expected ${count} retries, saw ${d.length} (${d.join(", ")})`];
    return d.every(want) ? [] : [`retry delays ${d.join(", ")} ms: expected ${what}`];
  }) satisfies FaultCase["check"];

all((e) => ({
  fault: "429 storm with retry-after-ms",
  setup: () =>
    mock(e, [
      { status: 429, headers: { "retry-after-ms": "40" } },
      { status: 429, headers: { "retry-after-ms": "40" } },
      {},
    ]),
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
  check: delaysEqual((d) => d === 40, "exactly 40 (server delay, no jitter)", 2),
}));

all((e) => ({
  fault: "429 with retry-after in seconds",
  setup: () => mock(e, [{ status: 429, headers: { "retry-after": "1" } }, {}]),
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
  retry: { maxDelayMs: 2_000 },
  check: delaysEqual((d) => d === 1000, "exactly 1000", 1),
}));

all((e) => ({
  fault: "429 with retry-after as an HTTP date",
  setup: () =>
    mock(e, [
      { status: 429, headers: { "retry-after": new Date(Date.now() + 2_000).toUTCString() } },
      {},
    ]),
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
  retry: { maxDelayMs: 3_000 },
  deadlineMs: 4_000,
  check: delaysEqual((d) => d > 500 && d <= 2_000, "the time until the date (0.5–2 s)", 1),
}));

all((e) => ({
  fault: "429 storm with retry-after above the cap",
  setup: () => mock(e, { status: 429, headers: { "retry-after-ms": "60000" } }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: RateLimitError, status: 429, retryable: true, attempts: 3, requestId: "last" },
  retry: { maxDelayMs: 100 },
  check: delaysEqual((d) => d < 100, "the computed backoff (< cap 100)", 2),
}));

for (const status of [500, 502, 503]) {
  all((e) => ({
    fault: `${status} ×2 then success`,
    setup: () => mock(e, [{ status }, { status }, {}]),
    run: ({ client }) => callOnce(e, client),
    expect: { ok: true },
    baseline: plain(e),
  }));
}

all((e) => ({
  fault: "503 until retries are exhausted",
  setup: () => mock(e, { status: 503 }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: ServerError, status: 503, retryable: true, attempts: 3, requestId: "last" },
}));

all((e) => ({
  fault: "401 then a refreshed token",
  setup: () => mock(e, [{ status: 401 }, {}]),
  auth: "refresh",
  run: ({ client }) => callOnce(e, client),
  expect: { ok: true },
  baseline: plain(e),
  check: (ctx) =>
    ctx.refreshes() === 1 && ctx.served.requestCount() === 2
      ? []
      : [
          `expected 1 refresh and 2 requests, saw ${ctx.refreshes()} and ${ctx.served.requestCount()}`,
        ],
}));

all((e) => ({
  fault: "401 twice",
  setup: () => mock(e, [{ status: 401 }, { status: 401 }, {}]),
  auth: "refresh",
  run: ({ client }) => callOnce(e, client),
  expect: { error: AuthError, status: 401, retryable: false, attempts: 1, requestId: "last" },
  check: (ctx) =>
    ctx.served.requestCount() === 2
      ? []
      : [`expected 2 requests, saw ${ctx.served.requestCount()}`],
}));

all((e) => ({
  fault: "403",
  setup: () => mock(e, { status: 403 }),
  auth: "refresh",
  run: ({ client }) => callOnce(e, client),
  expect: { error: AuthError, status: 403, retryable: false, attempts: 1, requestId: "last" },
  check: (ctx) =>
    ctx.refreshes() === 0 && ctx.served.requestCount() === 1
      ? []
      : [
          `403 must not refresh nor retry: ${ctx.refreshes()} refreshes, ${ctx.served.requestCount()} requests`,
        ],
}));

// Bodies ----------------------------------------------------------------------------------------

all((e) =>
  isStream(e)
    ? {
        fault: "malformed JSON",
        setup: () => mock(e, { events: SHORT, malformedAt: 2 }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: StreamError, retryable: false, status: 200, requestId: "last" },
      }
    : {
        fault: "malformed JSON",
        setup: () => mock(e, { body: '{"output": [ {not json' }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: InvalidResponseError, retryable: false, status: 200, requestId: "last" },
      },
);

all((e) =>
  isStream(e)
    ? {
        fault: "function_call_arguments.delta without item_id",
        setup: () =>
          mock(e, {
            events: [
              { type: "response.created", response: { id: "r" } },
              { type: "response.function_call_arguments.delta", output_index: 0, delta: "{" },
              { type: "response.completed", response: { id: "r" } },
            ],
          }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: StreamError, retryable: false, status: 200, requestId: "last" },
        check: (_ctx, outcome) =>
          String((outcome.error as Error)?.message).includes("item_id") ? [] : ["no field named"],
      }
    : undefined,
);

all((e) => ({
  fault: "text/html gateway page on 200",
  setup: () => mock(e, { status: 200, html: true }),
  run: ({ client }) => callOnce(e, client),
  // Not SSE on a stream, not JSON on a JSON call: neither is sent again.
  expect: {
    error: InvalidResponseError,
    retryable: false,
    status: 200,
    attempts: 1,
    requestId: "last",
  },
}));

all((e) => ({
  fault: "text/html gateway page on 502",
  setup: () => mock(e, { status: 502, html: true }),
  run: ({ client }) => callOnce(e, client),
  expect: { error: ServerError, status: 502, retryable: true, attempts: 3, requestId: "last" },
}));

all((e) =>
  isStream(e)
    ? undefined
    : {
        fault: "empty body on a JSON endpoint",
        setup: () => mock(e, { body: "" }),
        run: ({ client }) => callOnce(e, client),
        expect: { error: InvalidResponseError, retryable: false, status: 200, requestId: "last" },
      },
);

const BIG = [created, delta("x".repeat(10 * 1024 * 1024)), completed];
add({
  fault: "10 MB single SSE event",
  endpoint: "responses",
  // No event arrives while the 10 MB one is in transit, which takes as long as the machine's load
  // makes it: the idle timeout (rightly) reports any such gap, so it is off here; the deadline is
  // only a bound for a hang. The case is about delivery, not time.
  streamIdleTimeoutMs: Infinity,
  requestTimeoutMs: Infinity,
  deadlineMs: 30_000,
  setup: () => mock("responses", { events: BIG }),
  run: async ({ client }) => {
    const events = await streamEvents(client);
    // Compared by shape and size, not by keeping a second 10 MB copy in the report.
    return events.map((ev) =>
      ev.type === "outputTextDelta" ? { type: ev.type, length: ev.delta.length } : ev,
    );
  },
  expect: { ok: true },
  baseline: () => mock("responses", { events: BIG }),
});

const FIFTY_MB = 50 * 1024 * 1024;
let fiftyMbPeak = 0;
/** A full GC (V8's gc exposed at runtime), so the memory check sees live memory, not garbage. */
const gc: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();
const CHUNK = 64 * 1024;
add({
  fault: "50 MB stream (memory stays flat)",
  endpoint: "responses",
  deadlineMs: 10_000,
  setup: () =>
    rawHttp((_req, res) => {
      res.writeHead(200, sseHead);
      const piece = sseFrame(delta("y".repeat(CHUNK)));
      let sent = 0;
      res.write(sseFrame(created));
      const pump = (): void => {
        while (sent < FIFTY_MB) {
          sent += CHUNK;
          if (!res.write(piece)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end(sseFrame(completed));
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
    }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    gc();
    const base = process.memoryUsage();
    let deltas = 0;
    let bytes = 0;
    const types: string[] = [];
    for await (const ev of stream) {
      if (ev.type === "outputTextDelta") {
        deltas++;
        bytes += ev.delta.length;
        if (deltas % 80 === 0) {
          // A consumer slower than the socket: a client that reads ahead without backpressure
          // would now hold the rest of the stream.
          await sleep(5);
          gc();
          const m = process.memoryUsage();
          const grown = m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers;
          fiftyMbPeak = Math.max(fiftyMbPeak, grown);
        }
      } else types.push(ev.type);
    }
    return { deltas, bytes, types };
  },
  expect: { ok: true },
  expectedValue: { deltas: FIFTY_MB / CHUNK, bytes: FIFTY_MB, types: ["created", "completed"] },
  check: () =>
    fiftyMbPeak < 16 * 1024 * 1024
      ? []
      : [
          `memory not flat: live heap grew ${(fiftyMbPeak / 2 ** 20).toFixed(1)} MB during a 50 MB stream`,
        ],
});

export const UNKNOWN_EVENT = { type: "response.future_thing", payload: { a: 1 } };
add({
  fault: "unknown event type",
  endpoint: "responses",
  setup: () => mock("responses", { events: [created, UNKNOWN_EVENT, ...SHORT.slice(1)] }),
  run: ({ client }) => callOnce("responses", client),
  expect: { ok: true },
  // Dropped: the events equal those of the same stream without it.
  baseline: () => mock("responses", { events: SHORT }),
});

const ODD_ITEM = { type: "hologram_call", id: "hc_1", status: "completed", beam: { power: 9 } };
const UNKNOWN_ITEM = [
  created,
  { type: "response.output_item.added", output_index: 0, item: ODD_ITEM },
  { type: "response.output_item.done", output_index: 0, item: ODD_ITEM },
  completed,
];
add({
  fault: "unknown item type",
  endpoint: "responses",
  setup: () => mock("responses", { events: UNKNOWN_ITEM }),
  run: ({ client }) => callOnce("responses", client),
  expect: { ok: true },
  baseline: () => mock("responses", { events: UNKNOWN_ITEM }),
  check: (_ctx, { value }) => {
    const events = (value ?? []) as ResponseEvent[];
    const done = events.find((ev) => ev.type === "outputItemDone");
    return done && JSON.stringify(done.item) === JSON.stringify(ODD_ITEM)
      ? []
      : [`the unknown item did not pass through as it came: ${JSON.stringify(done)}`];
  },
});

export const FAILED_CODES: [string | null, string, ErrorClass, boolean][] = [
  ["context_length_exceeded", "too long", ContextWindowExceededError, false],
  ["insufficient_quota", "no quota", QuotaExceededError, false],
  ["usage_not_included", "not in plan", UsageNotIncludedError, false],
  ["invalid_prompt", "bad prompt", InvalidRequestError, false],
  ["server_is_overloaded", "busy", ServerOverloadedError, true],
  ["slow_down", "slow down", ServerOverloadedError, true],
  ["rate_limit_exceeded", "Rate limit reached. Please try again in 1.898s.", RateLimitError, true],
  ["some_future_code", "something else", RetryableStreamError, true],
  [null, "no code at all", RetryableStreamError, true],
];
for (const [code, message, cls, retryable] of FAILED_CODES) {
  add({
    fault: `response.failed ${code ?? "(null code)"}`,
    endpoint: "responses",
    setup: () => mock("responses", { events: [created, delta("hi"), failed(code, message)] }),
    run: ({ client }) => callOnce("responses", client),
    expect: { error: cls, retryable, status: 200, requestId: "last" },
    check:
      code === "rate_limit_exceeded"
        ? (_ctx, { error }) =>
            (error as RateLimitError | undefined)?.retryAfterMs === 1898
              ? []
              : [`retryAfterMs ${(error as RateLimitError | undefined)?.retryAfterMs}, want 1898`]
        : undefined,
  });
}

add({
  fault: "response.incomplete",
  endpoint: "responses",
  setup: () =>
    mock("responses", {
      events: [
        created,
        delta("partial"),
        {
          type: "response.incomplete",
          response: {
            id: RESP,
            status: "incomplete",
            incomplete_details: { reason: "max_output_tokens" },
          },
        },
      ],
    }),
  run: ({ client }) => callOnce("responses", client),
  expect: { error: IncompleteResponseError, retryable: false, status: 200, requestId: "last" },
  check: (_ctx, { error }) =>
    (error as IncompleteResponseError | undefined)?.reason === "max_output_tokens"
      ? []
      : [`reason ${(error as IncompleteResponseError | undefined)?.reason}`],
});

// Caller behaviour --------------------------------------------------------------------------------

all((e) => ({
  fault: "abort before the request",
  setup: plain(e),
  run: ({ client }) => callOnce(e, client, AbortSignal.abort()),
  expect: { error: AbortError, retryable: false },
  check: (ctx) =>
    ctx.served.requestCount() === 0 ? [] : [`${ctx.served.requestCount()} requests were sent`],
}));

all((e) => ({
  fault: "abort during backoff",
  setup: () => mock(e, { status: 503 }),
  retry: { baseDelayMs: 2_000, maxDelayMs: 5_000 },
  run: async (ctx) => {
    const controller = new AbortController();
    ctx.capture.afterRetry = () => setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    try {
      return await callOnce(e, ctx.client, controller.signal);
    } finally {
      const took = Date.now() - started;
      if (took > 1_000) throw new Error(`abort during a 2 s backoff took ${took} ms`);
    }
  },
  expect: { error: AbortError, retryable: false },
  check: (ctx) =>
    ctx.served.requestCount() === 1 ? [] : [`${ctx.served.requestCount()} requests, want 1`],
}));

all((e) =>
  isStream(e)
    ? {
        fault: "abort mid-stream",
        setup: () => mock(e, { events: SHORT, stallAfterEvents: 3 }),
        run: async ({ client }) => {
          const stream = await client.responses.stream(STREAM_REQUEST);
          let n = 0;
          for await (const _ of stream) if (++n === 2) stream.abort();
          return n;
        },
        expect: { error: AbortError, retryable: false },
      }
    : {
        fault: "abort mid-stream",
        setup: jsonStall(false),
        run: ({ client }) => {
          const controller = new AbortController();
          setTimeout(() => controller.abort(), 50);
          return callOnce(e, client, controller.signal);
        },
        expect: { error: AbortError, retryable: false },
      },
);

add({
  fault: "break out of the loop",
  endpoint: "responses",
  setup: () => mock("responses", { events: SHORT, stallAfterEvents: 3, keepAliveMs: 20 }),
  run: async ({ client }) => {
    const stream = await client.responses.stream(STREAM_REQUEST);
    const seen: ResponseEvent[] = [];
    for await (const ev of stream) {
      seen.push(ev);
      if (seen.length === 2) break;
    }
    return seen;
  },
  expect: { ok: true },
  expectedValue: [{ type: "created" }, { type: "outputTextDelta", delta: "one " }],
});

all((e) => ({
  fault: "two streams consumed concurrently",
  setup: () => mock(e, { dripMs: 2 }),
  run: async ({ client }) => {
    // One response cannot be deleted twice: the second delete is of another stored response.
    if (e === "delete") {
      const second = client.responses.delete(`${FAULT_ID}_2`);
      return Promise.all([callOnce(e, client), second]);
    }
    if (e !== "responses") return Promise.all([callOnce(e, client), callOnce(e, client)]);
    const [a, b] = await Promise.all([
      client.responses.stream(STREAM_REQUEST),
      client.responses.stream(STREAM_REQUEST),
    ]);
    const ia = a[Symbol.asyncIterator]();
    const ib = b[Symbol.asyncIterator]();
    const ea: ResponseEvent[] = [];
    const eb: ResponseEvent[] = [];
    let da = false;
    let db = false;
    while (!da || !db) {
      // Strictly interleaved: one event of each in turn.
      if (!da) {
        const r = await ia.next();
        if (r.done) da = true;
        else ea.push(r.value);
      }
      if (!db) {
        const r = await ib.next();
        if (r.done) db = true;
        else eb.push(r.value);
      }
    }
    return [ea, eb];
  },
  expect: { ok: true },
  baseline: plain(e),
}));

const MANY = 200;
/** What the slow JSON server answers, per endpoint (models: an untyped key and an ETag kept). */
const SLOW_ETAG = '"slow-1"';
const SLOW_RESPONSE = { id: FAULT_ID, object: "response", status: "completed", output: [] };
const SLOW_JSON = {
  compact: { output: [userMessage, { type: "compaction", encrypted_content: "c" }] },
  memories: { output: [{ trace_summary: "t", memory_summary: "m" }] },
  models: { models: [{ slug: "m", future_key: 1 }] },
  retrieve: SLOW_RESPONSE,
  cancel: SLOW_RESPONSE,
  delete: { id: FAULT_ID, object: "response", deleted: true },
  inputItems: {
    object: "list",
    data: [userMessage],
    has_more: false,
    first_id: null,
    last_id: null,
  },
  inputTokens: { object: "response.input_tokens", input_tokens: 7 },
};
/** What one call against the slow JSON server observes, per endpoint. */
const SLOW_VALUE: Record<keyof typeof SLOW_JSON, unknown> = {
  ...SLOW_JSON,
  compact: SLOW_JSON.compact.output,
  memories: [{ traceSummary: "t", memorySummary: "m" }],
  models: { models: [{ slug: "m", future_key: 1 }], etag: SLOW_ETAG },
  inputItems: [userMessage],
  inputTokens: { inputTokens: 7 },
};
all((e) => ({
  fault: "200 concurrent requests against a slow server",
  // 200 connections set up by client and servers sharing one event loop take as long as the
  // machine's load makes them: the case is about concurrency, not time, so its timeouts are off
  // and the deadline is only a bound for a hang.
  deadlineMs: 30_000,
  requestTimeoutMs: Infinity,
  streamIdleTimeoutMs: Infinity,
  setup: isStream(e)
    ? () => mock(e, { dripMs: 5 })
    : () =>
        rawHttp((_req, res) => {
          // A slow JSON server: 100 ms before each reply.
          const timer = setTimeout(() => {
            res.writeHead(200, { "content-type": "application/json", etag: SLOW_ETAG });
            res.end(
              JSON.stringify(
                SLOW_JSON[e as Exclude<EndpointName, "responses" | "websocket" | "resume">],
              ),
            );
          }, 100);
          res.on("close", () => clearTimeout(timer));
        }),
  run: async ({ client }) => {
    const results = await Promise.all(Array.from({ length: MANY }, () => callOnce(e, client)));
    const first = JSON.stringify(results[0]);
    const same = results.every((r) => JSON.stringify(r) === first);
    return { count: results.length, same, first: JSON.parse(first) as unknown };
  },
  expect: { ok: true },
  expectedValue: {
    count: MANY,
    same: true,
    first: e === "responses" ? "(baseline)" : SLOW_VALUE[e as keyof typeof SLOW_JSON],
  },
  check: (ctx) =>
    ctx.served.requestCount() === MANY
      ? []
      : [`${ctx.served.requestCount()} requests, want ${MANY}`],
}));

// The 200-stream case is compared to one unfaulted canned stream.
for (const c of CASES) {
  if (c.fault.startsWith("200 concurrent") && c.endpoint === "responses") {
    c.expectedValue = undefined;
    c.baseline = plain("responses");
  }
}

/** Auth for a case: a fixed token and account id, or one that refreshes once on 401. */
export function authFor(c: FaultCase): { auth: AuthProvider; refreshes: () => number } {
  let token = SECRET_TOKEN;
  let refreshes = 0;
  return {
    refreshes: () => refreshes,
    auth: {
      // Trailing whitespace: fetch sends it trimmed, the scrubber knows both forms.
      bearerToken: () => `${token} `,
      accountId: () => SECRET_ACCOUNT,
      ...(c.auth === "refresh"
        ? {
            onUnauthorized: async () => {
              refreshes++;
              await sleep(1);
              token = SECRET_TOKEN_REFRESHED;
              return true;
            },
          }
        : {}),
    },
  };
}

/** The canned events' count, for sanity in reports. */
export const CANNED_EVENT_COUNT = CANNED.length;
