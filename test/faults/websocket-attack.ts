// Fault-matrix rows of the WebSocket transport's adversary (round 4): a careless caller of
// `connectResponses` (option values, preconnect twice, after close, under an aborted signal, close
// during its backoff), a hostile server (frames before any request, pings instead of a reply, close
// codes interleaved or echoing the token, secrets in refusals and in the 101 reply, odd plan types,
// a close handshake never answered), and `fallbackToHttp: "on-failure"` meeting an HTTP that fails too.
import { createHash } from "node:crypto";
import type { Socket } from "node:net";
import {
  AbortError,
  AuthError,
  CodexApiError,
  InvalidRequestError,
  RateLimitError,
  RequestTimeoutError,
  ServerError,
  StreamError,
  StreamIdleTimeoutError,
  TransportError,
  UsageLimitReachedError,
  type ResponseEvent,
  type ResponseStream,
} from "../../src/index.js";
import {
  connectResponses,
  type ResponsesSocket,
  type ResponsesSocketOptions,
} from "../../src/websocket/index.js";
import { sleep } from "../helpers/calls.js";
import { startTcpServer } from "../helpers/server.js";
import {
  responseFrames,
  startWsServer,
  type WsServerScript,
  type WsTestServer,
} from "../helpers/ws-server.js";
import { STREAM_REQUEST, type FaultCase, type RunContext, type Served } from "./cases.js";
import { SECRET_API_KEY, SECRET_TOKEN } from "./harness.js";
import { mockSocket } from "./websocket-cases.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const WS_ATTACK_CASES: FaultCase[] = [];
const add = (c: Omit<FaultCase, "endpoint">) =>
  WS_ATTACK_CASES.push({ ...c, fault: `ws-attack: ${c.fault}`, endpoint: "websocket" });

// Servers and runs --------------------------------------------------------------------------------

/** A matrix server that is the test kit's WebSocket server. */
type KitServed = Served & { ws: WsTestServer };
/** The test kit's WebSocket server (test/helpers/ws-server.ts) as a matrix server. */
async function kit(script: WsServerScript = {}): Promise<KitServed> {
  const server = await startWsServer(script);
  return {
    ws: server,
    url: server.url,
    openConnections: () => server.openSockets(),
    requestCount: () => server.frames.length + server.httpRequests,
    lastRequestId: () => undefined,
    close: () => server.close(),
  };
}

/** A raw TCP server that answers each upgrade with `reply(key accept value)` and then does nothing. */
async function rawUpgrade(reply: (accept: string) => string): Promise<Served> {
  const server = await startTcpServer({
    onConnection: (socket: Socket) => {
      socket.once("data", (head: Buffer) => {
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head.toString("latin1"))?.[1] ?? "";
        const guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
        socket.write(
          reply(
            createHash("sha1")
              .update(key + guid)
              .digest("base64"),
          ),
        );
      });
    },
  });
  return {
    url: server.url,
    openConnections: () => server.openRequestSockets(),
    requestCount: () => server.requestCount(),
    lastRequestId: () => undefined,
    close: () => server.close(),
  };
}
const SWITCHING = (accept: string) =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;

/** Every event of a stream. */
async function drain(stream: ResponseStream): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

/** A socket of the case's client with `options`, closed after `fn` whatever happened. */
function on<T>(
  options: ResponsesSocketOptions,
  fn: (socket: ResponsesSocket, ctx: RunContext) => Promise<T>,
  keep?: { socket?: ResponsesSocket },
) {
  return async (ctx: RunContext): Promise<T> => {
    const socket = connectResponses(ctx.client, options);
    if (keep) keep.socket = socket;
    try {
      return await fn(socket, ctx);
    } finally {
      await socket.close();
    }
  };
}
const oneStream = (options: ResponsesSocketOptions = {}) =>
  on(options, async (socket) => drain(await socket.stream(STREAM_REQUEST)));

/** The events of two turns (the second extends the first with its output). */
const twoTurns = (pause = 0) =>
  on({}, async (socket) => {
    const first = await socket.stream(STREAM_REQUEST);
    const events = await drain(first);
    const { items } = await first.collect();
    if (pause) await sleep(pause);
    const input = [...(STREAM_REQUEST.input as unknown[]), ...items] as typeof items;
    return [events, await drain(await socket.stream({ ...STREAM_REQUEST, input }))];
  });

// Checks ------------------------------------------------------------------------------------------

type Check = NonNullable<FaultCase["check"]>;
const errorOf = (outcome: { error?: unknown }) => outcome.error as CodexApiError | undefined;
/** The error names `param` and says it is an option (code invalid_option). */
const namesOption =
  (param: string): Check =>
  (ctx, outcome) => {
    const e = errorOf(outcome);
    const out: string[] = [];
    if (e?.param !== param) out.push(`param ${String(e?.param)}, want ${param}`);
    if (e?.code !== "invalid_option") out.push(`code ${String(e?.code)}, want invalid_option`);
    if (ctx.served.requestCount() !== 0) out.push("something was sent");
    return out;
  };
const messageHas =
  (re: RegExp): Check =>
  (_ctx, outcome) => {
    const m = errorOf(outcome)?.message ?? "";
    return re.test(m) ? [] : [`message ${JSON.stringify(m)} does not match ${String(re)}`];
  };
const both =
  (...checks: Check[]): Check =>
  (ctx, outcome) =>
    checks.flatMap((c) => c(ctx, outcome));
/** The kit server's handshakes, frames and HTTP requests. */
const kitOf = (ctx: RunContext) => (ctx.served as KitServed).ws;
const handshakes =
  (n: number): Check =>
  (ctx) => {
    const got = kitOf(ctx).handshakes.length;
    return got === n ? [] : [`${got} handshakes, want ${n}`];
  };
const transportIs =
  (keep: { socket?: ResponsesSocket }, want: "websocket" | "http"): Check =>
  () =>
    keep.socket?.transport === want ? [] : [`transport ${keep.socket?.transport}, want ${want}`];

// A careless caller: option values ----------------------------------------------------------------

const plain = () => mockSocket({});
const badOptions: [string, string, Record<string, unknown>][] = [
  ["connectTimeoutMs 0", "options.connectTimeoutMs", { connectTimeoutMs: 0 }],
  ["connectTimeoutMs negative", "options.connectTimeoutMs", { connectTimeoutMs: -100 }],
  ["connectTimeoutMs NaN", "options.connectTimeoutMs", { connectTimeoutMs: NaN }],
  [
    "connectTimeoutMs 2^31 (past what a timer holds)",
    "options.connectTimeoutMs",
    { connectTimeoutMs: 2 ** 31 },
  ],
  ["connectTimeoutMs a string", "options.connectTimeoutMs", { connectTimeoutMs: "15000" }],
  ['fallbackToHttp "true" (a string)', "options.fallbackToHttp", { fallbackToHttp: "true" }],
  ['fallbackToHttp "on_failure"', "options.fallbackToHttp", { fallbackToHttp: "on_failure" }],
  ["fallbackToHttp null", "options.fallbackToHttp", { fallbackToHttp: null }],
  [
    'perMessageDeflate "false" (a string)',
    "options.perMessageDeflate",
    { perMessageDeflate: "false" },
  ],
  ["webSocket a plain object", "options.webSocket", { webSocket: {} }],
  ['webSocket the string "ws"', "options.webSocket", { webSocket: "ws" }],
];
for (const [what, param, options] of badOptions) {
  add({
    fault: `connectResponses with ${what}`,
    setup: plain,
    run: oneStream(options as ResponsesSocketOptions),
    expect: { error: InvalidRequestError, retryable: false },
    check: namesOption(param),
  });
}

// A careless caller: preconnect -------------------------------------------------------------------

add({
  fault: "preconnect twice at once, then a stream: one handshake",
  setup: () => kit(),
  run: on({}, async (socket) => {
    await Promise.all([socket.preconnect(), socket.preconnect()]);
    return (await drain(await socket.stream(STREAM_REQUEST))).length;
  }),
  expect: { ok: true },
  check: handshakes(1),
});
add({
  fault: "preconnect after close()",
  setup: () => kit(),
  run: on({}, async (socket) => {
    await socket.close();
    return socket.preconnect();
  }),
  expect: { error: InvalidRequestError, retryable: false },
  check: handshakes(0),
});
add({
  fault: "preconnect under an already-aborted signal",
  setup: () => kit(),
  run: on({}, (socket) => socket.preconnect({ signal: AbortSignal.abort() })),
  expect: { error: AbortError, retryable: false },
  check: handshakes(0),
});
add({
  fault: "preconnect with openai-node's `timeout` option",
  setup: () => kit(),
  run: on({}, (socket) => socket.preconnect({ timeout: 5 } as never)),
  expect: { error: InvalidRequestError, retryable: false },
  check: messageHas(/requestTimeoutMs/),
});
add({
  fault: "preconnect given a string for options",
  setup: () => kit(),
  run: on({}, (socket) => socket.preconnect("fast" as never)),
  expect: { error: InvalidRequestError, retryable: false },
});
add({
  fault: "close() during a preconnect's retry backoff",
  setup: () => kit({ refuse: () => ({ status: 503 }) }),
  retry: { baseDelayMs: 2_000, maxDelayMs: 5_000 },
  run: on({}, async (socket, ctx) => {
    ctx.capture.afterRetry = () => setTimeout(() => void socket.close(), 20);
    const started = Date.now();
    try {
      await socket.preconnect();
    } finally {
      if (Date.now() - started > 1_000) throw new Error("the backoff was not cut short");
    }
  }),
  expect: { error: AbortError, retryable: false },
  check: handshakes(1),
});
add({
  fault: "preconnect aborted while the server holds the upgrade",
  setup: () => kit({ upgradeDelayMs: () => 150 }),
  run: on({}, (socket) => socket.preconnect({ signal: AbortSignal.timeout(30) })),
  expect: { error: AbortError, retryable: false },
});
add({
  fault: "preconnect to a stalled upgrade, past connectTimeoutMs",
  setup: () => rawUpgrade(() => ""),
  requestTimeoutMs: 60_000,
  run: on({ connectTimeoutMs: 60 }, (socket) => socket.preconnect()),
  expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
  check: messageHas(/connectTimeoutMs/),
});
add({
  fault: "connectTimeoutMs shorter than the first frame's wait: only the handshake is bounded",
  setup: () =>
    kit({
      onRequest: (peer) => {
        setTimeout(() => peer.send(...responseFrames("resp_slow")), 120);
      },
    }),
  run: oneStream({ connectTimeoutMs: 40 }),
  expect: { ok: true },
  baseline: () => kit({ onRequest: (peer) => peer.send(...responseFrames("resp_slow")) }),
});
add({
  fault: "connectTimeoutMs Infinity: the request timeout still ends a stalled upgrade",
  setup: () => rawUpgrade(() => ""),
  run: oneStream({ connectTimeoutMs: Infinity }),
  expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
  check: messageHas(/request timeout/),
});
add({
  fault: "close() twice at once while a stream runs",
  setup: () => kit({ onRequest: (peer) => peer.send(responseFrames("resp_open")[0]!) }),
  run: on({}, async (socket) => {
    const stream = await socket.stream(STREAM_REQUEST);
    await Promise.all([socket.close(), socket.close()]);
    return drain(stream);
  }),
  expect: { error: AbortError, retryable: false },
});
