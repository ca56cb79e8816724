// The incrementality rule of codex-api/websocket, seen from the server: which requests go as
// `previous_response_id` plus the new items, which as a full `response.create`, warm-ups,
// `previous_response_not_found`, and the per-request telemetry.
import { describe, expect, it } from "vitest";
import type { ResponseItem, ResponsesRequest } from "../../src/index.js";
import type { WebSocketRequestTelemetry } from "../../src/websocket/index.js";
import {
  drain,
  outputItem,
  responseFrames,
  user,
  wsKit,
  type ConnectOptions,
  type WsServerScript,
  type WsTestServer,
} from "../helpers/ws-server.js";

const kit = wsKit();

async function setup(script: WsServerScript = {}, options: ConnectOptions = {}) {
  const { server, socket } = await kit.setup(script, options);
  /** Sends each request in turn, draining its stream. */
  const send = async (...requests: ResponsesRequest[]) => {
    for (const r of requests) await drain(await socket.stream(r));
  };
  return { server, socket, send };
}

/** The frames the server received, as `{ prev, input }` (input as message texts or item types). */
function sent(server: WsTestServer) {
  return server.frames.map(({ frame }) => ({
    prev: frame["previous_response_id"],
    input: (frame["input"] as Record<string, unknown>[]).map((i) =>
      i["type"] === "message" && i["role"] === "user"
        ? (i["content"] as { text: string }[])[0]!.text
        : String(i["type"]),
    ),
  }));
}

const out = (id: string) => outputItem(id) as ResponseItem;
const base = { model: "m", instructions: "be brief" };
const turn1 = { ...base, input: [user("u1")] };
const turn2 = { ...base, input: [user("u1"), out("resp_0_0"), user("u2")] };

describe("incremental requests", () => {
  it("sends only the new items after the last response's output", async () => {
    const { server, send } = await setup();
    await send(turn1, turn2, { ...base, input: [...turn2.input, out("resp_0_1"), user("u3")] });
    expect(sent(server)).toEqual([
      { prev: undefined, input: ["u1"] },
      { prev: "resp_0_0", input: ["u2"] },
      { prev: "resp_0_1", input: ["u3"] },
    ]);
    expect(server.handshakes).toHaveLength(1);
    // Every field but the input travels on an incremental create too.
    expect(server.frames[1]!.frame).toMatchObject({
      type: "response.create",
      ...base,
      stream: true,
    });
  });

  it("compares items as sent: ids stripped off the output (not on Azure, where they stay)", async () => {
    const renamed = { ...out("resp_0_0"), id: "another_id" } as ResponseItem;
    const { server, send } = await setup();
    await send(turn1, { ...base, input: [user("u1"), renamed, user("u2")] });
    expect(sent(server)[1]).toEqual({ prev: "resp_0_0", input: ["u2"] });

    const azure = await setup({}, { provider: { name: "azure" } });
    await azure.send(turn1, { ...base, input: [user("u1"), renamed, user("u2")] });
    expect(sent(azure.server)[1]!.prev).toBeUndefined();
  });

  const fullCases: [string, ResponsesRequest][] = [
    ["the history omits the output", { ...base, input: [user("u1"), user("u2")] }],
    ["the input is not an extension", { ...base, input: [user("other")] }],
    ["the input is the same", turn1],
    ["instructions changed", { ...turn2, instructions: "other" }],
    ["model changed", { ...turn2, model: "m2" }],
    ["tools changed", { ...turn2, tools: [{ type: "function", name: "f", parameters: {} }] }],
    ["reasoning changed", { ...turn2, reasoning: { effort: "high" } }],
    ["text changed", { ...turn2, text: { verbosity: "low" } }],
    ["store changed", { ...turn2, store: true }],
    ["include changed", { ...turn2, include: ["x"] }],
    ["parallel_tool_calls changed", { ...turn2, parallel_tool_calls: true }],
    ["tool_choice changed", { ...turn2, tool_choice: "none" }],
    ["service_tier changed", { ...turn2, service_tier: "priority" }],
    ["prompt_cache_key changed", { ...turn2, prompt_cache_key: "k" }],
  ];
  for (const [why, second] of fullCases) {
    it(`sends a full create on the same connection when ${why}`, async () => {
      const { server, send } = await setup();
      await send(turn1, second);
      expect(sent(server)[1]!.prev).toBeUndefined();
      expect(server.frames[1]!.frame["input"]).toHaveLength(second.input.length);
      expect(server.handshakes).toHaveLength(1);
    });
  }

  it("stays incremental when only headers or options change", async () => {
    const { server, socket } = await setup();
    await drain(await socket.stream(turn1, { conversationId: "a" }));
    await drain(await socket.stream(turn2, { headers: { "x-other": "b" }, subagent: "review" }));
    expect(sent(server)[1]!.prev).toBe("resp_0_0");
  });

  it("sends a full create when the last response had no id", async () => {
    const frames = [{ type: "response.completed", response: { id: "" } }];
    const { server, send } = await setup({ onRequest: (p) => p.send(...frames) });
    await send(turn1, { ...base, input: [user("u1"), user("u2")] });
    expect(sent(server)[1]!.prev).toBeUndefined();
  });

  it("after a failed request, reconnects and sends a full create", async () => {
    const failed = { type: "response.failed", response: { error: { code: "invalid_prompt" } } };
    const { server, socket, send } = await setup({
      onRequest: (p, _r, n) =>
        p.send(...(n === 1 ? [failed] : responseFrames(`resp_${p.index}_${n}`))),
    });
    await send(turn1);
    await expect(drain(await socket.stream(turn2))).rejects.toMatchObject({
      code: "invalid_prompt",
    });
    await send(turn2);
    expect(sent(server).map((s) => s.prev)).toEqual([undefined, "resp_0_0", undefined]);
    expect(server.frames.map((f) => f.connection)).toEqual([0, 0, 1]);
  });

  it("after a break before completed, reconnects and sends a full create", async () => {
    const { server, socket, send } = await setup();
    for await (const _ of await socket.stream(turn1)) break;
    await send(turn2);
    expect(sent(server)[1]!.prev).toBeUndefined();
    expect(server.handshakes).toHaveLength(2);
  });
});

describe("warmup", () => {
  it("sends generate: false; the same request then goes with an empty input", async () => {
    const { server, socket, send } = await setup({
      onRequest: (p, r, n) =>
        p.send(
          ...(r["generate"] === false ? [responseFrames("warm_1")[3]!] : responseFrames(`r${n}`)),
        ),
    });
    expect(await socket.warmup(turn1)).toBe("warm_1");
    await send(turn1);
    expect(server.frames.map((f) => f.frame["generate"])).toEqual([false, undefined]);
    expect(sent(server)).toEqual([
      { prev: undefined, input: ["u1"] },
      { prev: "warm_1", input: [] },
    ]);
    expect(server.handshakes).toHaveLength(1);
  });
});

describe("previous_response_not_found", () => {
  const notFound = {
    type: "error",
    status: 400,
    error: { type: "invalid_request_error", code: "previous_response_not_found", message: "gone" },
  };

  it("is answered once with a full create on the same connection", async () => {
    const { server, socket, send } = await setup({
      onRequest: (p, r, n) =>
        p.send(...(r["previous_response_id"] ? [notFound] : responseFrames(`resp_${n}`))),
    });
    await send(turn1);
    const events = await drain(await socket.stream(turn2));
    expect(events.at(-1)).toEqual({ type: "completed", responseId: "resp_2" });
    expect(sent(server).map((s) => [s.prev, s.input.length])).toEqual([
      [undefined, 1],
      ["resp_0", 1],
      [undefined, 3],
    ]);
    expect(server.handshakes).toHaveLength(1);
  });

  it("a second one in a row is the error it maps to", async () => {
    const { socket, send } = await setup({
      onRequest: (p, _r, n) => p.send(...(n === 0 ? responseFrames("resp_0") : [notFound])),
    });
    await send(turn1);
    await expect(socket.stream(turn2)).rejects.toMatchObject({
      name: "InvalidRequestError",
      code: "previous_response_not_found",
      attempts: 1,
    });
  });
});

describe("telemetry", () => {
  it("reports each send: attempt, connectionReused, incremental, bytesSent", async () => {
    const seen: WebSocketRequestTelemetry[] = [];
    const telemetry = { onWebSocketRequest: (i: WebSocketRequestTelemetry) => void seen.push(i) };
    const { server, send } = await setup({}, { client: { telemetry } });
    await send(turn1, turn2);
    expect(seen.map(({ bytesSent: _, ...rest }) => rest)).toEqual([
      { attempt: 1, connectionReused: false, incremental: false },
      { attempt: 1, connectionReused: true, incremental: true },
    ]);
    expect(seen.map((s) => s.bytesSent)).toEqual(server.frames.map((f) => f.bytes));
  });

  it("onSseEvent is called once per frame, onRequest once per attempt", async () => {
    const types: string[] = [];
    const attempts: unknown[] = [];
    const telemetry = {
      onSseEvent: (i: { type: string }) => void types.push(i.type),
      onRequest: (i: { attempt: number; status?: number }) =>
        void attempts.push([i.attempt, i.status]),
    };
    const { send } = await setup({}, { client: { telemetry } });
    await send(turn1);
    expect(types).toEqual([
      "response.created",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(attempts).toEqual([[1, 101]]);
  });

  it("a hook that throws is logged, never fatal", async () => {
    const warnings: string[] = [];
    const { send } = await setup(
      {},
      {
        client: {
          telemetry: {
            onWebSocketRequest: () => {
              throw new Error("hook");
            },
          },
          logger: { warn: (m: string) => void warnings.push(m) },
        },
      },
    );
    await send(turn1);
    expect(warnings.join()).toMatch(/onWebSocketRequest/);
  });
});
