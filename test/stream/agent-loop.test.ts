// collect() at any time, function-call events and helpers: a two-turn tool loop against the mock.
import { afterEach, describe, expect, it } from "vitest";
import {
  createClient,
  functionCallOutput,
  StreamError,
  QuotaExceededError,
  type ResponseEvent,
  type ResponseItem,
} from "../../src/index.js";
import { startMockServer, type MockScript, type MockServer } from "../../src/testing/index.js";
import { REQUEST, within } from "../helpers/calls.js";

let mock: MockServer | undefined;
afterEach(() => mock?.close());

async function clientOf(script: MockScript = {}) {
  mock = await startMockServer(script);
  return createClient({ provider: { baseUrl: `${mock.url}/v1` }, auth: "tok" });
}

const TOOLS = [
  {
    type: "function" as const,
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
];

describe("an agent loop", () => {
  it("prints argument deltas, collects the call, answers it, and gets text", async () => {
    const client = await clientOf();
    const input: ResponseItem[] = [...REQUEST.input];
    const first = await client.responses.stream({ model: "m", input, tools: TOOLS });
    const seen: ResponseEvent[] = [];
    for await (const event of first) seen.push(event);
    const turn = await within(first.collect(), 2000, "collect after the loop");
    const args = seen.filter((e) => e.type === "functionCallArgumentsDelta");
    expect(args.length).toBeGreaterThan(1);
    expect(args.map((e) => e.delta).join("")).toBe('{"city":"mock"}');
    expect(seen.find((e) => e.type === "functionCallArgumentsDone")).toEqual({
      type: "functionCallArgumentsDone",
      itemId: "fc_mock_1",
      outputIndex: 0,
      arguments: '{"city":"mock"}',
    });
    expect(turn.functionCalls).toEqual([
      {
        callId: "call_mock_1",
        name: "get_weather",
        arguments: '{"city":"mock"}',
        itemId: "fc_mock_1",
      },
    ]);
    expect(turn.responseId).toBe("resp_mock_1");

    input.push(...turn.items, functionCallOutput("call_mock_1", "sunny"));
    const second = await client.responses.stream({ model: "m", input, tools: TOOLS });
    const result = await within(second.collect(), 2000, "second turn");
    expect(result.functionCalls).toEqual([]);
    expect(result.text).toBe("Tool output: sunny");
    expect(result.responseId).toBe("resp_mock_2");
  });

  it("collect() inside the loop drains the rest and includes what the loop saw", async () => {
    const client = await clientOf();
    const stream = await client.responses.stream(REQUEST);
    let text = "";
    for await (const event of stream) {
      if (event.type === "outputTextDelta") {
        text += event.delta;
        break;
      }
    }
    // break ended the stream before response.completed: collect() says so instead of a partial result.
    await expect(stream.collect()).rejects.toThrow(/before response.completed/);
    expect(text).toBe("Echo: ");

    const again = await client.responses.stream(REQUEST);
    const iterator = again[Symbol.asyncIterator]();
    await iterator.next();
    const result = await within(again.collect(), 2000, "collect in the loop");
    expect(result.text).toBe("Echo: hi");
    expect((await iterator.next()).done).toBe(true);
    await expect(again.collect()).rejects.toBeInstanceOf(StreamError);
  });

  it("collect() after a loop that failed rejects with the stream's error", async () => {
    const failed = { type: "response.failed", response: { error: { code: "insufficient_quota" } } };
    const client = await clientOf({ responses: { events: [failed] } });
    const stream = await client.responses.stream(REQUEST);
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toBeInstanceOf(QuotaExceededError);
    await expect(stream.collect()).rejects.toBeInstanceOf(QuotaExceededError);
  });

  it("a function_call_arguments.delta without item_id is a StreamError naming the field", async () => {
    const bad = { type: "response.function_call_arguments.delta", output_index: 0, delta: "{" };
    const client = await clientOf({ responses: { events: [bad] } });
    const stream = await client.responses.stream(REQUEST);
    await expect(stream.collect()).rejects.toThrow(/item_id/);
  });
});
