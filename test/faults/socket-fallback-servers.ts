// Fault-matrix rows of the socket's HTTP fallback, part two: the move to HTTP (queued streams, a 426
// mid-conversation, odd 426 replies), upgrades that open and then close with odd codes, and more races
// of close() and the caller's abort around the move.
import {
  AbortError,
  InvalidRequestError,
  RequestTimeoutError,
  ServerError,
  StreamError,
  TransportError,
} from "../../src/index.js";
import { type ResponsesSocket } from "../../src/websocket/index.js";
import { responseFrames } from "../helpers/ws-server.js";
import { SHORT, STREAM_REQUEST } from "./kit.js";
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

import {
  add,
  httpPosts,
  LONG_IDLE,
  mocked,
  posts,
  promptly,
  STALLED,
} from "./socket-fallback-kit.js";

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
