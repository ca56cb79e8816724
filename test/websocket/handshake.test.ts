// The handshake of codex-api/websocket against a real `ws` server on 127.0.0.1: URL, headers,
// handshake reply headers, turn state, refused upgrades (426 fallback, 401 refresh, 429, 503),
// timeouts, and an injected WHATWG-style WebSocket.
import { createServer as createTcpServer, type Socket } from "node:net";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  AbortError,
  AuthError,
  InvalidRequestError,
  InvalidResponseError,
  RateLimitError,
  RequestTimeoutError,
  ServerError,
  TransportError,
  createClient,
  type TurnState,
} from "../../src/index.js";
import { connectResponses, OPENAI_BETA } from "../../src/websocket/index.js";
import {
  connectTo,
  drain,
  responseFrames,
  startWsServer,
  wsKit,
  type WsServerScript,
  type WsTestServer,
} from "../helpers/ws-server.js";
import { REQUEST } from "../helpers/calls.js";
import { sseFrame } from "../helpers/server.js";
import { sleep, within } from "../helpers/calls.js";

const kit = wsKit();

async function serve(script: WsServerScript = {}): Promise<WsTestServer> {
  const server = await startWsServer(script);
  kit.closeLater(server.close);
  return server;
}

describe("URL and headers", () => {
  it("connects to <base>/responses with ws:// and keeps the provider's query", async () => {
    const server = await serve();
    const { socket } = connectTo(server, { provider: { queryParams: { "api-version": "v1" } } });
    await drain(await socket.stream(REQUEST));
    expect(server.handshakes.map((h) => h.url)).toEqual(["/v1/responses?api-version=v1"]);
    await socket.close();
  });

  it("turns https into wss (seen by an injected constructor)", async () => {
    const urls: string[] = [];
    class Recorder {
      constructor(url: string) {
        urls.push(url);
        throw new Error("not connecting");
      }
    }
    const client = createClient({ provider: { baseUrl: "https://api.example.test/v1/" } });
    const socket = connectResponses(client, { webSocket: Recorder });
    await expect(socket.stream(REQUEST)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(urls).toHaveLength(1);
    expect(urls[0]).toBe("wss://api.example.test/v1/responses");
  });

  it("sends provider, per-call and extra headers, the beta header and auth last; no body headers", async () => {
    const server = await serve();
    const { socket } = connectTo(server, {
      provider: { headers: { "x-provider": "p", "x-over": "provider", authorization: "nope" } },
      client: { auth: { bearerToken: () => "tok-1", accountId: () => "acct-1" } },
    });
    const options = {
      conversationId: "conv-1",
      sessionSource: "exec",
      subagent: "review",
      headers: { "x-over": "extra" },
    };
    await drain(await socket.stream(REQUEST, options));
    const h = server.handshakes[0]!.headers;
    expect(h).toMatchObject({
      authorization: "Bearer tok-1",
      "chatgpt-account-id": "acct-1",
      "openai-beta": OPENAI_BETA,
      "x-provider": "p",
      "x-over": "extra",
      session_id: "conv-1",
      originator: "exec",
      "x-openai-subagent": "review",
    });
    expect(h["user-agent"]).toMatch(/^codex-api-ts\//);
    expect(h["content-type"] ?? h["accept"] ?? h["content-encoding"]).toBeUndefined();
    expect(h["x-codex-turn-state"]).toBeUndefined();
    expect(h["sec-websocket-extensions"]).toMatch(/permessage-deflate/);
    await socket.close();
  });

  it("does not offer permessage-deflate when told not to", async () => {
    const server = await serve();
    const { socket } = connectTo(server, { socket: { perMessageDeflate: false } });
    await drain(await socket.stream(REQUEST));
    expect(server.handshakes[0]!.headers["sec-websocket-extensions"]).toBeUndefined();
    await socket.close();
  });

  it("rejects a header value with CR or LF before connecting", async () => {
    const server = await serve();
    const { socket } = connectTo(server);
    const bad = socket.stream(REQUEST, { headers: { "x-bad": "a\r\nb: c" } });
    await expect(bad).rejects.toBeInstanceOf(InvalidRequestError);
    expect(server.handshakes).toHaveLength(0);
  });
});

describe("handshake reply", () => {
  it("gives modelsEtag, serverReasoningIncluded and serverModel at the start of every stream, no rateLimits", async () => {
    const server = await serve({
      upgradeHeaders: () => ({
        "x-models-etag": "etag-1",
        "x-reasoning-included": "true",
        "openai-model": "gpt-x",
        "x-codex-primary-used-percent": "50",
        "x-request-id": "req-ws-1",
      }),
    });
    const { socket } = connectTo(server);
    const head = [
      { type: "modelsEtag", etag: "etag-1" },
      { type: "serverReasoningIncluded", included: true },
      { type: "serverModel", model: "gpt-x" },
      { type: "created" },
    ];
    for (let turn = 0; turn < 2; turn++) {
      const stream = await socket.stream(REQUEST);
      expect(stream.requestId).toBe("req-ws-1");
      expect(stream.rateLimits).toBeUndefined();
      expect((await drain(stream)).slice(0, 4)).toEqual(head);
    }
    expect(server.handshakes).toHaveLength(1);
    await socket.close();
  });

  it("fills an empty turn-state holder, leaves a set one, and sends a known one", async () => {
    const server = await serve({ upgradeHeaders: () => ({ "x-codex-turn-state": "ts-1" }) });
    const { socket } = connectTo(server);
    const empty: TurnState = {};
    await drain(await socket.stream(REQUEST, { turnState: empty }));
    expect(empty.value).toBe("ts-1");
    const set: TurnState = { value: "mine" };
    await drain(await socket.stream(REQUEST, { turnState: set }));
    expect(set.value).toBe("mine");
    await socket.close();
    const again = connectTo(server).socket;
    await drain(await again.stream(REQUEST, { turnState: { value: "ts-1" } }));
    expect(server.handshakes[1]!.headers["x-codex-turn-state"]).toBe("ts-1");
    await again.close();
  });
});

describe("refused upgrades", () => {
  it("426 moves the socket to HTTP for good, and says so", async () => {
    const body = sseFrame({ type: "response.completed", response: { id: "resp_http" } });
    const server = await serve({
      refuse: () => ({ status: 426, body: "upgrade required" }),
      onHttp: (_b, res) => res.writeHead(200, { "content-type": "text/event-stream" }).end(body),
    });
    const warnings: string[] = [];
    const { socket } = connectTo(server, { client: { logger: { warn: (m) => warnings.push(m) } } });
    expect(socket.transport).toBe("websocket");
    for (let i = 0; i < 2; i++) {
      expect(await drain(await socket.stream(REQUEST))).toEqual([
        { type: "completed", responseId: "resp_http" },
      ]);
    }
    expect(socket.transport).toBe("http");
    expect(await socket.warmup(REQUEST)).toBe("");
    expect([server.handshakes.length, server.httpRequests]).toEqual([1, 2]);
    expect(warnings.join("\n")).toMatch(/426.*HTTP/);
  });

  it("426 without fallback is an InvalidRequestError with the status", async () => {
    const server = await serve({ refuse: () => ({ status: 426 }) });
    const { socket } = connectTo(server, { socket: { fallbackToHttp: false } });
    await expect(socket.stream(REQUEST)).rejects.toMatchObject({
      name: "InvalidRequestError",
      status: 426,
    });
    expect(socket.transport).toBe("websocket");
  });

  it('"on-failure" moves to HTTP for good once the attempts are exhausted on a 5xx upgrade', async () => {
    const body = sseFrame({ type: "response.completed", response: { id: "resp_http" } });
    const server = await serve({
      refuse: () => ({ status: 503, body: "busy" }),
      onHttp: (_b, res) => res.writeHead(200, { "content-type": "text/event-stream" }).end(body),
    });
    const warnings: string[] = [];
    const { socket } = connectTo(server, {
      client: { logger: { warn: (m) => warnings.push(m) } },
      socket: { fallbackToHttp: "on-failure" },
    });
    for (let i = 0; i < 2; i++) {
      expect(await drain(await socket.stream(REQUEST))).toEqual([
        { type: "completed", responseId: "resp_http" },
      ]);
    }
    expect(socket.transport).toBe("http");
    expect([server.handshakes.length, server.httpRequests]).toEqual([3, 2]);
    expect(warnings.join("\n")).toMatch(/failed on every attempt.*HTTP from now on/);

    const strict = connectTo(server, { socket: { fallbackToHttp: false } }).socket;
    await expect(strict.stream(REQUEST)).rejects.toBeInstanceOf(ServerError);
    expect(strict.transport).toBe("websocket");
  });

  it('"on-failure" keeps the socket on a request the server refused (400)', async () => {
    const server = await serve({ refuse: () => ({ status: 400, body: "no" }) });
    const { socket } = connectTo(server, { socket: { fallbackToHttp: "on-failure" } });
    await expect(socket.stream(REQUEST)).rejects.toBeInstanceOf(InvalidRequestError);
    expect([socket.transport, server.httpRequests]).toEqual(["websocket", 0]);
    expect(() => connectTo(server, { socket: { fallbackToHttp: "always" as never } })).toThrow(
      /options\.fallbackToHttp/,
    );
  });

  it("401 refreshes the token once and connects again; a second 401 is an AuthError", async () => {
    let token = "old";
    const auth = {
      bearerToken: () => token,
      onUnauthorized: async () => ((token = "new"), true),
    };
    const server = await serve({ refuse: (i) => (i === 0 ? { status: 401 } : undefined) });
    const { socket } = connectTo(server, { client: { auth } });
    await drain(await socket.stream(REQUEST));
    expect(server.handshakes.map((h) => h.headers.authorization)).toEqual([
      "Bearer old",
      "Bearer new",
    ]);
    await socket.close();

    const denied = await serve({
      refuse: () => ({ status: 401, headers: { "x-request-id": "r401" } }),
    });
    const second = connectTo(denied, { client: { auth } }).socket;
    const error = await second.stream(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 401, requestId: "r401", attempts: 1 });
    expect(denied.handshakes).toHaveLength(2);
  });

  it("429 maps like HTTP, with the reply's headers and body; 503 is retried", async () => {
    const body = JSON.stringify({
      error: { message: "slow down please", code: "rate_limit_exceeded" },
    });
    const limited = await serve({
      refuse: () => ({
        status: 429,
        body,
        headers: { "retry-after-ms": "5", "x-codex-primary-used-percent": "99" },
      }),
    });
    const error = await connectTo(limited)
      .socket.stream(REQUEST)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 5, attempts: 1 });
    expect((error as RateLimitError).message).toContain("slow down please");
    expect((error as RateLimitError).rateLimits?.primary?.usedPercent).toBe(99);

    const busy = await serve({ refuse: () => ({ status: 503, body: "busy" }) });
    const failed = await connectTo(busy)
      .socket.stream(REQUEST)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ServerError);
    expect(failed).toMatchObject({ status: 503, attempts: 3 });
    expect(busy.handshakes).toHaveLength(3);
  });

  it("a server that never answers the upgrade times out with RequestTimeoutError", async () => {
    const held: Socket[] = [];
    const tcp = createTcpServer((s) => void held.push(s.on("error", () => {})));
    tcp.listen(0, "127.0.0.1");
    await once(tcp, "listening");
    kit.closeLater(async () => {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    });
    const { port } = tcp.address() as { port: number };
    const { socket } = connectTo(
      { url: `http://127.0.0.1:${port}` },
      { provider: { requestTimeoutMs: 100, retry: { maxAttempts: 1 } } },
    );
    const started = Date.now();
    await expect(socket.stream(REQUEST)).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("preconnect()", () => {
  it("opens the connection ahead of the first request, which reuses it", async () => {
    const server = await serve();
    const { socket } = connectTo(server);
    await socket.preconnect({ headers: { "x-pre": "1" } });
    expect([server.handshakes.length, server.frames.length]).toEqual([1, 0]);
    expect(server.handshakes[0]!.headers["x-pre"]).toBe("1");
    await socket.preconnect(); // already open: nothing more
    await drain(await socket.stream(REQUEST, { headers: { "x-pre": "2" } }));
    expect([server.handshakes.length, server.frames.length]).toEqual([1, 1]);
    await socket.close();
  });

  it("a failed preconnect rejects with the handshake's error; the next request connects afresh", async () => {
    const server = await serve({ refuse: (i) => (i === 0 ? { status: 503 } : undefined) });
    const { socket } = connectTo(server, { provider: { retry: { maxAttempts: 1 } } });
    await expect(socket.preconnect()).rejects.toBeInstanceOf(ServerError);
    await drain(await socket.stream(REQUEST));
    expect([server.handshakes.length, server.frames.length]).toEqual([2, 1]);
    await socket.close();
  });

  it("close() during a preconnect ends it with an AbortError", async () => {
    const held: Socket[] = [];
    const tcp = createTcpServer((s) => void held.push(s.on("error", () => {})));
    tcp.listen(0, "127.0.0.1");
    await once(tcp, "listening");
    kit.closeLater(async () => {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    });
    const { port } = tcp.address() as { port: number };
    const { socket } = connectTo(
      { url: `http://127.0.0.1:${port}` },
      {
        provider: { requestTimeoutMs: 60_000 },
      },
    );
    const pending = socket.preconnect();
    await sleep(50);
    await socket.close();
    await expect(within(pending, 1_000, "preconnect")).rejects.toBeInstanceOf(AbortError);
  });
});

describe("connectTimeoutMs", () => {
  it("ends a handshake the server never answers, well before the request timeout", async () => {
    const held: Socket[] = [];
    const tcp = createTcpServer((s) => void held.push(s.on("error", () => {})));
    tcp.listen(0, "127.0.0.1");
    await once(tcp, "listening");
    kit.closeLater(async () => {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    });
    const { port } = tcp.address() as { port: number };
    const { socket } = connectTo(
      { url: `http://127.0.0.1:${port}` },
      {
        provider: { requestTimeoutMs: 60_000, retry: { maxAttempts: 2, baseDelayMs: 1 } },
        socket: { connectTimeoutMs: 100 },
      },
    );
    const started = Date.now();
    const error = await socket.stream(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ retryable: true, attempts: 2 });
    expect((error as Error).message).toMatch(/within 100 ms \(connectTimeoutMs\)/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(held).toHaveLength(2);
  });

  it.each([0, 1.5, -1, "15000", 2 ** 31])("refuses connectTimeoutMs %s", (value) => {
    const client = createClient({});
    expect(() => connectResponses(client, { connectTimeoutMs: value as number })).toThrow(
      /options\.connectTimeoutMs.*integer in 1\.\./,
    );
  });
});

/** The WHATWG face only (no `on`, no handshake events), over `ws`. */
class Whatwg {
  readonly #ws: WebSocket;
  constructor(url: string, init: { headers: Record<string, string> }) {
    this.#ws = new WebSocket(url, { headers: init.headers });
  }
  set binaryType(type: "arraybuffer") {
    this.#ws.binaryType = type;
  }
  addEventListener(type: "open", fn: () => void) {
    this.#ws.addEventListener(type, fn);
  }
  send(text: string) {
    this.#ws.send(text);
  }
  close(code?: number) {
    this.#ws.close(code);
  }
}

describe("an injected WHATWG-style WebSocket", () => {
  it("streams and goes incremental; a refused upgrade is a TransportError without status", async () => {
    const server = await serve({ upgradeHeaders: () => ({ "x-models-etag": "unseen" }) });
    const { socket } = connectTo(server, { socket: { webSocket: Whatwg } });
    const events = await drain(await socket.stream(REQUEST));
    expect(events.map((e) => e.type)).toEqual([
      "created",
      "outputTextDelta",
      "outputItemDone",
      "completed",
    ]);
    expect(server.handshakes[0]!.headers.authorization).toBe("Bearer tok");
    await socket.close();

    const refusing = await serve({ refuse: () => ({ status: 426 }) });
    const other = connectTo(refusing, { socket: { webSocket: Whatwg } }).socket;
    const error = await other.stream(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(other.transport).toBe("websocket");
  });
});

describe("a reader that falls behind", () => {
  const delta = { type: "response.output_text.delta", delta: "x".repeat(1_000) };
  const [created, ...rest] = responseFrames("r");
  // 40 frames of about 1 KB while the reader reads nothing, against a 10 KB limit.
  const script: WsServerScript = {
    onRequest: (p) => p.send(created!, ...Array.from({ length: 40 }, () => delta), ...rest),
  };
  const provider = { limits: { maxEventBytes: 10_000 } };

  it("fails the stream past maxEventBytes of unread frames when the socket cannot pause (WHATWG)", async () => {
    const server = await serve(script);
    const { socket } = connectTo(server, { provider, socket: { webSocket: Whatwg } });
    kit.closeLater(() => socket.close());
    const stream = await socket.stream(REQUEST);
    await sleep(200); // every frame arrives while nothing reads
    const error = await drain(stream).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ code: "response_too_large", retryable: false });
    expect((error as Error).message).toMatch(/frames not yet read is larger than .*maxEventBytes/);
  });

  it("pauses `ws` instead: the same stream is read whole", async () => {
    const server = await serve(script);
    const { socket } = connectTo(server, { provider });
    kit.closeLater(() => socket.close());
    const stream = await socket.stream(REQUEST);
    await sleep(200);
    const events = await drain(stream);
    expect(events.filter((e) => e.type === "outputTextDelta")).toHaveLength(40 + 1);
    expect(events.at(-1)).toMatchObject({ type: "completed", responseId: "r" });
  });
});

describe("timeouts of Infinity", () => {
  it("mean none: the handshake and the first frame wait as long as it takes", async () => {
    const server = await serve({
      onRequest: (p) => setTimeout(() => p.send(...responseFrames("late")), 30),
    });
    const { socket } = connectTo(server, {
      provider: { requestTimeoutMs: Infinity, streamIdleTimeoutMs: Infinity },
    });
    expect((await drain(await socket.stream(REQUEST))).at(-1)).toMatchObject({
      responseId: "late",
    });
    await socket.close();
  });
});
