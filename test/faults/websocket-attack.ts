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
  InvalidResponseError,
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
import { WebSocket } from "ws";
import { sleep } from "../helpers/calls.js";
import { startTcpServer } from "../helpers/server.js";
import {
  responseFrames,
  startWsServer,
  type WsServerScript,
  type WsTestServer,
} from "../helpers/ws-server.js";
import { SHORT, STREAM_REQUEST, type FaultCase, type RunContext, type Served } from "./cases.js";
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

/** The events of two turns (the second extends the first with its output and one more item). */
const twoTurns = (pause = 0) =>
  on({}, async (socket) => {
    const first = await socket.stream(STREAM_REQUEST);
    const events = await drain(first);
    const { items } = await first.collect();
    if (pause) await sleep(pause);
    const next = { type: "message", role: "user", content: [{ type: "input_text", text: "more" }] };
    const input = [...(STREAM_REQUEST.input as unknown[]), ...items, next] as typeof items;
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

// A hostile server: frames outside any request -----------------------------------------------------

/** Answers every request with `responseFrames(id)` of a counter shared by the connections. */
function numbered(): WsServerScript["onRequest"] {
  let n = 0;
  return (peer) => peer.send(...responseFrames(`resp_${n++}`));
}
add({
  fault: "a whole stale response sent on connect, before any request (after preconnect)",
  setup: () =>
    kit({
      onConnection: (peer) => peer.send(...responseFrames("resp_stale", "STALE")),
      onRequest: numbered(),
    }),
  run: on({}, async (socket) => {
    await socket.preconnect();
    await sleep(30);
    return drain(await socket.stream(STREAM_REQUEST));
  }),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
});
add({
  fault: "a binary frame on connect, before any request (after preconnect)",
  setup: () =>
    kit({
      onConnection: (peer) => peer.index === 0 && peer.binary(new Uint8Array([1, 2, 3])),
      onRequest: numbered(),
    }),
  run: on({}, async (socket) => {
    await socket.preconnect();
    await sleep(30);
    return drain(await socket.stream(STREAM_REQUEST));
  }),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
});
add({
  fault: "an in-band 500 while idle between two turns",
  setup: () => {
    const answer = numbered()!;
    return kit({
      onRequest: (peer, request, n) => {
        answer(peer, request, n);
        const stray = { type: "error", status: 500, error: { message: "stray" } };
        setTimeout(() => peer.ws.readyState === 1 && peer.send(stray), 10);
      },
    });
  },
  run: twoTurns(60),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
  // The second turn went on a new connection, in full.
  check: (ctx) => {
    const frames = kitOf(ctx).frames;
    const second = frames[1];
    if (second?.connection !== 1) return [`second turn on connection ${second?.connection}`];
    return "previous_response_id" in second.frame ? ["second turn was incremental"] : [];
  },
});
add({
  fault: "close 1009 while idle between two turns: the next turn reconnects",
  setup: () => {
    const answer = numbered()!;
    return kit({
      onRequest: (peer, request, n) => {
        answer(peer, request, n);
        setTimeout(() => peer.close(1009, "too big"), 10);
      },
    });
  },
  run: twoTurns(60),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
});
add({
  fault: "each request answered twice (a second whole response trails the first)",
  setup: () => {
    let n = 0;
    return kit({
      onRequest: (peer) => {
        peer.send(...responseFrames(`resp_${n++}`), ...responseFrames("resp_ghost", "GHOST"));
      },
    });
  },
  run: twoTurns(30),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
});

// A hostile server: silence, pings and close codes ---------------------------------------------

add({
  fault: "upgrade accepted, then only pings: no frame ever",
  setup: () =>
    kit({
      onConnection: (peer) => {
        const timer = setInterval(() => peer.ws.readyState === 1 && peer.ping(), 25);
        peer.ws.on("close", () => clearInterval(timer));
      },
      onRequest: () => {},
    }),
  run: oneStream(),
  expect: { error: StreamIdleTimeoutError, retryable: true, attempts: 3 },
});
add({
  fault: "raw 101, then silence: no frame ever",
  setup: () => rawUpgrade(SWITCHING),
  run: oneStream(),
  expect: { error: StreamIdleTimeoutError, retryable: true, attempts: 3 },
});
add({
  fault: "raw 101 whose close handshake is never answered: close() gives up",
  setup: () => rawUpgrade(SWITCHING),
  run: on({}, async (socket) => {
    await socket.preconnect();
    const started = Date.now();
    await socket.close();
    return Date.now() - started < 2_000;
  }),
  expect: { ok: true },
  expectedValue: true,
});
add({
  fault: "101 without Sec-WebSocket-Accept",
  setup: () =>
    rawUpgrade(
      () => "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    ),
  run: oneStream(),
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "close 1009 before a reply: the server's limit, not retried",
  setup: () => kit({ onRequest: (peer) => peer.close(1009, "message too big") }),
  run: oneStream(),
  expect: { error: InvalidRequestError, retryable: false, attempts: 1 },
  check: (_ctx, outcome) =>
    errorOf(outcome)?.code === "request_too_large" ? [] : ["code is not request_too_large"],
});
add({
  fault: "close 1011 then close 1009 on the retry",
  setup: () => kit({ onRequest: (peer) => peer.close(peer.index === 0 ? 1011 : 1009, "no") }),
  run: oneStream(),
  expect: { error: InvalidRequestError, retryable: false, attempts: 2 },
});
add({
  fault: "close 1008 before a reply, its reason echoing the token",
  setup: () => kit({ onRequest: (peer) => peer.close(1008, `bad token ${SECRET_TOKEN}`) }),
  run: oneStream(),
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "close 4000 mid-stream, its reason echoing the api-key",
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(responseFrames("resp_cut")[0]!);
        setTimeout(() => peer.close(4000, `key ${SECRET_API_KEY}`), 10);
      },
    }),
  run: oneStream(),
  expect: { error: StreamError, retryable: true, status: 101 },
});
add({
  fault: "close 1000 after response.created, before completed",
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(responseFrames("resp_cut")[0]!);
        setTimeout(() => peer.close(1000), 10);
      },
    }),
  run: oneStream(),
  expect: { error: StreamError, retryable: true, status: 101 },
});

// A hostile server: secrets and odd values ---------------------------------------------------------

add({
  fault: "101 whose x-request-id echoes the token, then an in-band 400",
  setup: () =>
    kit({
      upgradeHeaders: () => ({ "x-request-id": SECRET_TOKEN, "x-echo": `Bearer ${SECRET_TOKEN}` }),
      onRequest: (peer) =>
        peer.send({ type: "error", status: 400, error: { message: "bad", code: "bad" } }),
    }),
  run: oneStream(),
  expect: { error: InvalidRequestError, status: 400, retryable: false },
});
add({
  fault: "101 whose x-request-id echoes the token, then a close mid-stream",
  setup: () =>
    kit({
      upgradeHeaders: () => ({ "x-request-id": SECRET_TOKEN }),
      onRequest: (peer) => {
        peer.send(responseFrames("resp_cut")[0]!);
        setTimeout(() => peer.close(1011), 10);
      },
    }),
  run: oneStream(),
  expect: { error: StreamError, retryable: true },
});
add({
  fault: "upgrade 401 echoing the token in WWW-Authenticate, x-request-id and body",
  setup: () =>
    kit({
      refuse: () => ({
        status: 401,
        headers: {
          "www-authenticate": `Bearer realm="${SECRET_TOKEN}"`,
          "x-request-id": SECRET_TOKEN,
          "content-type": "text/plain",
        },
        body: `no such key ${SECRET_API_KEY} for token ${SECRET_TOKEN}`,
      }),
    }),
  run: oneStream(),
  expect: { error: AuthError, status: 401, retryable: false },
});
add({
  fault: "upgrade 302 to a Location carrying secrets in host, userinfo and query",
  setup: () =>
    kit({
      refuse: () => ({
        status: 302,
        headers: {
          location: `https://user:${SECRET_TOKEN}@${SECRET_TOKEN}.evil.example/?api-key=${SECRET_API_KEY}`,
        },
      }),
    }),
  run: oneStream(),
  expect: { error: InvalidRequestError, status: 302, retryable: false, attempts: 1 },
  check: (_ctx, outcome) => (errorOf(outcome)?.code === "redirect" ? [] : ["code is not redirect"]),
});
add({
  fault: "upgrade 429 usage_limit_reached whose plan_type echoes the token",
  setup: () =>
    kit({
      refuse: () => ({
        status: 429,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          error: { type: "usage_limit_reached", message: "limit", plan_type: SECRET_TOKEN },
        }),
      }),
    }),
  run: oneStream(),
  expect: { error: UsageLimitReachedError, status: 429, retryable: false },
});
add({
  fault: "in-band 429 usage_limit_reached whose plan_type is a number",
  setup: () =>
    kit({
      onRequest: (peer) =>
        peer.send({
          type: "error",
          status: 429,
          error: { type: "usage_limit_reached", message: "limit", plan_type: 42 },
        }),
    }),
  run: oneStream(),
  expect: { error: UsageLimitReachedError, status: 429, retryable: false },
  check: (_ctx, outcome) =>
    (errorOf(outcome) as UsageLimitReachedError | undefined)?.planType === undefined
      ? []
      : ["planType set from a number"],
});
const PLANS: unknown[] = [42, "", "   ", "  plus  ", null, { name: "pro" }, ["pro"], "__proto__"];
add({
  fault: "codex.rate_limits frames whose plan_type is a number, blank, padded, null, an object…",
  setup: () =>
    kit({
      onRequest: (peer) => {
        for (const plan of PLANS) {
          peer.send({
            type: "codex.rate_limits",
            plan_type: plan,
            rate_limits: { primary: { used_percent: 10, window_minutes: 60 } },
          });
        }
        peer.send(...responseFrames("resp_plans"));
      },
    }),
  run: async (ctx) => {
    const events = await oneStream()(ctx);
    return events.flatMap((e) => (e.type === "rateLimits" ? [e.snapshot.planType ?? null] : []));
  },
  expect: { ok: true },
  expectedValue: [null, null, null, "plus", null, null, null, "__proto__"],
});
add({
  fault: 'codex.rate_limits with "__proto__" keys at every level',
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(
          '{"type":"codex.rate_limits","__proto__":{"plan_type":"pro"},"rate_limits":{"__proto__":{"primary":{"used_percent":99}},"primary":{"used_percent":5}}}',
        );
        peer.send(...responseFrames("resp_proto"));
      },
    }),
  run: async (ctx) => {
    const events = await oneStream()(ctx);
    const polluted = ({} as Record<string, unknown>)["plan_type"] !== undefined;
    return [polluted, events.filter((e) => e.type === "rateLimits")];
  },
  expect: { ok: true },
  expectedValue: [false, [{ type: "rateLimits", snapshot: { primary: { usedPercent: 5 } } }]],
});
add({
  fault: "in-band error frames of status 200, -1, 99, 1e400 and a string",
  setup: () => {
    const statuses: unknown[] = [200, -1, 99, "1e400", "503"];
    return kit({
      onRequest: (peer) =>
        peer.send({
          type: "error",
          status: statuses[Math.min(peer.index, statuses.length - 1)],
          error: { message: "odd status" },
        }),
    });
  },
  retry: { maxAttempts: 5 },
  run: oneStream(),
  expect: { error: CodexApiError },
});
add({
  fault: "in-band 503 whose headers are a string, then an array, then retry-after-ms 1e400",
  setup: () => {
    const headers: unknown[] = ["retry-after-ms: 1", ["x"], { "retry-after-ms": "1e400" }];
    return kit({
      onRequest: (peer) =>
        peer.send({
          type: "error",
          status: 503,
          error: { message: "busy" },
          headers: headers[Math.min(peer.index, 2)],
        }),
    });
  },
  run: oneStream(),
  expect: { error: ServerError, status: 503, retryable: true, attempts: 3 },
});
add({
  fault: "first frame JSON null, then silence",
  setup: () => kit({ onRequest: (peer) => peer.send("null") }),
  run: oneStream(),
  expect: { error: CodexApiError },
});
add({
  fault:
    "previous_response_not_found naming the previous response is answered on the same connection",
  setup: () => {
    let n = 0;
    return kit({
      onRequest: (peer, request) => {
        const previous = request["previous_response_id"];
        if (typeof previous === "string") {
          return peer.send({
            type: "error",
            status: 400,
            response_id: previous,
            error: {
              code: "previous_response_not_found",
              message: `Previous response with id "${previous}" not found.`,
              param: "previous_response_id",
            },
          });
        }
        peer.send(...responseFrames(`resp_${n++}`));
      },
    });
  },
  run: twoTurns(),
  expect: { ok: true },
  baseline: () => kit({ onRequest: numbered() }),
  check: (ctx) => {
    const frames = kitOf(ctx).frames.map((f) => f.connection);
    const retries = ctx.capture.retries.length;
    return frames.join() === "0,0,0" && retries === 0
      ? []
      : [`frames on connections ${frames.join()}, ${retries} retries`];
  },
});

// fallbackToHttp "on-failure" -----------------------------------------------------------------------

/** A row of one stream under `fallbackToHttp: "on-failure"`; the socket's transport is checked after. */
function onFailure(
  row: Omit<FaultCase, "endpoint" | "run" | "check">,
  transport: "websocket" | "http",
): void {
  const keep: { socket?: ResponsesSocket } = {};
  const options = { fallbackToHttp: "on-failure" } as const;
  add({
    ...row,
    run: on(options, async (s) => drain(await s.stream(STREAM_REQUEST)), keep),
    check: transportIs(keep, transport),
  });
}
const events = () => mockSocket({ events: SHORT });
onFailure(
  {
    fault: "on-failure: upgrade 503 every time, and the HTTP replay fails with 500 too",
    setup: () => mockSocket({ status: 500 }, { upgrade: { status: 503 } }),
    expect: { error: ServerError, status: 500, retryable: true, attempts: 3 },
  },
  "http",
);
onFailure(
  {
    fault: "on-failure: the upgrade stalls every time, and so does the HTTP replay",
    setup: () => rawUpgrade(() => ""),
    expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
  },
  "http",
);
onFailure(
  {
    fault: "on-failure: no first frame within streamIdleTimeoutMs on every attempt",
    setup: () => mockSocket([...Array(3).fill({ stallBeforeHeaders: true }), { events: SHORT }]),
    expect: { ok: true },
    baseline: events,
  },
  "http",
);
onFailure(
  {
    fault: "on-failure: every connection closed before a reply",
    setup: () => mockSocket([...Array(3).fill({ resetAfterBytes: 0 }), { events: SHORT }]),
    expect: { ok: true },
    baseline: events,
  },
  "http",
);
onFailure(
  {
    fault: "on-failure: an in-band 503 after a good upgrade, every time, keeps the socket",
    setup: () => mockSocket({ status: 503 }),
    expect: { error: ServerError, status: 503, attempts: 3 },
  },
  "websocket",
);
onFailure(
  {
    fault: "on-failure: upgrade 401 twice keeps the socket",
    auth: "refresh",
    setup: () => mockSocket({}, { upgrade: { status: 401 } }),
    expect: { error: AuthError, status: 401 },
  },
  "websocket",
);
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "on-failure: the caller aborts during the socket's backoff",
    setup: () => mockSocket({}, { upgrade: { status: 503 } }),
    retry: { baseDelayMs: 2_000, maxDelayMs: 5_000 },
    run: (ctx) => {
      const controller = new AbortController();
      ctx.capture.afterRetry = () => setTimeout(() => controller.abort(), 20);
      return on(
        { fallbackToHttp: "on-failure" },
        async (s) => drain(await s.stream(STREAM_REQUEST, { signal: controller.signal })),
        keep,
      )(ctx);
    },
    expect: { error: AbortError, retryable: false },
    check: transportIs(keep, "websocket"),
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "upgrade 426 answering a preconnect: the stream goes over HTTP",
    setup: () => mockSocket({}, { upgrade: { status: 426 } }),
    run: on(
      {},
      async (s) => {
        await s.preconnect();
        return drain(await s.stream(STREAM_REQUEST));
      },
      keep,
    ),
    expect: { ok: true },
    baseline: plain,
    check: transportIs(keep, "http"),
  });
}
add({
  fault: "refused upgrade whose body never ends",
  setup: () =>
    rawUpgrade(() => "HTTP/1.1 503 Busy\r\ntransfer-encoding: chunked\r\n\r\n").then(
      async (served) => served,
    ),
  run: oneStream(),
  expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
});
add({
  fault: "refused upgrade whose Content-Length is never met",
  setup: () => rawUpgrade(() => 'HTTP/1.1 503 Busy\r\ncontent-length: 100\r\n\r\n{"error":'),
  run: oneStream(),
  expect: { error: RequestTimeoutError, retryable: true, attempts: 3 },
});
add({
  fault: "on-failure: a preconnect refused with 503 every time rejects and changes nothing",
  setup: () => mockSocket({ events: SHORT }, { upgrade: [...Array(3).fill({ status: 503 }), {}] }),
  run: on({ fallbackToHttp: "on-failure" }, async (socket) => {
    const refused = await socket.preconnect().then(
      () => "resolved",
      (error: unknown) => (error as Error).name,
    );
    const transport = socket.transport;
    const last = (await drain(await socket.stream(STREAM_REQUEST))).at(-1)?.type;
    return [refused, transport, last, socket.transport];
  }),
  expect: { ok: true },
  expectedValue: ["ServerError", "websocket", "completed", "websocket"],
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

// A hostile server: frames a WebSocket refuses -----------------------------------------------------

add({
  fault: "a text frame of invalid UTF-8 mid-stream",
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(responseFrames("resp_utf8")[0]!);
        peer.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      },
    }),
  run: oneStream(),
  expect: { error: StreamError, retryable: true, status: 101 },
});
add({
  fault: "a close whose reason is invalid UTF-8, before a reply",
  setup: () =>
    kit({ onRequest: (peer) => peer.ws.close(4001, Buffer.from([0xc3, 0x28]) as never) }),
  run: oneStream(),
  expect: { error: TransportError, retryable: true, attempts: 3 },
});
add({
  fault: "a message in 200 fragments of 1 KiB past limits.maxEventBytes 64 KiB",
  provider: { limits: { maxEventBytes: 64 * 1024 } },
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(responseFrames("resp_frag")[0]!);
        const chunk = Buffer.alloc(1024, 0x61);
        for (let i = 0; i < 200; i++) peer.ws.send(chunk, { binary: false, fin: i === 199 });
      },
    }),
  run: oneStream(),
  expect: { error: InvalidResponseError, retryable: false, status: 101 },
});
const DELTAS = 5_000;
add({
  fault: `${DELTAS} deltas in one burst to a reader that pauses`,
  setup: () =>
    kit({
      onRequest: (peer) => {
        const [created, , done, completed] = responseFrames("resp_burst");
        const delta = { type: "response.output_text.delta", item_id: "msg_resp_burst", delta: "x" };
        peer.send(created!, ...Array<typeof delta>(DELTAS).fill(delta), done!, completed!);
      },
    }),
  run: on({}, async (socket) => {
    let text = "";
    let n = 0;
    for await (const e of await socket.stream(STREAM_REQUEST)) {
      if (e.type === "outputTextDelta") text += e.delta;
      if (++n % 1_000 === 0) await sleep(5);
    }
    return [n, text.length];
  }),
  expect: { ok: true },
  // created, the deltas, the item's done, completed: none dropped while `ws` was paused.
  expectedValue: [DELTAS + 3, DELTAS],
  deadlineMs: 10_000,
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

// A hostile server: the token echoed inside frames ------------------------------------------------

add({
  fault: "a frame whose type is the token (onSseEvent telemetry)",
  setup: () =>
    kit({
      onRequest: (peer) => {
        const [created, ...rest] = responseFrames("resp_echo");
        peer.send(created!, { type: `echo.${SECRET_TOKEN}` }, ...rest);
      },
    }),
  run: async (ctx) => (await oneStream()(ctx)).length,
  expect: { ok: true },
  expectedValue: 4,
});
add({
  fault: "response.failed whose message, code and param echo the token and api-key",
  setup: () =>
    kit({
      onRequest: (peer) => {
        const error = {
          code: `c_${SECRET_TOKEN}`,
          message: `bad ${SECRET_API_KEY}`,
          param: SECRET_TOKEN,
        };
        peer.send(responseFrames("resp_f")[0]!, {
          type: "response.failed",
          response: { id: "resp_f", status: "failed", error },
        });
      },
    }),
  run: oneStream(),
  expect: { error: CodexApiError, status: 101 },
});
add({
  fault: "an error frame without status whose type and param echo the token",
  setup: () =>
    kit({
      onRequest: (peer) =>
        peer.send(responseFrames("resp_e")[0]!, {
          type: "error",
          error: { type: SECRET_TOKEN, param: `p ${SECRET_API_KEY}`, message: "x" },
        }),
    }),
  run: oneStream(),
  expect: { error: CodexApiError },
});
