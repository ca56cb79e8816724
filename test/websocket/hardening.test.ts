// Round-3 hardening of codex-api/websocket against a real `ws` server on 127.0.0.1: the server's
// 1009, redirects on the upgrade, a maxEventBytes past ws's 32-bit maxPayload, the handshake's
// secrets, the onWebSocketRequest hook, and refused upgrades no listener may throw on.
import { describe, expect, it } from "vitest";
import {
  AbortError,
  createClient,
  InvalidRequestError,
  InvalidResponseError,
  type ProviderConfig,
  type ResponseItem,
  type ResponsesRequest,
} from "../../src/index.js";
import { WebSocket } from "ws";
import { connectResponses } from "../../src/websocket/index.js";
import {
  drain,
  outputItem,
  responseFrames,
  user,
  startWsServer,
  wsKit,
  type WsTestServer,
} from "../helpers/ws-server.js";
import { REQUEST, rejection, sleep, until, within } from "../helpers/calls.js";

const kit = wsKit();
const base = { model: "m", instructions: "be brief" };
const turn1 = { ...base, input: [user("u1")] };
const turn2 = { ...base, input: [user("u1"), outputItem("r0_0") as ResponseItem, user("u2")] };

describe("the server's limits and replies", () => {
  it("a close 1009 from the server is the server's limit, not maxEventBytes", async () => {
    const { socket } = await kit.setup({ onRequest: (p) => p.close(1009, "too big for us") });
    const error = await rejection(socket.stream(REQUEST));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ code: "request_too_large", retryable: false });
    expect(error.message).toMatch(/server's limit/);
    expect(error.message).not.toMatch(/maxEventBytes/);
  });

  it("our own maxEventBytes is still reported as ours", async () => {
    const big = { type: "response.output_text.delta", delta: "x".repeat(5_000) };
    const provider = { limits: { maxEventBytes: 1_000 } } as Partial<ProviderConfig>;
    const { socket } = await kit.setup({ onRequest: (p) => p.send(big) }, { provider });
    const error = await rejection(socket.stream(REQUEST));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toMatch(/maxEventBytes/);
  });

  it("a 3xx on the upgrade is a redirect that is not followed, naming the target origin", async () => {
    const location = "https://elsewhere.example:8443/v1/responses";
    const { server, socket } = await kit.setup({
      refuse: () => ({ status: 307, headers: { location } }),
    });
    const error = await rejection(socket.stream(REQUEST));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ code: "redirect", status: 307, retryable: false });
    expect(error.message).toContain("https://elsewhere.example:8443");
    expect(server.handshakes).toHaveLength(1);
  });

  it("maxEventBytes of 2^32 and more is not truncated to 32 bits by ws", async () => {
    for (const maxEventBytes of [2 ** 32, 2 ** 32 + 16, 2 ** 40]) {
      const provider = { limits: { maxEventBytes } } as Partial<ProviderConfig>;
      const { socket } = await kit.setup({}, { provider });
      const events = await drain(await socket.stream(REQUEST));
      expect(events.at(-1)).toMatchObject({ type: "completed" });
    }
  });

  it("a finite maxEventBytes past 2^31 - 1 still bounds ws's frames; Infinity is no limit", async () => {
    const given: number[] = [];
    class Recording extends WebSocket {
      constructor(url: string, init: { maxPayload: number }) {
        given.push(init.maxPayload);
        super(url, init);
      }
    }
    for (const maxEventBytes of [2 ** 31, 2 ** 40, Infinity, 1024]) {
      const provider = { limits: { maxEventBytes } } as Partial<ProviderConfig>;
      const socket = { webSocket: Recording as never };
      const { socket: s } = await kit.setup({}, { provider, socket });
      expect((await drain(await s.stream(REQUEST))).at(-1)).toMatchObject({ type: "completed" });
    }
    expect(given).toEqual([2 ** 31 - 1, 2 ** 31 - 1, 0, 1024]);
  });
});

describe("secrets of the handshake", () => {
  /** A server refusing every upgrade with a 401 whose body echoes the handshake's headers. */
  async function echoing(): Promise<WsTestServer> {
    const box: { server?: WsTestServer } = {};
    box.server = await startWsServer({
      refuse: (i) => ({
        status: 401,
        body: JSON.stringify({ error: { message: JSON.stringify(box.server!.handshakes[i]) } }),
      }),
    });
    kit.closeLater(box.server.close);
    return box.server;
  }

  it("per-call Authorization / api-key headers and provider getters are scrubbed", async () => {
    const server = await echoing();
    let n = 0;
    const headers = {
      get "x-gateway-key"() {
        return `getter-SECRET-${++n}`;
      },
    };
    const client = createClient({
      auth: null,
      provider: { baseUrl: `${server.url}/v1`, headers, retry: { maxAttempts: 1 } },
    });
    const socket = connectResponses(client);
    kit.closeLater(() => socket.close());
    const perCall = { Authorization: "Bearer call-SECRET-1", "api-key": "call-SECRET-2" };
    const error = await rejection(socket.stream(REQUEST, { headers: perCall }));
    expect(error.status).toBe(401);
    expect(server.handshakes[0]!.headers["api-key"]).toBe("call-SECRET-2");
    const texts = [error.message, String(error.stack), JSON.stringify(error)].join("\n");
    expect(texts).not.toMatch(/SECRET/);
    expect(texts).toMatch(/redacted/);
  });
});

describe("onWebSocketRequest", () => {
  it("is checked by createClient like the other hooks", () => {
    const telemetry = { onWebSocketRequest: "yes" } as never;
    expect(() => createClient({ auth: null, telemetry })).toThrow(
      expect.objectContaining({
        name: "InvalidRequestError",
        param: "telemetry.onWebSocketRequest",
      }),
    );
  });

  it("one that rejects is logged, never fatal and never unhandled", async () => {
    const warnings: string[] = [];
    const onWebSocketRequest = () => Promise.reject(new Error("hook"));
    const { socket } = await kit.setup(
      {},
      {
        client: {
          telemetry: { onWebSocketRequest },
          logger: { warn: (m: string) => void warnings.push(m) },
        },
      },
    );
    await drain(await socket.stream(REQUEST));
    await new Promise((r) => setImmediate(r));
    expect(warnings.join()).toMatch(/onWebSocketRequest/);
  });
});

describe("hostile refusals", () => {
  const refusals: [string, { status: number; headers?: Record<string, string>; body?: string }][] =
    [
      ["a 600 status", { status: 600 }],
      [
        "a 429 whose resets_at is out of range",
        { status: 429, body: '{"error":{"type":"usage_limit_reached","resets_at":1e300}}' },
      ],
      ["latin-1 header bytes", { status: 400, headers: { "x-odd": "\u00ff\u00fe" } }],
      ["a 64 KiB+ body", { status: 500, body: "x".repeat(200_000) }],
      ["a 3xx with an unreadable Location", { status: 302, headers: { location: "http://[::1" } }],
    ];
  for (const [what, refusal] of refusals) {
    it(`${what} is an error of the call, never a crash`, async () => {
      const { socket } = await kit.setup(
        { refuse: () => refusal },
        { provider: { retry: { maxAttempts: 1 } } },
      );
      const error = await rejection(socket.stream(REQUEST));
      expect(error.message).toMatch(/GET ws:\/\/127/);
    });
  }

  it("the socket serves again after a refusal", async () => {
    const { socket } = await kit.setup({
      refuse: (i) => (i === 0 ? { status: 400 } : undefined),
      onRequest: (p) => p.send(...responseFrames("r")),
    });
    await rejection(socket.stream(REQUEST));
    expect((await drain(await socket.stream(REQUEST))).at(-1)).toMatchObject({ type: "completed" });
  });
});

describe("no first frame", () => {
  it("is retried on a new connection as a full create, like a close at that point", async () => {
    const { server, socket } = await kit.setup(
      {
        onRequest: (p, _r, n) =>
          p.index === 0 && n === 1 ? undefined : p.send(...responseFrames(`r${p.index}_${n}`)),
      },
      { provider: { streamIdleTimeoutMs: 100 } },
    );
    await drain(await socket.stream(turn1));
    const events = await drain(await socket.stream(turn2));
    expect(events.at(-1)).toMatchObject({ type: "completed", responseId: "r1_0" });
    expect(server.frames.map((f) => [f.connection, f.frame["previous_response_id"]])).toEqual([
      [0, undefined],
      [0, "r0_0"],
      [1, undefined],
    ]);
  });
});

describe("the incremental baseline is a snapshot of what was sent", () => {
  const setupSend = async (provider: Partial<ProviderConfig> = {}) => {
    const { server, socket } = await kit.setup({}, { provider });
    const send = async (r: ResponsesRequest) => drain(await socket.stream(r));
    const prevs = () => server.frames.map((f) => f.frame["previous_response_id"]);
    return { server, send, prevs };
  };
  const text = (frame: Record<string, unknown>) =>
    (frame["input"] as { content: { text: string }[] }[])[0]!.content[0]!.text;

  it("an in-place redaction of sent history is sent: a full create with the new text", async () => {
    const { server, send, prevs } = await setupSend();
    const history: ResponseItem[] = [user("my password is hunter2")];
    await send({ ...base, input: history });
    (history[0] as { content: { text: string }[] }).content[0]!.text = "[redacted by the caller]";
    history.push(outputItem("resp_0_0") as ResponseItem, user("u2"));
    await send({ ...base, input: history });
    expect(prevs()).toEqual([undefined, undefined]);
    expect(text(server.frames[1]!.frame)).toBe("[redacted by the caller]");
  });

  it("a truncated tool output edited in place is sent", async () => {
    const { server, send, prevs } = await setupSend();
    const output = { type: "function_call_output", call_id: "c1", output: "x".repeat(1_000) };
    const history = [output as ResponseItem];
    await send({ ...base, input: history });
    output.output = "x…(truncated)";
    history.push(outputItem("resp_0_0") as ResponseItem, user("u2"));
    await send({ ...base, input: history });
    expect(prevs()).toEqual([undefined, undefined]);
    expect((server.frames[1]!.frame["input"] as { output?: string }[])[0]!.output).toBe(
      "x…(truncated)",
    );
  });

  it("a tool added to the same tools array makes the next request a full create", async () => {
    const { send, prevs } = await setupSend();
    const tools: ResponsesRequest["tools"] = [];
    const history = [user("u1")];
    await send({ ...base, tools, input: history });
    tools.push({ type: "function", name: "f", parameters: {}, strict: false } as never);
    history.push(outputItem("resp_0_0") as ResponseItem, user("u2"));
    await send({ ...base, tools, input: history });
    expect(prevs()).toEqual([undefined, undefined]);
  });

  it("on Azure, history.push does not move the baseline: the next turn is incremental", async () => {
    const { server, send, prevs } = await setupSend({ name: "azure" });
    const history = [user("u1")];
    await send({ ...base, input: history });
    history.push(outputItem("resp_0_0") as ResponseItem, user("u2"));
    await send({ ...base, input: history });
    expect(prevs()).toEqual([undefined, "resp_0_0"]);
    expect(server.frames[1]!.frame["input"]).toHaveLength(1);
  });
});

describe("close() stops a request wherever it is", () => {
  it("during the handshake: the request rejects and no connection stays open", async () => {
    const { server, socket } = await kit.setup({ upgradeDelayMs: () => 100 });
    const pending = socket.stream(REQUEST);
    pending.catch(() => {}); // awaited below, after close()
    await until(() => server.handshakes.length === 1, "the handshake");
    await socket.close();
    const error = await rejection(within(pending, 1_000, "the request"));
    expect(error).toBeInstanceOf(AbortError);
    await sleep(200); // past the server's delayed 101
    expect(server.openSockets()).toBe(0);
    expect(server.frames).toHaveLength(0);
  });

  it("during a retry backoff: the request rejects at once and nothing more is sent", async () => {
    const { server, socket } = await kit.setup(
      { refuse: () => ({ status: 503 }) },
      { provider: { retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 } } },
    );
    const pending = socket.stream(REQUEST);
    pending.catch(() => {}); // awaited below, after close()
    await until(() => server.handshakes.length === 1, "the first handshake");
    await sleep(20);
    await socket.close();
    const error = await rejection(within(pending, 1_000, "the request"));
    expect(error).toBeInstanceOf(AbortError);
    expect(server.handshakes).toHaveLength(1);
  });

  it("while waiting for the first frame: the request rejects, the connection is closed", async () => {
    const { server, socket } = await kit.setup({ onRequest: () => {} });
    const pending = socket.stream(REQUEST);
    pending.catch(() => {}); // awaited below, after close()
    await until(() => server.frames.length === 1, "the request frame");
    await socket.close();
    expect(await rejection(within(pending, 1_000, "the request"))).toBeInstanceOf(AbortError);
    await until(() => server.openSockets() === 0, "the server's socket to close");
  });
});

describe("frames between requests are never the next request's", () => {
  /** The late frames of response `id`: a delta of its message and its completed, again. */
  const late = (id: string) => [
    { type: "response.output_text.delta", item_id: `msg_${id}`, output_index: 0, delta: "LATE" },
    responseFrames(id).at(-1)!,
  ];

  it("late frames of the previous response, after the next request went out, are dropped", async () => {
    const { server, socket } = await kit.setup({
      onRequest: (p, _r, n) =>
        p.send(...(n > 0 ? late(`r${n - 1}`) : []), ...responseFrames(`r${n}`)),
    });
    await drain(await socket.stream(turn1));
    const second = await drain(await socket.stream(turn2));
    expect(second.filter((e) => e.type === "outputTextDelta")).toEqual([
      { type: "outputTextDelta", delta: "ok" },
    ]);
    expect(second.at(-1)).toMatchObject({ type: "completed", responseId: "r1" });
    const turn3 = {
      ...base,
      input: [...turn2.input, outputItem("r1") as ResponseItem, user("u3")],
    };
    await drain(await socket.stream(turn3));
    expect(server.frames.map((f) => f.frame["previous_response_id"])).toEqual([
      undefined,
      "r0",
      "r1",
    ]);
  });

  it("an error frame naming the previous response is not the next request's failure", async () => {
    const stray = { type: "error", status: 400, response_id: "r0", error: { message: "late" } };
    const { socket } = await kit.setup({
      onRequest: (p, _r, n) => p.send(...(n > 0 ? [stray] : []), ...responseFrames(`r${n}`)),
    });
    await drain(await socket.stream(turn1));
    expect((await drain(await socket.stream(turn2))).at(-1)).toMatchObject({ responseId: "r1" });
  });

  it("an error frame right behind completed does not fail the completed stream", async () => {
    const stray = { type: "error", status: 500, error: { message: "stray" } };
    const { socket } = await kit.setup({
      onRequest: (p, _r, n) => p.send(...responseFrames(`r${n}`), stray),
    });
    const stream = await socket.stream(turn1);
    await sleep(50); // every frame is in before the first read
    expect((await drain(stream)).at(-1)).toMatchObject({ type: "completed", responseId: "r0" });
    expect((await drain(await socket.stream(turn2))).at(-1)).toMatchObject({ type: "completed" });
  });

  it("a mock that reuses its ids in every response still streams each turn", async () => {
    const { socket } = await kit.setup({ onRequest: (p) => p.send(...responseFrames("same")) });
    await drain(await socket.stream(turn1));
    const again = { ...base, input: [user("u1"), outputItem("same") as ResponseItem, user("u2")] };
    expect((await drain(await socket.stream(again))).at(-1)).toMatchObject({ responseId: "same" });
  });
});
