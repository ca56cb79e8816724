// An adversary's pass over a socket that moved to HTTP (README "Responses over WebSocket"): however
// one of its HTTP streams ends (completed, break, a failed POST, the idle timeout, maxEventBytes, a
// reported failure, collect() then abort, a reset, never read), nothing stays subscribed to the
// caller's signal or to the socket's own close signal; an abort's reason is kept; no timer, no
// unhandled rejection. Background and cancelOnAbort streams, queued requests and hostile upgrade
// replies: fallback-attack-resume.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  CodexApiError,
  InvalidRequestError,
  InvalidResponseError,
  ServerError,
  StreamError,
  StreamIdleTimeoutError,
  type ResponseStream,
} from "../../src/index.js";
import { startMockServer, type MockScript } from "../../src/testing/index.js";
import type { ResponsesSocketOptions } from "../../src/websocket/index.js";
import { connectTo, drain } from "../helpers/ws-server.js";
import { REQUEST, sleep, until, within } from "../helpers/calls.js";
import { failOnUnhandledRejections } from "../helpers/fresh.js";
import {
  servers,
  closeServers,
  BACKGROUND,
  listeners,
  timers,
  settle,
  refusing,
  fallen,
  read,
} from "./fallback-attack-kit.js";

failOnUnhandledRejections();
afterEach(closeServers);

describe("nothing stays subscribed after an HTTP stream of a socket ends, however it ends", () => {
  const ends: [
    string,
    MockScript,
    ResponsesSocketOptions & { idle?: number; maxEventBytes?: number },
    (s: ResponseStream, c: AbortController) => Promise<unknown>,
    unknown,
  ][] = [
    ["completed", {}, {}, drain, undefined],
    [
      "break in for-await",
      { responses: { stallAfterEvents: 2 } },
      {},
      async (s) => {
        for await (const _ of s) break;
      },
      undefined,
    ],
    [
      "a POST answered 500 on every attempt",
      { responses: { status: 500 } },
      {},
      drain,
      ServerError,
    ],
    ["a POST answered 400", { responses: { status: 400 } }, {}, drain, InvalidRequestError],
    [
      "the idle timeout mid-stream",
      { responses: { stallAfterEvents: 2 } },
      { idle: 150 },
      drain,
      StreamIdleTimeoutError,
    ],
    [
      "an event over maxEventBytes",
      {
        responses: {
          events: [
            { type: "response.created", response: { id: "resp_big" } },
            { type: "response.output_text.delta", delta: "x".repeat(20_000) },
          ],
        },
      },
      { maxEventBytes: 4_000 },
      drain,
      InvalidResponseError,
    ],
    [
      "a reported response.failed",
      {
        responses: {
          events: [
            { type: "response.created", response: { id: "resp_f" } },
            {
              type: "response.failed",
              response: { id: "resp_f", error: { code: "server_error", message: "boom" } },
            },
          ],
        },
      },
      {},
      drain,
      CodexApiError,
    ],
    [
      "collect() then the caller's abort",
      {},
      {},
      async (s, c) => {
        const done = await s.collect();
        c.abort(new Error("late"));
        return done;
      },
      undefined,
    ],
    [
      "stream.abort() mid-stream",
      { responses: { stallAfterEvents: 2 } },
      {},
      async (s) => {
        const { it } = await read(s, 1);
        s.abort();
        await it.next();
        await it.next();
      },
      AbortError,
    ],
    ["a reset mid-stream", { responses: { dropAfterEvents: 2 } }, {}, drain, StreamError],
    ["a malformed event", { responses: { malformedAt: 1 } }, {}, drain, StreamError],
  ];
  for (const kind of [
    ["plain", REQUEST, {}],
    ["background", BACKGROUND, {}],
    ["cancelOnAbort", REQUEST, { cancelOnAbort: true }],
  ] as const) {
    for (const [name, script, opts, run, errorClass] of ends) {
      it(`${kind[0]}: ${name}`, async () => {
        const provider = {
          ...(opts.idle ? { streamIdleTimeoutMs: opts.idle } : {}),
          ...(opts.maxEventBytes ? { limits: { maxEventBytes: opts.maxEventBytes } } : {}),
          retry: { baseDelayMs: 1, maxAttempts: 2 },
        };
        const { socket, closing, served } = await fallen(script, { provider });
        const caller = new AbortController();
        const before = listeners(closing);
        const outcome = await within(
          settle(
            socket
              .stream(kind[1], { ...kind[2], signal: caller.signal })
              .then((s) => run(s, caller)),
          ),
          5_000,
          name,
        );
        // A background stream resumes after a drop or an idle timeout, and completes.
        const resumed = kind[0] === "background" && /idle|reset/.test(name);
        const want = resumed ? undefined : errorClass;
        if (want) expect((outcome as { error?: unknown }).error).toBeInstanceOf(want);
        else expect(outcome).not.toHaveProperty("error");
        expect(listeners(caller.signal), "on the caller's signal").toBe(0);
        expect([before, listeners(closing)], "on the socket's close signal").toEqual([0, 0]);
        await socket.close();
        await until(() => served.openConnections() === 0, "connections closed", 2_000);
      });
    }
  }
});

describe("streams nobody iterates", () => {
  it("a stream never iterated whose server stalls lets go of both signals at its idle timeout", async () => {
    const { socket, closing } = await fallen(
      { responses: { stallAfterEvents: 1 } },
      { provider: { streamIdleTimeoutMs: 100 } },
    );
    const caller = new AbortController();
    const stream = await socket.stream(REQUEST, { signal: caller.signal });
    expect(listeners(caller.signal)).toBe(1);
    await until(
      () => listeners(caller.signal) === 0 && listeners(closing) === 0,
      "released",
      2_000,
    );
    await expect(drain(stream)).rejects.toBeInstanceOf(StreamIdleTimeoutError);
    await socket.close();
  });

  it("a stream never iterated whose reply ended lets go of both signals at its idle timeout", async () => {
    const { socket, closing } = await fallen({}, { provider: { streamIdleTimeoutMs: 100 } });
    const caller = new AbortController();
    await socket.stream(REQUEST, { signal: caller.signal });
    await until(
      () => listeners(caller.signal) === 0 && listeners(closing) === 0,
      "released",
      2_000,
    );
    await socket.close();
  });

  for (const [name, responses] of [
    ["stalls", { stallAfterEvents: 1 }],
    ["ended", {}],
    ["is reset", { dropAfterEvents: 1 }],
  ] as const) {
    it(`background: a stream never iterated whose server ${name} lets go of both signals in time`, async () => {
      const { socket, closing } = await fallen(
        { responses },
        { provider: { streamIdleTimeoutMs: 100 } },
      );
      const caller = new AbortController();
      const stream = await socket.stream(BACKGROUND, { signal: caller.signal });
      await until(
        () => listeners(caller.signal) === 0 && listeners(closing) === 0,
        "released",
        2_000,
      );
      await settle(drain(stream));
      await socket.close();
    });
  }

  for (const kind of ["plain", "background"] as const) {
    // The idle timer measures the server, not a caller who stops reading (README "Streaming"):
    // such a stream stays subscribed until it is ended; close() ends it.
    it(`${kind}: a stream read partway and left unread is ended by close(), both signals let go`, async () => {
      const { socket, closing, served } = await fallen(
        { responses: { stallAfterEvents: 2 }, retrieve: { stallAfterEvents: 2 } },
        { provider: { streamIdleTimeoutMs: 100 } },
      );
      const caller = new AbortController();
      const request = kind === "plain" ? REQUEST : BACKGROUND;
      const stream = await socket.stream(request, { signal: caller.signal });
      const it = stream[Symbol.asyncIterator]();
      while ((await it.next()).value?.type !== "created");
      await sleep(250);
      expect(listeners(caller.signal)).toBe(1);
      await socket.close();
      expect([listeners(caller.signal), listeners(closing)]).toEqual([0, 0]);
      await expect(it.next()).rejects.toBeInstanceOf(AbortError);
      await until(() => served.openConnections() === 0, "connections closed", 2_000);
    });
  }

  it("fifty completed streams in a row on one caller's signal: no listener, no timer piles up", async () => {
    const { socket, closing } = await fallen({});
    const caller = new AbortController();
    const before = timers();
    for (let i = 0; i < 50; i++) {
      const s = await socket.stream(i % 2 ? REQUEST : BACKGROUND, { signal: caller.signal });
      expect((await drain(s)).at(-1)?.type).toBe("completed");
    }
    expect([listeners(caller.signal), listeners(closing)]).toEqual([0, 0]);
    await until(() => timers() <= before, "no timer left", 2_000);
    await socket.close();
  });

  it("twelve streams side by side without a signal: Node warns of no listener leak", async () => {
    const { socket } = await fallen({ responses: { stallAfterEvents: 2 } });
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      const streams = await Promise.all(Array.from({ length: 12 }, () => socket.stream(REQUEST)));
      const reads = streams.map((s) => settle(drain(s)));
      await sleep(20);
      await socket.close();
      await within(Promise.all(reads), 3_000, "the streams");
      await sleep(20);
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
  });

  it("twenty streams side by side on one signal, all ended by close(): none left subscribed", async () => {
    const { socket, closing, served } = await fallen({ responses: { stallAfterEvents: 2 } });
    const caller = new AbortController();
    const streams = await Promise.all(
      Array.from({ length: 20 }, () => socket.stream(REQUEST, { signal: caller.signal })),
    );
    // None on the socket's own signal: Node would warn of a leak past ten.
    expect(listeners(closing)).toBe(0);
    const reads = streams.map((s) => settle(drain(s)));
    await socket.close();
    const outcomes = await within(Promise.all(reads), 3_000, "the streams");
    expect(outcomes.every((o) => (o as { error?: unknown }).error instanceof AbortError)).toBe(
      true,
    );
    expect([listeners(caller.signal), listeners(closing)]).toEqual([0, 0]);
    await until(() => served.openConnections() === 0, "connections closed", 2_000);
  });
});

describe("close() racing an HTTP stream's end", () => {
  it("close() in the same tick as the completed event is handed out: completed, no error", async () => {
    const { socket, closing } = await fallen({});
    const caller = new AbortController();
    const stream = await socket.stream(REQUEST, { signal: caller.signal });
    const types: string[] = [];
    let closed: Promise<void> | undefined;
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === "completed") closed = socket.close();
    }
    await closed;
    expect(types.at(-1)).toBe("completed");
    expect([listeners(caller.signal), listeners(closing)]).toEqual([0, 0]);
  });

  it("close() after the completed event arrived but before it is read: the stream ends AbortError or completed, once", async () => {
    const { socket } = await fallen({});
    const stream = await socket.stream(REQUEST);
    await sleep(50); // the whole reply is in
    await socket.close();
    const outcome = await settle(drain(stream));
    if ("error" in outcome) expect(outcome.error).toBeInstanceOf(AbortError);
    else expect(outcome.value.at(-1)?.type).toBe("completed");
  });

  it("two close() at once during an HTTP stream: both resolve, the stream ends with one AbortError", async () => {
    const { socket, served } = await fallen({ responses: { stallAfterEvents: 2 } });
    const stream = await socket.stream(REQUEST);
    const reading = settle(drain(stream));
    const closes = await within(Promise.all([socket.close(), socket.close()]), 2_000, "close()");
    expect(closes).toEqual([undefined, undefined]);
    expect(((await reading) as { error?: unknown }).error).toBeInstanceOf(AbortError);
    await until(() => served.openConnections() === 0, "connections closed", 2_000);
  });

  it("close() then the caller's abort in the same tick: AbortError whose cause is the close", async () => {
    const { socket } = await fallen({ responses: { stallAfterEvents: 2 } });
    const caller = new AbortController();
    const stream = await socket.stream(REQUEST, { signal: caller.signal });
    const reading = settle(drain(stream));
    const closed = socket.close();
    caller.abort(new Error("mine"));
    await closed;
    const { error } = (await reading) as { error?: AbortError };
    expect(error).toBeInstanceOf(AbortError);
    expect(String(error?.cause)).toMatch(/socket was closed/);
  });
});

describe("an abort's reason", () => {
  const reason = new Error("the caller's own reason");

  it("an already-aborted signal on a socket that moved: AbortError, its cause the reason, nothing sent", async () => {
    const { socket, mock } = await fallen({});
    const sent = mock.requests.length;
    const error = await socket
      .stream(REQUEST, { signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(mock.requests.length).toBe(sent);
  });

  it("an already-aborted signal before the move: AbortError, its cause the reason", async () => {
    const { socket, mock } = await refusing({});
    const error = await socket
      .stream(REQUEST, { signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(mock.requests.length).toBe(0);
  });

  it("the caller's abort while the fallback POST waits for headers keeps the reason", async () => {
    const { socket, mock, closing } = await fallen({ responses: { stallBeforeHeaders: true } });
    const caller = new AbortController();
    const opening = settle(socket.stream(REQUEST, { signal: caller.signal }));
    await until(() => mock.requests.length === 2, "the POST sent");
    caller.abort(reason);
    const { error } = (await within(opening, 2_000)) as { error?: AbortError };
    expect(error).toBeInstanceOf(AbortError);
    expect(error?.cause).toBe(reason);
    expect([listeners(caller.signal), listeners(closing)]).toEqual([0, 0]);
    await socket.close();
  });

  it("warmup() with an already-aborted signal on a socket that moved rejects with AbortError", async () => {
    const { socket } = await fallen({});
    const error = await socket
      .warmup(REQUEST, { signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    await socket.close();
  });

  it("preconnect() with an already-aborted signal on a socket that moved rejects with AbortError", async () => {
    const { socket } = await fallen({});
    const error = await socket
      .preconnect({ signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    await socket.close();
  });
});

describe("more ends and reasons", () => {
  it("a reason that is no Error (a string) is kept as the AbortError's cause mid-stream", async () => {
    const { socket, closing } = await fallen({ responses: { stallAfterEvents: 2 } });
    const caller = new AbortController();
    const stream = await socket.stream(REQUEST, { signal: caller.signal });
    const { it } = await read(stream, 1);
    caller.abort("enough, as a string");
    const error = await it
      .next()
      .then(() => it.next())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe("enough, as a string");
    expect([listeners(caller.signal), listeners(closing)]).toEqual([0, 0]);
    await socket.close();
  });

  it("a per-call requestTimeoutMs ends a stalled fallback POST; nothing stays subscribed", async () => {
    const { socket, closing } = await fallen({ responses: { stallBeforeHeaders: true } });
    const caller = new AbortController();
    const error = await within(
      socket
        .stream(REQUEST, { signal: caller.signal, requestTimeoutMs: 80, retry: { maxAttempts: 1 } })
        .catch((e: unknown) => e),
      3_000,
    );
    expect((error as Error).name).toBe("RequestTimeoutError");
    expect([listeners(caller.signal), listeners(closing)]).toEqual([0, 0]);
    await socket.close();
  });

  it("on-failure: a socket moved after its upgrades failed leaves nothing subscribed across streams", async () => {
    const mock = await startMockServer({
      responses: { headers: { connection: "close" } },
      websocket: { upgrade: { status: 503 } },
    });
    servers.push(mock);
    const { socket } = connectTo(mock, { socket: { fallbackToHttp: "on-failure" } });
    const caller = new AbortController();
    for (let i = 0; i < 3; i++) {
      const events = await drain(await socket.stream(REQUEST, { signal: caller.signal }));
      expect(events.at(-1)?.type).toBe("completed");
      expect(listeners(caller.signal)).toBe(0);
    }
    expect(socket.transport).toBe("http");
    await socket.close();
  });

  it("the caller's abort with a reason while the upgrade that will be refused is held keeps it", async () => {
    const { startWsServer } = await import("../helpers/ws-server.js");
    const server = await startWsServer({
      upgradeDelayMs: () => 150,
      refuse: () => ({ status: 426 }),
    });
    servers.push(server);
    const { socket } = connectTo(server);
    const caller = new AbortController();
    const reason = new Error("not now");
    const pending = socket.stream(REQUEST, { signal: caller.signal }).catch((e: unknown) => e);
    await sleep(30);
    caller.abort(reason);
    const error = await within(pending, 2_000);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(listeners(caller.signal)).toBe(0);
    expect(server.httpRequests).toBe(0);
    await socket.close();
  });

  it("a stream asked for right after close() while another is being ended is refused, nothing sent", async () => {
    const { socket, mock } = await fallen({ responses: { stallAfterEvents: 2 } });
    const stream = await socket.stream(REQUEST);
    const reading = settle(drain(stream));
    const sent = mock.requests.length;
    await socket.close();
    const late = await settle(socket.stream(REQUEST));
    expect((late as { error?: unknown }).error).toBeInstanceOf(InvalidRequestError);
    expect(((await reading) as { error?: unknown }).error).toBeInstanceOf(AbortError);
    expect(mock.requests.length).toBe(sent);
  });
});
