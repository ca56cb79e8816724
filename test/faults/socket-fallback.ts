// Fault-matrix rows of the socket's HTTP fallback (README "Responses over WebSocket"): close() while
// the socket moves to HTTP or runs a request there (mid-stream, waiting for headers, in a backoff, from
// inside a hook), many close() calls at once. socket-fallback-servers.ts adds hostile servers and
// races around the move. Each run closes its socket (the leak check holds).
import { AbortError, InvalidRequestError } from "../../src/index.js";
import { type ResponsesSocket } from "../../src/websocket/index.js";
import { SHORT, STREAM_REQUEST } from "./kit.js";
import { drain, kit, on, transportIs } from "./websocket-attack-kit.js";
import {
  add,
  httpPosts,
  LONG_IDLE,
  mocked,
  posts,
  promptly,
  readThen,
  STALLED,
} from "./socket-fallback-kit.js";
// socket-fallback-servers.ts adds its rows to SOCKET_FALLBACK_CASES.
import "./socket-fallback-servers.js";

export { SOCKET_FALLBACK_CASES } from "./socket-fallback-kit.js";

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
