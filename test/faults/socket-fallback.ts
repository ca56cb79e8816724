// Fault-matrix rows of the socket's HTTP fallback (README "Responses over WebSocket"): close() while
// the socket moves to HTTP or runs a request there (mid-stream, waiting for headers, in a backoff, from
// inside a hook), many close() calls at once, upgrades that open and then close with odd codes,
// and a fallback in the middle of a conversation. Each run closes its socket (the leak check holds).
import {
  AbortError,
  InvalidRequestError,
  RequestTimeoutError,
  ServerError,
  StreamError,
  TransportError,
} from "../../src/index.js";
import {
  startMockServer,
  type MockReply,
  type MockScript,
  type MockServer,
} from "../../src/testing/index.js";
import { type ResponsesSocket } from "../../src/websocket/index.js";
import { responseFrames } from "../helpers/ws-server.js";
import {
  front,
  type FaultCase,
  type RunContext,
  type Served,
  SHORT,
  STREAM_REQUEST,
} from "./kit.js";
import {
  both,
  drain,
  kit,
  messageHas,
  on,
  rawUpgrade,
  SWITCHING,
  transportIs,
} from "./websocket-attack-kit.js";
import { SECRET_TOKEN } from "./harness.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const SOCKET_FALLBACK_CASES: FaultCase[] = [];
const add = (c: Omit<FaultCase, "endpoint">) =>
  SOCKET_FALLBACK_CASES.push({ ...c, fault: `fallback: ${c.fault}`, endpoint: "websocket" });

type MockServed = Served & { mock: MockServer };
type Upgrade = NonNullable<MockScript["websocket"]>["upgrade"];
/** The mock with these replies (shared by socket requests and HTTP POSTs) behind the counting front. */
async function mocked(
  replies: MockReply | MockReply[],
  upgrade: Upgrade = { status: 426 },
  closeAfterRequests?: number,
): Promise<MockServed> {
  const list = (Array.isArray(replies) ? replies : [replies]).map((r) => ({
    ...r,
    headers: { ...r.headers, connection: "close" },
  }));
  const websocket = { upgrade, ...(closeAfterRequests ? { closeAfterRequests } : {}) };
  const mock = await startMockServer({ rateLimitHeaders: false, responses: list, websocket });
  const served = await front({
    url: mock.url,
    openConnections: () => mock.openConnections(),
    requestCount: () => mock.frames.length + mock.requests.length,
    lastRequestId: () => undefined,
    close: () => mock.close(),
  });
  return { ...served, mock };
}
const mockOf = (ctx: RunContext) => (ctx.served as MockServed).mock;
const posts = (ctx: RunContext) => mockOf(ctx).requests.filter((r) => r.method === "POST");
/** The number of HTTP POSTs /responses the mock received (socket requests are frames). */
const httpPosts =
  (n: number): NonNullable<FaultCase["check"]> =>
  (ctx) => {
    const got = posts(ctx).filter((r) => r.endpoint === "responses").length;
    return got === n ? [] : [`${got} HTTP POSTs, want ${n}`];
  };
/** Fails a run that took longer than `ms`: close() must end what runs well before its idle timeout. */
async function promptly<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    const took = Date.now() - started;
    if (took > ms) throw new Error(`took ${took} ms, want under ${ms} ms`);
  }
}
const STALLED = { events: SHORT, stallAfterEvents: 2 } as const;
// A stalled stream would otherwise end by its idle timeout: only close() may end it here.
const LONG_IDLE = { streamIdleTimeoutMs: 30_000, requestTimeoutMs: 30_000 } as const;

/** Reads `stream` until `n` events, then calls `then` and reads on. */
async function readThen(
  stream: AsyncIterable<unknown>,
  n: number,
  then: () => unknown,
): Promise<number> {
  let seen = 0;
  for await (const _ of stream) if (++seen === n) void then();
  return seen;
}

// close() over HTTP -------------------------------------------------------------------------------

add({
  fault: "close() mid-stream over HTTP after a 426",
  setup: () => mocked(STALLED),
  ...LONG_IDLE,
  run: on({}, async (s) =>
    promptly(3_000, async () => readThen(await s.stream(STREAM_REQUEST), 1, () => s.close())),
  ),
  expect: { error: AbortError, retryable: false },
  check: httpPosts(1),
});
add({
  fault: "close() while the fallback POST waits for its headers",
  setup: () => mocked({ stallBeforeHeaders: true }),
  ...LONG_IDLE,
  run: on({}, async (s, ctx) =>
    promptly(3_000, async () => {
      const pending = s.stream(STREAM_REQUEST);
      while (posts(ctx).length === 0) await new Promise((r) => setTimeout(r, 5));
      await s.close();
      return pending;
    }),
  ),
  expect: { error: AbortError, retryable: false },
});
add({
  fault: "close() during the fallback POST's retry backoff",
  setup: () => mocked([{ status: 503 }, { events: SHORT }]),
  retry: { baseDelayMs: 5_000, maxDelayMs: 10_000 },
  run: on({}, async (s, ctx) =>
    promptly(2_000, () => {
      ctx.capture.afterRetry = () => setTimeout(() => void s.close(), 20);
      return s.stream(STREAM_REQUEST);
    }),
  ),
  expect: { error: AbortError, retryable: false },
  check: httpPosts(1),
});
add({
  fault: "close() ends two HTTP streams running side by side",
  setup: () => mocked(STALLED),
  ...LONG_IDLE,
  run: on({}, async (s) => {
    await s.preconnect();
    const streams = await Promise.all([s.stream(STREAM_REQUEST), s.stream(STREAM_REQUEST)]);
    const reads = streams.map((st) =>
      drain(st).then(
        () => "done",
        (e: Error) => e.name,
      ),
    );
    await s.close();
    return promptly(3_000, () => Promise.all(reads));
  }),
  expect: { ok: true },
  expectedValue: ["AbortError", "AbortError"],
  check: httpPosts(2),
});
add({
  fault: "five close() calls at once while an HTTP stream runs",
  setup: () => mocked(STALLED),
  ...LONG_IDLE,
  run: on({}, async (s) => {
    const stream = await s.stream(STREAM_REQUEST);
    const reading = drain(stream).then(
      () => "done",
      (e: Error) => e.name,
    );
    const closes = await Promise.allSettled([1, 2, 3, 4, 5].map(() => s.close()));
    return [closes.map((c) => c.status), await reading];
  }),
  expect: { ok: true },
  expectedValue: [Array(5).fill("fulfilled"), "AbortError"],
});
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "close() from inside onSseEvent of an HTTP stream",
    setup: () => mocked({ events: SHORT, stallAfterEvents: 3 }),
    ...LONG_IDLE,
    options: (base) => ({
      ...base,
      telemetry: { ...base.telemetry, onSseEvent: () => void keep.socket?.close() },
    }),
    run: on(
      {},
      async (s) => promptly(3_000, async () => drain(await s.stream(STREAM_REQUEST))),
      keep,
    ),
    expect: { error: AbortError, retryable: false },
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "close() from inside onRequest of the fallback POST",
    setup: () => mocked(STALLED),
    ...LONG_IDLE,
    options: (base) => ({
      ...base,
      telemetry: {
        ...base.telemetry,
        onRequest: (info) => {
          base.telemetry?.onRequest?.(info);
          if ((info as { status?: number }).status === 200) void keep.socket?.close();
        },
      },
    }),
    run: on(
      {},
      async (s) => promptly(3_000, async () => drain(await s.stream(STREAM_REQUEST))),
      keep,
    ),
    expect: { error: AbortError, retryable: false },
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "close() from inside the fallback's warning: nothing goes over HTTP",
    setup: () => mocked({ events: SHORT }),
    options: (base) => ({
      ...base,
      logger: { ...base.logger, warn: () => void keep.socket?.close() },
    }),
    run: on({}, (s) => s.stream(STREAM_REQUEST), keep),
    expect: { error: AbortError, retryable: false },
    check: httpPosts(0),
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "close() from inside onRequest of the refused (426) upgrade",
    setup: () => mocked({ events: SHORT }),
    options: (base) => ({
      ...base,
      telemetry: {
        ...base.telemetry,
        onRequest: (info) => {
          base.telemetry?.onRequest?.(info);
          if ((info as { status?: number }).status === 426) void keep.socket?.close();
        },
      },
    }),
    run: on({}, (s) => s.stream(STREAM_REQUEST), keep),
    expect: { error: AbortError, retryable: false },
    check: httpPosts(0),
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "on-failure: close() from inside onRetry of the upgrade's backoff",
    setup: () => mocked({ events: SHORT }, { status: 503 }),
    retry: { baseDelayMs: 2_000, maxDelayMs: 5_000 },
    options: (base) => ({
      ...base,
      telemetry: { ...base.telemetry, onRetry: () => void keep.socket?.close() },
    }),
    run: on(
      { fallbackToHttp: "on-failure" },
      (s) => promptly(1_500, () => s.stream(STREAM_REQUEST)),
      keep,
    ),
    expect: { error: AbortError, retryable: false },
    check: (ctx) => [...httpPosts(0)(ctx, {}), ...transportIs(keep, "websocket")(ctx, {})],
  });
}
add({
  fault: "close() while the upgrade that will be refused (426) is held by the server",
  setup: () =>
    kit({
      upgradeDelayMs: () => 150,
      refuse: () => ({ status: 426 }),
      onHttp: (_b, res) => res.end(),
    }),
  run: on({}, async (s) => {
    const pending = s.stream(STREAM_REQUEST);
    setTimeout(() => void s.close(), 30);
    return pending;
  }),
  expect: { error: AbortError, retryable: false },
  check: (ctx) => {
    const http = (ctx.served as Awaited<ReturnType<typeof kit>>).ws.httpRequests;
    return http === 0 ? [] : [`${http} HTTP requests after close()`];
  },
});
add({
  // Like a request queued behind another (test/websocket/lifecycle.test.ts): refused as closed.
  fault: "close() in the tick stream() was called, before its turn: refused, nothing sent",
  setup: () => mocked({ events: SHORT }),
  run: on({}, async (s) => {
    const pending = s.stream(STREAM_REQUEST);
    void s.close();
    return pending;
  }),
  expect: { error: InvalidRequestError, retryable: false },
  check: httpPosts(0),
});
add({
  fault: "a stream started after close() on a socket that moved to HTTP",
  setup: () => mocked({ events: SHORT }),
  run: on({}, async (s) => {
    await drain(await s.stream(STREAM_REQUEST));
    await s.close();
    return s.stream(STREAM_REQUEST);
  }),
  expect: { error: InvalidRequestError, retryable: false },
  check: httpPosts(1),
});
add({
  fault: "close() after an HTTP stream completed, then its collect()",
  setup: () => mocked({ events: SHORT }),
  run: on({}, async (s) => {
    const stream = await s.stream(STREAM_REQUEST);
    const events = await drain(stream);
    await s.close();
    return [events.length > 0, (await stream.collect()).responseId !== undefined];
  }),
  expect: { ok: true },
  expectedValue: [true, true],
});
add({
  fault: "collect() of an HTTP stream racing close()",
  setup: () => mocked(STALLED),
  ...LONG_IDLE,
  run: on({}, async (s) => {
    const stream = await s.stream(STREAM_REQUEST);
    const collecting = stream.collect();
    void s.close();
    return promptly(3_000, () => collecting);
  }),
  expect: { error: AbortError, retryable: false },
});
add({
  fault: "close() of an HTTP stream nobody reads, read afterwards",
  setup: () => mocked(STALLED),
  ...LONG_IDLE,
  run: on({}, async (s) => {
    const stream = await s.stream(STREAM_REQUEST);
    await s.close();
    return promptly(3_000, () => drain(stream));
  }),
  expect: { error: AbortError, retryable: false },
});
add({
  fault: "the caller's signal aborted mid-stream over HTTP, then close()",
  setup: () => mocked(STALLED),
  ...LONG_IDLE,
  run: on({}, async (s) => {
    const controller = new AbortController();
    const stream = await s.stream(STREAM_REQUEST, { signal: controller.signal });
    try {
      return await readThen(stream, 1, () => controller.abort(new Error("enough")));
    } finally {
      await s.close();
    }
  }),
  expect: { error: AbortError, retryable: false },
});
add({
  fault: "an already-aborted signal on a socket that moved to HTTP sends nothing",
  setup: () => mocked({ events: SHORT }),
  run: on({}, async (s) => {
    await s.preconnect();
    return s.stream(STREAM_REQUEST, { signal: AbortSignal.abort() });
  }),
  expect: { error: AbortError, retryable: false },
  check: httpPosts(0),
});

// The move to HTTP ---------------------------------------------------------------------------------

add({
  fault: "streams queued behind the request the server answers with 426 all go over HTTP",
  setup: () => mocked({ events: SHORT }),
  run: on({}, async (s) => {
    const streams = [1, 2, 3].map(async () => (await drain(await s.stream(STREAM_REQUEST))).length);
    return [await Promise.all(streams), s.transport];
  }),
  expect: { ok: true },
  // Each stream's events: the three of SHORT and the two the reply's headers give.
  expectedValue: [[5, 5, 5], "http"],
  check: httpPosts(3),
});
add({
  fault: "close() while streams wait behind the request the server answers with 426",
  setup: () => kit({ upgradeDelayMs: () => 100, refuse: () => ({ status: 426 }) }),
  run: on({}, async (s) => {
    const streams = [1, 2, 3].map((_) => s.stream(STREAM_REQUEST));
    setTimeout(() => void s.close(), 30);
    const settled = await Promise.allSettled(streams);
    return settled.map((r) => (r.status === "rejected" ? (r.reason as Error).name : "resolved"));
  }),
  expect: { ok: true },
  expectedValue: ["AbortError", "InvalidRequestError", "InvalidRequestError"],
});
add({
  fault: "a 426 in the middle of a conversation: the next turn goes over HTTP in full",
  // The connection is closed after one request; the reconnect is refused with 426.
  setup: () => mocked({}, [{}, { status: 426 }], 1),
  run: on({}, async (s, ctx) => {
    const first = await s.stream(STREAM_REQUEST);
    await drain(first);
    const { items } = await first.collect();
    await new Promise((r) => setTimeout(r, 30));
    const input = [...(STREAM_REQUEST.input as unknown[]), ...items] as typeof items;
    await drain(await s.stream({ ...STREAM_REQUEST, input }));
    const body = posts(ctx).at(-1)?.body as Record<string, unknown> | undefined;
    return [s.transport, body?.["previous_response_id"] ?? null, (body?.["input"] as []).length];
  }),
  expect: { ok: true },
  expectedValue: ["http", null, 2],
});
add({
  fault: "on-failure: the server drops every connection after a first good turn",
  setup: () =>
    mocked([{}, { resetAfterBytes: 0 }, { resetAfterBytes: 0 }, { resetAfterBytes: 0 }, {}], {}, 1),
  run: on({ fallbackToHttp: "on-failure" }, async (s) => {
    await drain(await s.stream(STREAM_REQUEST));
    // The server's close after the first request reaches the client before the second turn.
    await new Promise((r) => setTimeout(r, 30));
    const second = await drain(await s.stream(STREAM_REQUEST));
    return [second.at(-1)?.type, s.transport];
  }),
  expect: { ok: true },
  expectedValue: ["completed", "http"],
  check: httpPosts(1),
});
add({
  fault: "the fallback POST is answered with 426 too",
  setup: () => mocked({ status: 426, body: { error: { message: "upgrade required" } } }),
  run: on({}, (s) => s.stream(STREAM_REQUEST)),
  expect: { error: InvalidRequestError, status: 426, retryable: false },
  check: httpPosts(1),
});
add({
  fault: "a 426 whose body echoes the token: neither the warning nor the error carries it",
  setup: () => mocked({ status: 500 }, { status: 426, body: `needs upgrade ${SECRET_TOKEN}` }),
  run: on({}, (s) => s.stream(STREAM_REQUEST)),
  expect: { error: ServerError, status: 500 },
});
add({
  fault: "a 426 with a 1 MB body still moves the socket",
  setup: () => mocked({ events: SHORT }, { status: 426, body: "x".repeat(1 << 20) }),
  run: on({}, async (s) => [(await drain(await s.stream(STREAM_REQUEST))).length, s.transport]),
  expect: { ok: true },
  expectedValue: [5, "http"],
});
add({
  fault: "a 426 whose body never ends",
  setup: () =>
    rawUpgrade(() => "HTTP/1.1 426 Upgrade Required\r\ntransfer-encoding: chunked\r\n\r\n"),
  run: on({}, (s) => s.stream(STREAM_REQUEST)),
  // The status decides; the fallback POST reaches the same raw server and its endless 426.
  expect: { error: RequestTimeoutError, retryable: true },
  // One handshake, then the POST's three attempts.
  check: both(
    (ctx) => (ctx.served.requestCount() === 4 ? [] : [`${ctx.served.requestCount()} requests`]),
    messageHas(/^POST /),
  ),
});
add({
  fault: "warmup() answered with 426 resolves with '' and sends nothing over HTTP",
  setup: () => mocked({ events: SHORT }),
  run: on({}, async (s) => [await s.warmup(STREAM_REQUEST), s.transport]),
  expect: { ok: true },
  expectedValue: ["", "http"],
  check: httpPosts(0),
});
add({
  fault: "an HTTP stream reset mid-way after the fallback; the next one completes",
  setup: () => mocked([{ events: SHORT, dropAfterEvents: 1 }, { events: SHORT }]),
  run: on({}, async (s) => {
    const first = await drain(await s.stream(STREAM_REQUEST)).then(
      () => "done",
      (e: Error) => e.name,
    );
    const second = (await drain(await s.stream(STREAM_REQUEST))).at(-1)?.type;
    return [first, second, s.transport];
  }),
  expect: { ok: true },
  expectedValue: ["StreamError", "completed", "http"],
});

// Upgrades that open, then close with odd codes ---------------------------------------------------

/** A raw server: 101, then a close frame carrying `payload` (a code and a reason, or anything). */
const closeFrame = (payload: Buffer) =>
  rawUpgrade(
    (accept) =>
      SWITCHING(accept) +
      Buffer.concat([Buffer.from([0x88, payload.length]), payload]).toString("latin1"),
  );
const code = (n: number, reason = "") => {
  const b = Buffer.alloc(2 + reason.length);
  b.writeUInt16BE(n, 0);
  b.write(reason, 2, "latin1");
  return b;
};
for (const [name, payload] of [
  ["1012 (service restart)", code(1012, "restart")],
  ["4999 (a private code)", code(4999)],
  ["999 (an invalid code)", code(999)],
  ["1005 sent on the wire (reserved)", code(1005)],
  ["a one-byte payload (malformed)", Buffer.from([0x03])],
] as const) {
  add({
    fault: `101 then close ${name} before a reply: not a reason to move`,
    setup: () => closeFrame(payload),
    run: on({}, (s) => s.stream(STREAM_REQUEST)),
    expect: { error: TransportError, retryable: true, attempts: 3 },
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "on-failure: 101 then close 1013 (try again later) on every attempt moves to HTTP",
    setup: async () => {
      const served = await kit({
        onRequest: (peer) => peer.close(1013, "later"),
        onHttp: (_b, res) =>
          res.writeHead(200, { "content-type": "text/event-stream", connection: "close" }).end(
            responseFrames("resp_http")
              .map((f) => `data: ${JSON.stringify(f)}\n\n`)
              .join(""),
          ),
      });
      return served;
    },
    run: on(
      { fallbackToHttp: "on-failure" },
      async (s) => (await drain(await s.stream(STREAM_REQUEST))).at(-1)?.type,
      keep,
    ),
    expect: { ok: true },
    expectedValue: "completed",
    check: transportIs(keep, "http"),
  });
}
add({
  fault: "close 1001 mid-turn (after response.created): the socket stays",
  setup: () =>
    kit({
      onRequest: (peer) => {
        peer.send(responseFrames("resp_mid")[0]!);
        setTimeout(() => peer.close(1001, "going away"), 10);
      },
    }),
  run: on({ fallbackToHttp: "on-failure" }, async (s) => {
    const error = await drain(await s.stream(STREAM_REQUEST)).then(
      () => "done",
      (e: Error) => e.constructor.name,
    );
    return [error, s.transport];
  }),
  expect: { ok: true },
  expectedValue: [StreamError.name, "websocket"],
});

// More races around the move ----------------------------------------------------------------------

{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "on-failure: close() from inside the fallback's warning: nothing goes over HTTP",
    setup: () => mocked({ events: SHORT }, { status: 503 }),
    options: (base) => ({
      ...base,
      logger: { ...base.logger, warn: () => void keep.socket?.close() },
    }),
    run: on({ fallbackToHttp: "on-failure" }, (s) => s.stream(STREAM_REQUEST), keep),
    expect: { error: AbortError, retryable: false },
    check: httpPosts(0),
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "the caller aborts while the upgrade that will be refused (426) is held",
    setup: () =>
      kit({
        upgradeDelayMs: () => 150,
        refuse: () => ({ status: 426 }),
        onHttp: (_b, r) => r.end(),
      }),
    run: on({}, (s) => s.stream(STREAM_REQUEST, { signal: AbortSignal.timeout(30) }), keep),
    expect: { error: AbortError, retryable: false },
    check: transportIs(keep, "websocket"),
  });
}
add({
  fault: "preconnect() while an HTTP stream runs resolves at once; close() then ends the stream",
  setup: () => mocked(STALLED),
  ...LONG_IDLE,
  run: on({}, async (s) => {
    const stream = await s.stream(STREAM_REQUEST);
    const reading = drain(stream).then(
      () => "done",
      (e: Error) => e.name,
    );
    await promptly(1_000, () => s.preconnect());
    await s.close();
    return promptly(3_000, () => reading);
  }),
  expect: { ok: true },
  expectedValue: "AbortError",
  check: httpPosts(1),
});
add({
  fault: "on-failure: close() while the HTTP replay waits for its headers",
  setup: () => mocked({ stallBeforeHeaders: true }, { status: 503 }),
  ...LONG_IDLE,
  run: on({ fallbackToHttp: "on-failure" }, async (s, ctx) =>
    promptly(3_000, async () => {
      const pending = s.stream(STREAM_REQUEST);
      while (posts(ctx).length === 0) await new Promise((r) => setTimeout(r, 5));
      await s.close();
      return pending;
    }),
  ),
  expect: { error: AbortError, retryable: false },
});
add({
  fault: "break out of an HTTP stream, then another stream, then close()",
  setup: () => mocked([STALLED, { events: SHORT }]),
  ...LONG_IDLE,
  run: on({}, async (s) => {
    for await (const _ of await s.stream(STREAM_REQUEST)) break;
    return (await drain(await s.stream(STREAM_REQUEST))).at(-1)?.type;
  }),
  expect: { ok: true },
  expectedValue: "completed",
  check: httpPosts(2),
});
