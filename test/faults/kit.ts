// The fault matrix's kit (the rows are in cases.ts, caller-rows.ts and the other row files): one row per (fault, endpoint). `setup` starts a real server on 127.0.0.1 (the
// mock server from codex-api/testing, or a raw node:http / node:net server where the fault needs
// lower-level control); `run` drives the real client against it; `expect` is the documented outcome
// (the README's events and errors tables). `baseline` (successful cases) starts an unfaulted server: `run` against it
// must observe exactly the same events/output (the lost-event check).
import { connect, type Socket } from "node:net";
import {
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
  type MockServer,
} from "../../src/testing/index.js";
import { refusedPort, startServer, startTcpServer, type ReplyHandler } from "../helpers/server.js";
import type { Capture } from "./harness.js";
import { SECRET_ACCOUNT, SECRET_TOKEN, SECRET_TOKEN_REFRESHED } from "./harness.js";
import { sleep } from "../helpers/calls.js";
import { ENDPOINTS as CLIENT_ENDPOINTS, type Endpoint } from "../../src/transport/telemetry.js";

/** An HTTP endpoint, or the WebSocket column (websocket-cases.ts), or the resume column. */
export type EndpointName = Endpoint | "websocket" | "resume";
export const ENDPOINTS: EndpointName[] = [...CLIENT_ENDPOINTS];

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

export type ErrorClass = abstract new (...args: never[]) => CodexApiError;

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

export const userMessage = {
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

export const RESP = "resp_fault_1";
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

export const sseHead = { "content-type": "text/event-stream" };

/** The canned stream's SSE bytes (the mock server's default reply to STREAM_REQUEST). */
export const CANNED = cannedEvents(STREAM_REQUEST);

/** `add` a row to `list`, or `all` rows a function gives, one per HTTP endpoint. */
export function rowsOf(list: FaultCase[]) {
  const add = (c: FaultCase) => list.push(c);
  const all = (fn: (e: EndpointName) => Omit<FaultCase, "endpoint"> | undefined) => {
    for (const e of ENDPOINTS) {
      const c = fn(e);
      if (c) add({ ...c, endpoint: e });
    }
  };
  return { add, all };
}

/** The one streamed endpoint of the HTTP columns. */
export const isStream = (e: EndpointName) => e === "responses";

/** JSON endpoint: headers and half the body, then silence (or whitespace every 50 ms). */
export const jsonStall = (keepAlive: boolean) => () =>
  rawHttp((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"output": [');
    if (keepAlive) {
      const timer = setInterval(() => void (!res.destroyed && res.write(" ")), 50);
      res.on("close", () => clearInterval(timer));
    }
  });

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

/** A mock server behind a counting front (requests: the mock's HTTP requests). */
export const frontOfMock = (mock: MockServer): Promise<Served> =>
  front({
    url: mock.url,
    openConnections: () => mock.openConnections(),
    requestCount: () => mock.requests.length,
    lastRequestId: () => undefined,
    close: () => mock.close(),
  });
