// Fault-matrix rows of the WebSocket transport's adversary (round 4). This file: a careless caller of
// `connectResponses` (option values, preconnect twice, after close, under an aborted signal, close
// during its backoff, its own WebSocket or token, a request that is not JSON, many streams at once);
// the hostile server's rows are in websocket-attack-server.ts and -secrets.ts, `fallbackToHttp:
// "on-failure"` in -fallback.ts. Every row is in WS_ATTACK_CASES (websocket-attack-kit.ts).
import {
  AbortError,
  CodexApiError,
  InvalidRequestError,
  RequestTimeoutError,
  TransportError,
} from "../../src/index.js";
import type { ResponsesSocketOptions } from "../../src/websocket/index.js";
import { WebSocket } from "ws";
import { sleep } from "../helpers/calls.js";
import { responseFrames } from "../helpers/ws-server.js";
import { SHORT, STREAM_REQUEST } from "./kit.js";
import { SECRET_TOKEN } from "./harness.js";
import { mockSocket } from "./websocket-cases.js";
import {
  add,
  kit,
  rawUpgrade,
  drain,
  on,
  oneStream,
  namesOption,
  messageHas,
  both,
  kitOf,
  handshakes,
  numbered,
  plain,
} from "./websocket-attack-kit.js";
import "./websocket-attack-server.js";
import "./websocket-attack-secrets.js";
import "./websocket-attack-fallback.js";

export { WS_ATTACK_CASES } from "./websocket-attack-kit.js";

// A careless caller: option values ----------------------------------------------------------------

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

// A careless caller: its own WebSocket, its own token, a request that is not JSON ----------------

add({
  fault: "a bearer token holding CR LF",
  setup: () => kit(),
  options: (base) => ({ ...base, auth: { bearerToken: () => `${SECRET_TOKEN}\r\nX-Evil: 1` } }),
  run: oneStream(),
  expect: { error: InvalidRequestError, retryable: false, attempts: 1 },
  check: handshakes(0),
});
class Refusing {
  constructor() {
    throw new Error(`proxy refused Authorization: Bearer ${SECRET_TOKEN}`);
  }
}
add({
  fault: "an injected WebSocket constructor throwing with the token in its message",
  setup: () => kit(),
  run: oneStream({ webSocket: Refusing as never }),
  expect: { error: InvalidRequestError, retryable: false, attempts: 1 },
});
class CannotSend extends WebSocket {
  override send(): void {
    throw new Error(`cannot send for ${SECRET_TOKEN}`);
  }
}
add({
  fault: "an injected WebSocket whose send() throws with the token in its message",
  setup: () => kit(),
  run: oneStream({ webSocket: CannotSend as never }),
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "a request holding a BigInt, then a good one on the same socket",
  setup: () => kit({ onRequest: numbered() }),
  run: on({}, async (socket) => {
    const bad = { ...STREAM_REQUEST, metadata: { n: 1n } } as never;
    const error = await socket.stream(bad).then(
      () => "sent",
      (e: unknown) => (e instanceof InvalidRequestError ? "InvalidRequestError" : String(e)),
    );
    return [error, (await drain(await socket.stream(STREAM_REQUEST))).at(-1)?.type];
  }),
  expect: { ok: true },
  expectedValue: ["InvalidRequestError", "completed"],
  check: (ctx) => (kitOf(ctx).frames.length === 1 ? [] : ["the bad request was sent"]),
});
add({
  fault: "a request whose tools array contains itself",
  setup: () => kit(),
  run: (ctx) => {
    const tools: unknown[] = [];
    tools.push({ type: "function", name: "loop", parameters: { tools } });
    return on({}, async (s) => s.stream({ ...STREAM_REQUEST, tools } as never))(ctx);
  },
  expect: { error: InvalidRequestError, retryable: false },
  check: handshakes(0),
});
add({
  fault: "close() during a preconnect with a stream queued behind it",
  setup: () => kit({ upgradeDelayMs: () => 100 }),
  run: on({}, async (socket) => {
    const settled = Promise.allSettled([socket.preconnect(), socket.stream(STREAM_REQUEST)]);
    await sleep(20);
    await socket.close();
    const [pre, stream] = await settled;
    const name = (r: PromiseSettledResult<unknown>) =>
      r.status === "rejected" && r.reason instanceof CodexApiError ? r.reason.name : r.status;
    return [name(pre), name(stream)];
  }),
  expect: { ok: true },
  expectedValue: ["AbortError", "InvalidRequestError"],
});

// A careless caller: many streams at once, hooks that throw, an auth call that never returns ------

add({
  fault: "30 streams started at once, read concurrently: each gets its own reply, in order",
  setup: () => kit({ onRequest: numbered() }),
  run: on({}, async (socket) => {
    const texts = Array.from({ length: 30 }, async () => {
      const stream = await socket.stream(STREAM_REQUEST);
      return (await stream.collect()).responseId;
    });
    return Promise.all(texts);
  }),
  expect: { ok: true },
  expectedValue: Array.from({ length: 30 }, (_, i) => `resp_${i}`),
});
add({
  fault: "the middle one of three queued streams aborted while it waits",
  setup: () => kit({ onRequest: numbered() }),
  run: on({}, async (socket) => {
    const controller = new AbortController();
    const ids = [undefined, controller.signal, undefined].map(async (signal) => {
      const stream = await socket.stream(STREAM_REQUEST, signal ? { signal } : {});
      return (await stream.collect()).responseId;
    });
    controller.abort();
    const settled = await Promise.allSettled(ids);
    return settled.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).name));
  }),
  expect: { ok: true },
  expectedValue: ["resp_0", "AbortError", "resp_1"],
});
add({
  fault: "a logger whose warn throws, as the socket falls back on a 426",
  setup: () => mockSocket({ events: SHORT }, { upgrade: { status: 426 } }),
  options: (base) => ({
    ...base,
    logger: {
      warn: () => {
        throw new Error("logger down");
      },
    },
  }),
  run: oneStream(),
  expect: { ok: true },
  baseline: () => mockSocket({ events: SHORT }),
});
add({
  fault: "warmup() on a socket that moved to HTTP sends nothing",
  setup: () => mockSocket({ events: SHORT }, { upgrade: { status: 426 } }),
  run: on({}, async (socket) => {
    await socket.preconnect();
    return [socket.transport, await socket.warmup(STREAM_REQUEST)];
  }),
  expect: { ok: true },
  expectedValue: ["http", ""],
  check: (ctx) => (ctx.served.requestCount() === 0 ? [] : ["a request was sent"]),
});
add({
  fault: "close() while the auth provider never answers",
  setup: () => kit(),
  requestTimeoutMs: 60_000,
  options: (base) => ({ ...base, auth: { bearerToken: () => new Promise<string>(() => {}) } }),
  run: on({}, async (socket) => {
    const pending = socket.stream(STREAM_REQUEST);
    await sleep(30);
    await socket.close();
    return pending;
  }),
  expect: { error: AbortError, retryable: false },
  check: handshakes(0),
});
add({
  fault: "an auth provider that never answers, past the request timeout",
  setup: () => kit(),
  options: (base) => ({ ...base, auth: { bearerToken: () => new Promise<string>(() => {}) } }),
  run: oneStream(),
  expect: { error: RequestTimeoutError },
  check: handshakes(0),
});
add({
  fault: "per-call headers naming a subprotocol (Sec-WebSocket-Protocol)",
  setup: () => kit(),
  run: on({}, async (s) =>
    s.stream(STREAM_REQUEST, { headers: { "Sec-WebSocket-Protocol": "chat" } }),
  ),
  expect: { error: InvalidRequestError, retryable: false },
  check: both(handshakes(0), messageHas(/Sec-WebSocket-Protocol/)),
});
add({
  fault: "provider headers naming a Sec-WebSocket-Extensions of their own",
  setup: () => kit(),
  provider: { headers: { "sec-websocket-extensions": "permessage-deflate" } },
  run: oneStream({ perMessageDeflate: false }),
  expect: { error: InvalidRequestError, retryable: false },
  check: both(handshakes(0), messageHas(/sec-websocket-extensions/)),
});
