// Fault-matrix rows of an adversary's pass over the socket's HTTP fallback (README "Responses over
// WebSocket"): hostile upgrade replies (a 426 flooding without end, reset after or inside its
// headers, trickled), background streams of a socket that moved, resumed and closed mid-resume,
// many HTTP streams at once, an abort's reason, warmup() with an aborted signal. Each run closes
// its socket (the leak check holds).
import type { Socket } from "node:net";
import {
  AbortError,
  RequestTimeoutError,
  TransportError,
  type ResponsesRequest,
} from "../../src/index.js";
import { startMockServer, type MockReply, type MockScript } from "../../src/testing/index.js";
import { type ResponsesSocket } from "../../src/websocket/index.js";
import { sseFrame, startTcpServer } from "../helpers/server.js";
import { responseFrames } from "../helpers/ws-server.js";
import { frontOfMock, STREAM_REQUEST, type FaultCase, type Served } from "./kit.js";
import { both, drain, on, transportIs } from "./websocket-attack-kit.js";
import { LONG_IDLE, promptly, type MockServed } from "./socket-fallback-kit.js";

/** The rows of this file, appended to the matrix by matrix.test.ts. */
export const FALLBACK_ATTACK_CASES: FaultCase[] = [];
const add = (c: Omit<FaultCase, "endpoint">) =>
  FALLBACK_ATTACK_CASES.push({ ...c, fault: `fallback attack: ${c.fault}`, endpoint: "websocket" });

const BACKGROUND = { ...STREAM_REQUEST, background: true, store: true } as ResponsesRequest;

/** The mock refusing every upgrade with 426, with `script`; every reply closes its connection. */
async function refusing(script: MockScript): Promise<MockServed> {
  const closed = (entry: MockScript["responses"]) =>
    (entry === undefined ? [{}] : Array.isArray(entry) ? entry : [entry]).map((r) => ({
      ...(r as MockReply),
      headers: { ...(r as MockReply).headers, connection: "close" },
    }));
  const mock = await startMockServer({
    ...script,
    rateLimitHeaders: false,
    responses: closed(script.responses),
    retrieve: closed(script.retrieve),
    cancel: closed(script.cancel),
    websocket: { upgrade: { status: 426 } },
  });
  const served = await frontOfMock(mock);
  return { ...served, mock };
}
const mockOf = (ctx: { served: Served }) => (ctx.served as MockServed).mock;
const gets = (ctx: { served: Served }) => mockOf(ctx).requests.filter((r) => r.method === "GET");
const cancels = (ctx: { served: Served }) =>
  mockOf(ctx).requests.filter((r) => r.endpoint === "cancel").length;
const waitFor = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setTimeout(r, 5));
};

/** A raw server: `upgrade` answers each GET (the upgrade), a POST gets a short completed stream. */
async function rawUpgrade(upgrade: (peer: Socket) => void): Promise<Served> {
  const sse = responseFrames("resp_http")
    .map((f) => sseFrame(f))
    .join("");
  const ok = `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\ncontent-length: ${sse.length}\r\n\r\n${sse}`;
  const server = await startTcpServer({
    onConnection: (peer) =>
      peer.once("data", (head: Buffer) => {
        if (head.toString("latin1").startsWith("GET")) upgrade(peer);
        else peer.end(ok);
      }),
  });
  return {
    url: server.url,
    openConnections: () => server.openRequestSockets(),
    requestCount: () => server.requestCount(),
    lastRequestId: () => undefined,
    close: () => server.close(),
  };
}
const reset = (peer: Socket) => (peer as Socket & { resetAndDestroy(): void }).resetAndDestroy();
const requests =
  (n: number): NonNullable<FaultCase["check"]> =>
  (ctx) =>
    ctx.served.requestCount() === n ? [] : [`${ctx.served.requestCount()} requests, want ${n}`];

// Hostile upgrade replies ---------------------------------------------------------------------------

{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "a 426 whose chunked body floods without end: the stream completes over HTTP",
    setup: () =>
      rawUpgrade((peer) => {
        peer.write("HTTP/1.1 426 Upgrade Required\r\ntransfer-encoding: chunked\r\n\r\n");
        const chunk = `10000\r\n${"x".repeat(0x10000)}\r\n`;
        const pump = () => {
          while (!peer.destroyed && peer.write(chunk));
          if (!peer.destroyed) peer.once("drain", pump);
        };
        pump();
      }),
    run: on({}, async (s) => (await drain(await s.stream(STREAM_REQUEST))).at(-1)?.type, keep),
    expect: { ok: true },
    expectedValue: "completed",
    check: both(transportIs(keep, "http"), requests(2)),
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "a 426 reset right after its headers: the socket moves",
    setup: () =>
      rawUpgrade((peer) => {
        peer.write("HTTP/1.1 426 Upgrade Required\r\ncontent-length: 100\r\n\r\npartial");
        setTimeout(() => reset(peer), 5);
      }),
    run: on({}, async (s) => (await drain(await s.stream(STREAM_REQUEST))).at(-1)?.type, keep),
    expect: { ok: true },
    expectedValue: "completed",
    check: transportIs(keep, "http"),
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "a reset inside the 426's headers is no 426: the socket stays",
    setup: () =>
      rawUpgrade((peer) => {
        peer.write("HTTP/1.1 426 Upgrade Required\r\ncontent-le");
        setTimeout(() => reset(peer), 5);
      }),
    run: on({}, (s) => s.stream(STREAM_REQUEST), keep),
    expect: { error: TransportError, retryable: true, attempts: 3 },
    check: transportIs(keep, "websocket"),
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "a 426 whose headers trickle past the request timeout is no 426: the socket stays",
    setup: () =>
      rawUpgrade((peer) => {
        const head = "HTTP/1.1 426 Upgrade Required\r\ncontent-length: 0\r\n\r\n";
        let i = 0;
        const timer = setInterval(() => {
          if (peer.destroyed || i >= head.length) return clearInterval(timer);
          peer.write(head[i++]!);
        }, 40);
        peer.on("close", () => clearInterval(timer));
      }),
    run: on({}, (s) => s.stream(STREAM_REQUEST), keep),
    expect: { error: RequestTimeoutError, retryable: true },
    check: transportIs(keep, "websocket"),
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault:
      "preconnect() answered by a 426 whose body never ends resolves; the stream goes over HTTP",
    setup: () =>
      rawUpgrade((peer) =>
        peer.write(
          "HTTP/1.1 426 Upgrade Required\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n",
        ),
      ),
    run: on(
      {},
      async (s) => {
        await s.preconnect();
        return (await drain(await s.stream(STREAM_REQUEST))).at(-1)?.type;
      },
      keep,
    ),
    expect: { ok: true },
    expectedValue: "completed",
    check: both(transportIs(keep, "http"), requests(2)),
  });
}
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "a 426 with retry-after: 0 is not retried over the socket",
    setup: () =>
      rawUpgrade((peer) =>
        peer.end("HTTP/1.1 426 Upgrade Required\r\nretry-after: 0\r\ncontent-length: 0\r\n\r\n"),
      ),
    run: on({}, async (s) => (await drain(await s.stream(STREAM_REQUEST))).at(-1)?.type, keep),
    expect: { ok: true },
    expectedValue: "completed",
    check: both(transportIs(keep, "http"), requests(2)),
  });
}

// Background streams of a socket that moved -----------------------------------------------------------

add({
  fault: "a background stream dropped mid-way resumes over HTTP and completes",
  setup: () => refusing({ responses: [{}, { dropAfterEvents: 3 }] }),
  run: on({}, async (s) => {
    await drain(await s.stream(STREAM_REQUEST));
    return (await drain(await s.stream(BACKGROUND))).at(-1)?.type;
  }),
  expect: { ok: true },
  expectedValue: "completed",
  check: (ctx) =>
    ctx.capture.resumes.length === 1 ? [] : [`${ctx.capture.resumes.length} resumes`],
});
add({
  fault: "close() during a background stream's resume GET waiting for headers",
  setup: () =>
    refusing({ responses: [{}, { dropAfterEvents: 3 }], retrieve: { stallBeforeHeaders: true } }),
  ...LONG_IDLE,
  run: on({}, async (s, ctx) => {
    await drain(await s.stream(STREAM_REQUEST));
    const reading = drain(await s.stream(BACKGROUND));
    await waitFor(() => gets(ctx).length === 1);
    return promptly(1_500, async () => {
      await s.close();
      return reading;
    });
  }),
  expect: { error: AbortError, retryable: false },
});
add({
  fault: "close() during the backoff before a background stream's second resume GET",
  setup: () =>
    refusing({
      responses: [{}, { dropAfterEvents: 3 }],
      retrieve: { events: [], omitTerminal: true },
    }),
  retry: { baseDelayMs: 20_000, maxDelayMs: 20_000, maxAttempts: 5 },
  run: on({}, async (s, ctx) => {
    await drain(await s.stream(STREAM_REQUEST));
    const reading = drain(await s.stream(BACKGROUND));
    await waitFor(() => gets(ctx).length === 1);
    await new Promise((r) => setTimeout(r, 50));
    return promptly(1_500, async () => {
      await s.close();
      return reading;
    });
  }),
  expect: { error: AbortError, retryable: false },
});
{
  const keep: { socket?: ResponsesSocket } = {};
  add({
    fault: "close() from inside onResume of a background stream over HTTP",
    setup: () => refusing({ responses: [{}, { dropAfterEvents: 3 }] }),
    options: (base) => ({
      ...base,
      telemetry: {
        ...base.telemetry,
        onResume: (info) => {
          base.telemetry?.onResume?.(info);
          void keep.socket?.close();
        },
      },
    }),
    run: on(
      {},
      async (s) => {
        await drain(await s.stream(STREAM_REQUEST));
        return drain(await s.stream(BACKGROUND));
      },
      keep,
    ),
    expect: { error: AbortError, retryable: false },
    check: (ctx) =>
      gets(ctx).length === 0 ? [] : [`${gets(ctx).length} resume GETs after close()`],
  });
}
add({
  fault: "cancelOnAbort: close() during a background stream's resume GET cancels it once",
  setup: () =>
    refusing({ responses: [{}, { dropAfterEvents: 3 }], retrieve: { stallBeforeHeaders: true } }),
  ...LONG_IDLE,
  run: on({}, async (s, ctx) => {
    await drain(await s.stream(STREAM_REQUEST));
    const reading = drain(await s.stream(BACKGROUND, { cancelOnAbort: true }));
    await waitFor(() => gets(ctx).length === 1);
    await s.close();
    const outcome = await reading.catch((e: Error) => e.name);
    await waitFor(() => cancels(ctx) > 0);
    await new Promise((r) => setTimeout(r, 30));
    return [outcome, cancels(ctx)];
  }),
  expect: { ok: true },
  expectedValue: ["AbortError", 1],
});

// Many streams, an abort's reason, warmup ---------------------------------------------------------------

add({
  fault: "twelve HTTP streams at once ended by close(): all AbortError, Node warns of no leak",
  setup: () => refusing({ responses: [{}, { stallAfterEvents: 2 }] }),
  ...LONG_IDLE,
  run: on({}, async (s) => {
    await drain(await s.stream(STREAM_REQUEST));
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const streams = await Promise.all(Array.from({ length: 12 }, () => s.stream(STREAM_REQUEST)));
      const reads = streams.map((st) =>
        drain(st).then(
          () => "done",
          (e: Error) => e.name,
        ),
      );
      await s.close();
      const names = await promptly(2_000, () => Promise.all(reads));
      await new Promise((r) => setTimeout(r, 10));
      return [[...new Set(names)], warnings.filter((w) => /MaxListeners/.test(w))];
    } finally {
      process.off("warning", onWarning);
    }
  }),
  expect: { ok: true },
  expectedValue: [["AbortError"], []],
});
add({
  fault: "the caller's abort with a reason while the fallback POST waits for headers keeps it",
  setup: () => refusing({ responses: [{}, { stallBeforeHeaders: true }] }),
  ...LONG_IDLE,
  run: on({}, async (s, ctx) => {
    await drain(await s.stream(STREAM_REQUEST));
    const caller = new AbortController();
    const reason = new Error("the caller's reason");
    const pending = s.stream(STREAM_REQUEST, { signal: caller.signal });
    await waitFor(() => mockOf(ctx).requests.length === 2);
    caller.abort(reason);
    return pending.catch((e: AbortError) => [e.name, e.cause === reason]);
  }),
  expect: { ok: true },
  expectedValue: ["AbortError", true],
});
add({
  fault: "warmup() with an already-aborted signal on a socket that moved rejects",
  setup: () => refusing({}),
  run: on({}, async (s) => {
    await drain(await s.stream(STREAM_REQUEST));
    return s.warmup(STREAM_REQUEST, { signal: AbortSignal.abort() });
  }),
  expect: { error: AbortError, retryable: false },
});
