// The mock server's WebSocket side, through codex-api/websocket: canned and scripted replies,
// refused upgrades, in-band errors, the fault knobs, and the recorded handshakes and frames.
import { afterEach, describe, expect, it } from "vitest";
import {
  RateLimitError,
  StreamError,
  StreamIdleTimeoutError,
  createClient,
  type ResponseItem,
} from "../../src/index.js";
import { startMockServer, type MockScript, type MockServer } from "../../src/testing/index.js";
import { connectResponses } from "../../src/websocket/index.js";
import { drain, user } from "../helpers/ws-server.js";
import { REQUEST, sleep } from "../helpers/calls.js";

const servers: MockServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(script: MockScript) {
  const mock = await startMockServer(script);
  servers.push(mock);
  const client = createClient({
    provider: {
      baseUrl: `${mock.url}/v1`,
      streamIdleTimeoutMs: 200,
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    },
    auth: "tok",
  });
  return { mock, socket: connectResponses(client) };
}

const created = { type: "response.created", response: { id: "r1" } };
const completed = { type: "response.completed", response: { id: "r1" } };

describe("mock server over WebSocket", () => {
  it("answers with the canned echo, records handshakes and frames, keeps the connection", async () => {
    const { mock, socket } = await start({
      websocket: { upgrade: { headers: { "x-models-etag": "m1" } } },
    });
    const first = await (await socket.stream(REQUEST)).collect();
    expect(first.text).toBe("Echo: hi");
    const history = [...REQUEST.input, ...(first.items as ResponseItem[]), user("again")];
    const second = await socket.stream({ ...REQUEST, input: history });
    expect((await drain(second))[0]).toEqual({ type: "modelsEtag", etag: "m1" });
    expect(second.requestId).toBe("req_ws_1");
    expect(mock.handshakes).toHaveLength(1);
    expect(mock.handshakes[0]!.headers["openai-beta"]).toBe("responses_websockets=2026-02-06");
    expect(
      mock.frames.map((f) => (f.body as Record<string, unknown>)["previous_response_id"]),
    ).toEqual([undefined, "resp_mock_1"]);
    expect(mock.requests.map((r) => [r.endpoint, r.method, r.path, r.body])).toEqual(
      mock.frames.map((f) => ["responses", "WEBSOCKET", "/v1/responses", f.body]),
    );
    expect(mock.requests[0]!.headers["openai-beta"]).toBe("responses_websockets=2026-02-06");
    await socket.close();
  });

  it("refuses upgrades as scripted, and a 426 sends the request over HTTP", async () => {
    const { mock, socket } = await start({ websocket: { upgrade: { status: 426 } } });
    expect((await (await socket.stream(REQUEST)).collect()).text).toBe("Echo: hi");
    expect([mock.handshakes.length, mock.requests.length, socket.transport]).toEqual([
      1,
      1,
      "http",
    ]);
  });

  it("a non-2xx reply is an in-band error frame with its headers", async () => {
    const { socket } = await start({
      responses: [{ status: 429, headers: { "retry-after-ms": "3" } }, {}],
    });
    await expect(socket.stream(REQUEST)).rejects.toMatchObject({
      name: "RateLimitError",
      status: 429,
      retryAfterMs: 3,
    });
    expect(RateLimitError).toBeDefined();
  });

  it("closes after N requests; the next request reconnects", async () => {
    const { mock, socket } = await start({ websocket: { closeAfterRequests: 1 } });
    await drain(await socket.stream(REQUEST));
    await sleep(30);
    await drain(await socket.stream(REQUEST));
    expect(mock.handshakes).toHaveLength(2);
    await socket.close();
  });

  const faults: [string, MockScript["responses"], new (...a: never[]) => Error][] = [
    ["a binary frame", { events: [created, completed], binaryAt: 1 }, StreamError],
    ["a malformed frame", { events: [created, completed], malformedAt: 1 }, StreamError],
    [
      "no terminal event (then a close)",
      { events: [created, completed], omitTerminal: true },
      StreamError,
    ],
    [
      "a stall with pings",
      { events: [created, completed], stallAfterEvents: 1, keepAliveMs: 20 },
      StreamIdleTimeoutError,
    ],
    [
      "a reset after some bytes",
      { events: [created, completed], resetAfterBytes: 60 },
      StreamError,
    ],
  ];
  for (const [what, responses, cls] of faults) {
    it(`scripts ${what}`, async () => {
      const { socket } = await start({ responses });
      await expect(drain(await socket.stream(REQUEST))).rejects.toBeInstanceOf(cls);
    });
  }

  it("drips frames", async () => {
    const { socket } = await start({ responses: { events: [created, completed], dripMs: 30 } });
    const started = Date.now();
    await drain(await socket.stream(REQUEST));
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    await socket.close();
  });
});
