// Frames received by codex-api/websocket, against a real `ws` server on 127.0.0.1: mapped exactly
// like SSE payloads (every recorded stream of the corpus, over both transports), in-band errors
// mapped like HTTP replies, and the stream errors of a socket (binary, non-JSON, close, reset, idle).
import { describe, expect, it } from "vitest";
import {
  InvalidRequestError,
  InvalidResponseError,
  RetryableStreamError,
  ServerError,
  StreamError,
  StreamIdleTimeoutError,
  UsageLimitReachedError,
  createClient,
  type ProviderConfig,
  type ResponseEvent,
  type ResponseItem,
} from "../../src/index.js";
import { corpusStreams } from "../helpers/corpus.js";
import { sseFrame, startServer } from "../helpers/server.js";
import {
  connectTo,
  drain,
  outputItem,
  responseFrames,
  startWsServer,
  user,
  wsKit,
  type ConnectOptions,
  type FrameHandler,
} from "../helpers/ws-server.js";
import { REQUEST, sleep } from "../helpers/calls.js";

const kit = wsKit();

const CREATED = responseFrames("r")[0]!;

const setup = (onRequest: FrameHandler, options: ConnectOptions = {}) =>
  kit.setup({ onRequest }, options);

/** The events of one stream, or its error as `{ error: name, code, retryable }`. */
async function outcome(run: () => Promise<ResponseEvent[]>) {
  try {
    return await run();
  } catch (e) {
    const { name, code, retryable } = e as InvalidRequestError;
    return { error: name, code, retryable };
  }
}

describe("frames map exactly like SSE payloads", () => {
  it("every recorded stream of the corpus gives the same events and errors over both transports", async () => {
    const streams = corpusStreams();
    let n = 0;
    const ws = await startWsServer({ onRequest: (p) => p.send(...streams[n]!.lines) });
    const http = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(streams[n]!.lines.map((l) => sseFrame(l)).join(""));
    });
    kit.closeLater(ws.close);
    kit.closeLater(http.close);
    const client = createClient({
      provider: { baseUrl: `${http.url}/v1`, retry: { maxAttempts: 1 } },
    });
    for (; n < streams.length; n++) {
      // A socket per stream: one recording holds two responses, and what a server sends after
      // response.completed would belong to the next request on the same connection.
      const { socket } = connectTo(ws, { provider: { retry: { maxAttempts: 1 } } });
      const overHttp = await outcome(async () => drain(await client.responses.stream(REQUEST)));
      const overWs = await outcome(async () => drain(await socket.stream(REQUEST)));
      await socket.close();
      expect([streams[n]!.name, overWs]).toEqual([streams[n]!.name, overHttp]);
    }
    expect(n).toBeGreaterThan(20);
  });

  it("codex.rate_limits becomes a rateLimits event; response.done completes", async () => {
    const limits = {
      type: "codex.rate_limits",
      plan_type: "plus",
      rate_limits: { primary: { used_percent: 42, window_minutes: 60, reset_at: 1700000000 } },
    };
    const done = { type: "response.done", response: { id: "resp_done" } };
    const { socket } = await setup((p) => p.send(CREATED, limits, done));
    expect(await drain(await socket.stream(REQUEST))).toEqual([
      { type: "created" },
      {
        type: "rateLimits",
        snapshot: {
          primary: { usedPercent: 42, windowMinutes: 60, resetsAt: 1700000000 },
          planType: "plus",
        },
      },
      { type: "completed", responseId: "resp_done" },
    ]);
  });

  it("frames between requests are dropped, not handed to the next request", async () => {
    const stray = { type: "response.output_text.delta", delta: "stray" };
    const { socket } = await setup((p, _r, n) => {
      p.send(...responseFrames(`r${n}`));
      setTimeout(() => p.send(stray), 10);
    });
    await drain(await socket.stream(REQUEST));
    await sleep(50);
    const second = await drain(await socket.stream(REQUEST));
    expect(second.filter((e) => e.type === "outputTextDelta")).toEqual([
      { type: "outputTextDelta", delta: "ok" },
    ]);
  });
});

describe("in-band error frames", () => {
  it("a 429 usage_limit_reached maps like HTTP: class, status, headers, rate limits", async () => {
    const frame = {
      type: "error",
      status: 429,
      error: {
        type: "usage_limit_reached",
        message: "The usage limit has been reached",
        plan_type: "pro",
        resets_at: 1738888888,
      },
      headers: { "x-codex-primary-used-percent": "100.0", "x-codex-primary-window-minutes": 15 },
    };
    const { socket } = await setup((p) => p.send(frame));
    const error = await socket.stream(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageLimitReachedError);
    expect(error).toMatchObject({ status: 429, planType: "pro", resetsAt: 1738888888 });
    const e = error as UsageLimitReachedError;
    expect(e.headers?.get("x-codex-primary-window-minutes")).toBe("15");
    expect(e.rateLimits?.primary).toEqual({ usedPercent: 100, windowMinutes: 15 });
  });

  it("a 400 is an InvalidRequestError with the server's message, not retried", async () => {
    const frame = {
      type: "error",
      status: 400,
      error: { type: "invalid_request_error", message: "Model does not support image inputs" },
    };
    const { server, socket } = await setup((p) => p.send(frame));
    const error = await socket.stream(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain("does not support image inputs");
    expect(server.frames).toHaveLength(1);
  });

  it("a 500 after response.created is thrown by the loop as a ServerError", async () => {
    const { socket } = await setup((p) =>
      p.send(CREATED, { type: "error", status: 500, error: {} }),
    );
    await expect(drain(await socket.stream(REQUEST))).rejects.toBeInstanceOf(ServerError);
  });

  it("websocket_connection_limit_reached is retried on a new connection as a full create", async () => {
    const limit = { type: "error", error: { code: "websocket_connection_limit_reached" } };
    const { server, socket } = await setup((p, _r, n) =>
      p.send(...(p.index === 0 && n === 1 ? [limit] : responseFrames(`r${p.index}`))),
    );
    await drain(await socket.stream(REQUEST));
    const next = {
      ...REQUEST,
      input: [user("hi"), outputItem("r0") as ResponseItem, user("more")],
    };
    await drain(await socket.stream(next));
    expect(server.frames.map((f) => [f.connection, f.frame["previous_response_id"]])).toEqual([
      [0, undefined],
      [0, "r0"],
      [1, undefined],
    ]);
  });

  it("an error frame without a status maps like an SSE error event", async () => {
    const frame = { type: "error", error: { code: "something_new", message: "odd" } };
    const { socket } = await setup((p) => p.send(CREATED, frame));
    const error = await drain(await socket.stream(REQUEST)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableStreamError);
    expect(error).toMatchObject({ code: "something_new" });
  });

  it("a secret echoed by the server is scrubbed", async () => {
    const frame = { type: "error", status: 400, error: { message: "bad token tok-SECRET-123" } };
    const { socket } = await setup((p) => p.send(frame), { client: { auth: "tok-SECRET-123" } });
    const error = (await socket.stream(REQUEST).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("bad token [redacted]");
    expect(error.message).not.toContain("SECRET");
  });
});

describe("stream errors", () => {
  const failures: [string, FrameHandler, new (...a: never[]) => Error, boolean][] = [
    ["a binary frame", (p) => (p.send(CREATED), p.binary(new Uint8Array([1]))), StreamError, false],
    ["a non-JSON frame", (p) => p.send(CREATED, "{not json"), StreamError, false],
    ["a close before completed", (p) => (p.send(CREATED), p.close(1011, "bye")), StreamError, true],
    [
      "a reset before completed",
      (p) => (p.send(CREATED), setTimeout(p.reset, 20)),
      StreamError,
      true,
    ],
    ["silence with pings", (p) => (p.send(CREATED), pings(p.ping)), StreamIdleTimeoutError, true],
  ];
  for (const [what, handler, cls, retryable] of failures) {
    it(`${what} ends the stream; the next request reconnects`, async () => {
      const { server, socket } = await setup(
        (p, r, n) =>
          p.index === 0 && n === 0 ? handler(p, r, n) : p.send(...responseFrames("ok")),
        { provider: { streamIdleTimeoutMs: 150 } },
      );
      const error = await drain(await socket.stream(REQUEST)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(cls);
      expect(error).toMatchObject({ retryable, status: 101 });
      await drain(await socket.stream(REQUEST));
      expect(server.handshakes).toHaveLength(2);
    });
  }

  it("the idle timeout also bounds the wait for the first frame", async () => {
    const { socket } = await setup((p) => pings(p.ping), {
      provider: { streamIdleTimeoutMs: 100 },
    });
    await expect(socket.stream(REQUEST)).rejects.toBeInstanceOf(StreamIdleTimeoutError);
  });

  it("a frame over limits.maxEventBytes fails without being read whole", async () => {
    const big = { type: "response.output_text.delta", delta: "x".repeat(5_000) };
    const provider = { limits: { maxEventBytes: 1_000 } } as Partial<ProviderConfig>;
    const { socket } = await setup((p) => p.send(CREATED, big), { provider });
    const error = await drain(await socket.stream(REQUEST)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ code: "response_too_large", retryable: false });
  });
});

/** Pings every 20 ms until the connection ends. */
function pings(ping: () => void): void {
  const timer = setInterval(() => {
    try {
      ping();
    } catch {
      clearInterval(timer);
    }
  }, 20);
  setTimeout(() => clearInterval(timer), 2_000);
}
