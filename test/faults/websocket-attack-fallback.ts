// Fault-matrix rows of the WebSocket adversary: `fallbackToHttp: "on-failure"` (an HTTP replay that
// fails too, idle timeouts, closes before a reply, what must not move the socket, a preconnect).
import { AbortError, AuthError, RequestTimeoutError, ServerError } from "../../src/index.js";
import { type ResponsesSocket } from "../../src/websocket/index.js";
import { type FaultCase, SHORT, STREAM_REQUEST } from "./kit.js";
import { mockSocket } from "./websocket-cases.js";
import {
  add,
  rawUpgrade,
  drain,
  on,
  oneStream,
  transportIs,
  plain,
} from "./websocket-attack-kit.js";

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
