// The mock's routes under `/` and one base path, reply functions, the `models` list, and fresh ids.
import { afterEach, describe, expect, it } from "vitest";
import { createClient, InvalidRequestError } from "../../src/index.js";
import {
  startMockServer,
  type MockScript,
  type MockServer,
  type MockServerOptions,
} from "../../src/testing/index.js";
import { connectResponses } from "../../src/websocket/index.js";
import { rejection, REQUEST as KIT_REQUEST } from "../helpers/calls.js";

let mock: MockServer | undefined;
afterEach(() => mock?.close());

async function start(script: MockScript = {}, options: MockServerOptions = {}) {
  mock = await startMockServer(script, options);
  return mock;
}

const clientAt = (baseUrl: string) =>
  createClient({ provider: { baseUrl, retry: { maxAttempts: 1 } }, auth: "tok" });

/** The kit's request, for a model the tests' model lists have. */
const REQUEST = { ...KIT_REQUEST, model: "gpt-a" };

describe("the mock's routes", () => {
  it("serves under / and its base path; a wrong base URL is a 404 that names the routes", async () => {
    const s = await start({}, { basePath: "/api" });
    expect((await clientAt(s.url).models.list()).models).toHaveLength(2);
    expect((await clientAt(`${s.url}/api`).models.list()).models).toHaveLength(2);
    const error = await rejection(clientAt(`${s.url}/v1/responses`).models.list());
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.status).toBe(404);
    expect(error.message).toContain("routes: POST /responses");
    expect(error.message).toContain("(under / and /api)");
  });

  it("answers an unknown model with the service's 400 model_not_found, over HTTP and WebSocket", async () => {
    const s = await start({}, { models: ["gpt-a"] });
    const client = clientAt(`${s.url}/v1`);
    expect((await (await client.responses.stream(REQUEST)).collect()).text).toBe("Echo: hi");
    const http = await rejection(client.responses.stream({ ...REQUEST, model: "gpt-typo" }));
    expect(http).toMatchObject({ status: 400, code: "model_not_found", param: "model" });
    const socket = connectResponses(client);
    try {
      const ws = await rejection(
        socket.stream({ ...REQUEST, model: "gpt-typo" }).then((st) => st.collect()),
      );
      expect(ws).toMatchObject({ status: 400, code: "model_not_found" });
    } finally {
      await socket.close();
    }
    const compact = clientAt(`${s.url}/v1`).compact.compactInput({
      model: "nope",
      input: [],
      instructions: "",
    });
    expect(await rejection(compact)).toMatchObject({ code: "model_not_found" });
  });

  it("calls a reply function with the recorded request", async () => {
    const s = await start({
      responses: [
        {},
        (request) => ({
          events: [
            {
              type: "response.output_item.done",
              item: {
                type: "message",
                role: "assistant",
                content: [
                  { type: "output_text", text: `saw ${(request.body as { model: string }).model}` },
                ],
              },
            },
            { type: "response.completed", response: { id: `r_${request.path}` } },
          ],
        }),
      ],
    });
    const client = clientAt(`${s.url}/v1`);
    expect((await (await client.responses.stream(REQUEST)).collect()).responseId).toBe(
      "resp_mock_1",
    );
    const second = await (await client.responses.stream(REQUEST)).collect();
    expect(second).toMatchObject({ text: "saw gpt-a", responseId: "r_/v1/responses" });
    const third = await (await client.responses.stream(REQUEST)).collect();
    expect(third.text).toBe("saw gpt-a"); // the last entry repeats, called again
  });

  it("gives each reply fresh ids, and a tool call once per user turn", async () => {
    const s = await start();
    const client = clientAt(`${s.url}/v1`);
    const tools = [{ type: "function" as const, name: "t", parameters: { type: "object" } }];
    const a = await (await client.responses.stream({ ...REQUEST, tools })).collect();
    const b = await (await client.responses.stream({ ...REQUEST, tools })).collect();
    expect([a.responseId, b.responseId]).toEqual(["resp_mock_1", "resp_mock_2"]);
    expect([a.functionCalls[0]?.callId, b.functionCalls[0]?.callId]).toEqual([
      "call_mock_1",
      "call_mock_2",
    ]);
    const input = [
      ...REQUEST.input,
      ...a.items,
      { type: "function_call_output" as const, call_id: "call_mock_1", output: "42" },
    ];
    const c = await (await client.responses.stream({ ...REQUEST, input, tools })).collect();
    expect(c.functionCalls).toEqual([]);
    expect(c.text).toBe("Tool output: 42");
  });

  it("replays the stored events numbered above starting_after, in stored order, however numbered", async () => {
    const response = { id: "resp_order", object: "response", status: "completed", output: [] };
    const numbered = (order: number[]) =>
      order.map((n, i) => ({
        type: i === 0 ? "response.created" : i === order.length - 1 ? "response.completed" : "x",
        ...(i === 0 || i === order.length - 1 ? { response } : {}),
        sequence_number: n,
      }));
    const replayed = async (order: number[], after: string) => {
      const s = await start({ responses: { events: numbered(order) } });
      await (await clientAt(`${s.url}/v1`).responses.stream(REQUEST)).collect();
      const res = await fetch(`${s.url}/v1/responses/resp_order?stream=true${after}`);
      const text = await res.text();
      await s.close();
      return [...text.matchAll(/"sequence_number":(\d+)/g)].map((m) => Number(m[1]));
    };
    expect(await replayed([0, 1, 2, 3, 4], "&starting_after=1")).toEqual([2, 3, 4]);
    expect(await replayed([0, 1, 2, 3, 4], "")).toEqual([0, 1, 2, 3, 4]);
    expect(await replayed([0, 1, 2, 3, 4], "&starting_after=4")).toEqual([]);
    // Not ascending (a scripted fault): every event above N, where it was stored.
    expect(await replayed([0, 3, 1, 2, 4], "&starting_after=1")).toEqual([3, 2, 4]);
  });

  it("counts a replay's fault knobs from its first event, and reads a changed event list again", async () => {
    const response = { id: "resp_knobs", object: "response", status: "completed", output: [] };
    const list: Record<string, unknown>[] = [0, 1, 2, 3, 4].map((n) => ({
      type: n === 0 ? "response.created" : n === 4 ? "response.completed" : "x",
      ...(n === 0 || n === 4 ? { response } : {}),
      sequence_number: n,
    }));
    const retrieve = [{ dropAfterEvents: 2 }, { malformedAt: 0 }, { omitTerminal: true }, {}, {}];
    const s = await start({ responses: { events: list }, retrieve });
    await (await clientAt(`${s.url}/v1`).responses.stream(REQUEST)).collect();
    /** The frames' data lines of one streamed GET, as far as the body goes. */
    const replay = async (after: number) => {
      const res = await fetch(
        `${s.url}/v1/responses/resp_knobs?stream=true&starting_after=${after}`,
      );
      const reader = res.body!.getReader();
      let text = "";
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read())
          text += Buffer.from(r.value).toString("utf8");
      } catch {
        // the dropped reply ends without its last chunk
      }
      return [...text.matchAll(/^data: (.*)$/gm)].map((m) =>
        m[1]!.startsWith("{not") ? "malformed" : JSON.parse(m[1]!).sequence_number,
      );
    };
    expect(await replay(1)).toEqual([2, 3]);
    expect(await replay(1)).toEqual(["malformed", 3, 4]);
    expect(await replay(1)).toEqual([2, 3]);
    expect(await replay(3)).toEqual([4]);
    // The scripted list changed (no longer ascending): the replay follows it.
    list.push({ type: "x", sequence_number: 2 });
    expect(await replay(3)).toEqual([4]);
  });
});
