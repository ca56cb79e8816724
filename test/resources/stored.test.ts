// The stored-response operations of client.responses (retrieve, cancel, delete, inputTokens,
// inputItems) against the shipped mock server: what is sent (paths, percent-encoded ids, query
// values, the token-count body), what comes back, 404 for an unknown id, ids checked before
// sending, input items walked page by page (and not past a `break`); and the streamed GET a
// resume builds on.
import { afterEach, describe, expect, it } from "vitest";
import {
  InvalidRequestError,
  InvalidResponseError,
  createClient,
  type InputItemsOptions,
  type RequestTelemetry,
  type ResponseItem,
  type ResponsesRequest,
} from "../../src/index.js";
import { startMockServer, type MockScript, type MockServer } from "../../src/testing/index.js";
import { rejection, REQUEST } from "../helpers/calls.js";

let mock: MockServer | undefined;
afterEach(() => mock?.close());

async function setup(script: MockScript = {}) {
  mock = await startMockServer(script);
  const seen: RequestTelemetry[] = [];
  const client = createClient({
    provider: { baseUrl: `${mock.url}/v1`, retry: { baseDelayMs: 1 } },
    auth: "tok-1",
    telemetry: { onRequest: (info) => void seen.push(info) },
  });
  return { client, mock, seen };
}

const item = (n: number) => ({
  id: `msg_${n}`,
  type: "message",
  role: "user",
  content: [{ type: "input_text", text: `item ${n}` }],
});
const HISTORY = Array.from({ length: 95 }, (_, i) => item(i + 1));
const STORED = {
  response: { id: "resp_1", object: "response", status: "completed", output: [] },
  inputItems: HISTORY,
};
const paths = (m: MockServer) => m.requests.map((r) => `${r.method} ${r.url}`);

describe("client.responses.inputItems", () => {
  it("walks a 95-item history in 5 pages of 20, newest first, one request per page", async () => {
    const { client, mock, seen } = await setup({ storedResponses: [STORED] });
    const pages = client.responses.inputItems("resp_1");
    expect(mock.requests).toHaveLength(0); // lazy: nothing sent before the first next()
    const items: ResponseItem[] = [];
    for await (const it of pages) items.push(it);
    expect(items).toEqual([...HISTORY].reverse());
    expect(paths(mock)).toEqual([
      "GET /v1/responses/resp_1/input_items",
      "GET /v1/responses/resp_1/input_items?after=msg_76",
      "GET /v1/responses/resp_1/input_items?after=msg_56",
      "GET /v1/responses/resp_1/input_items?after=msg_36",
      "GET /v1/responses/resp_1/input_items?after=msg_16",
    ]);
    expect(seen.map((s) => s.endpoint)).toEqual(Array(5).fill("inputItems"));
  });

  it("sends order, limit, after and include only when given; break stops fetching", async () => {
    const { client, mock } = await setup({ storedResponses: [STORED] });
    const options: InputItemsOptions = {
      order: "asc",
      limit: 10,
      after: "msg_5",
      include: ["a.b", "c"],
    };
    const items: ResponseItem[] = [];
    for await (const it of client.responses.inputItems("resp_1", options)) {
      items.push(it);
      if (items.length === 15) break;
    }
    expect(items.map((i) => (i as { id: string }).id)).toEqual(
      HISTORY.slice(5, 20).map((i) => i.id),
    );
    expect(paths(mock)).toEqual([
      "GET /v1/responses/resp_1/input_items?limit=10&order=asc&after=msg_5&include=a.b&include=c",
      "GET /v1/responses/resp_1/input_items?limit=10&order=asc&after=msg_15&include=a.b&include=c",
    ]);
  });

  it("a page that says has_more without moving is an InvalidResponseError, not a loop", async () => {
    const page = { object: "list", data: [item(1)], has_more: true, first_id: "x", last_id: "x" };
    const { client, mock } = await setup({ inputItems: { body: page } });
    const walk = async () => {
      for await (const _ of client.responses.inputItems("resp_1", { after: "x" })) void _;
    };
    expect(await rejection(walk())).toBeInstanceOf(InvalidResponseError);
    expect(mock.requests).toHaveLength(1);
  });
});

describe("retrieve, cancel, delete", () => {
  it("a created response is kept: retrieve returns it, include sent once per value", async () => {
    const { client, mock, seen } = await setup();
    const { responseId } = await (await client.responses.stream(REQUEST)).collect();
    const got = await client.responses.retrieve(responseId, { include: ["x", "y z"] });
    expect(got).toMatchObject({ id: responseId, status: "completed" });
    expect(paths(mock).at(-1)).toBe(`GET /v1/responses/${responseId}?include=x&include=y+z`);
    expect(seen.at(-1)?.endpoint).toBe("retrieve");
  });

  it("cancel returns the Response; delete returns { id, object, deleted }, then 404", async () => {
    const running = { id: "resp_bg", object: "response", status: "in_progress", output: [] };
    const { client, mock } = await setup({ storedResponses: [{ response: running }] });
    expect(await client.responses.cancel("resp_bg")).toMatchObject({ status: "cancelled" });
    expect(await client.responses.delete("resp_bg")).toEqual({
      id: "resp_bg",
      object: "response",
      deleted: true,
    });
    const gone = await rejection(client.responses.retrieve("resp_bg"));
    expect(gone).toBeInstanceOf(InvalidRequestError);
    expect(gone.status).toBe(404);
    expect(gone.message).toContain("not found");
    expect(paths(mock)).toEqual([
      "POST /v1/responses/resp_bg/cancel",
      "DELETE /v1/responses/resp_bg",
      "GET /v1/responses/resp_bg",
    ]);
  });

  it("ids are percent-encoded in the path", async () => {
    const odd = "resp/1 ?#%";
    const response = { id: odd, object: "response", status: "completed" };
    const { client, mock } = await setup({ storedResponses: [{ response }] });
    expect(await client.responses.retrieve(odd)).toMatchObject({ id: odd });
    expect(paths(mock)).toEqual(["GET /v1/responses/resp%2F1%20%3F%23%25"]);
  });

  it.each<[unknown, string?]>([["", "an empty string"], [".."], [42], [undefined], [null]])(
    "an id of %j is an InvalidRequestError before anything is sent",
    async (id: unknown) => {
      const { client, mock } = await setup();
      const calls = [
        () => client.responses.retrieve(id as string),
        () => client.responses.cancel(id as string),
        () => client.responses.delete(id as string),
      ];
      for (const call of calls) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect(error).toMatchObject({ param: "id", code: "invalid_option" });
      }
      expect(() => client.responses.inputItems(id as string)).toThrow(InvalidRequestError);
      expect(mock.requests).toHaveLength(0);
    },
  );
});

describe("client.responses.inputTokens", () => {
  it("sends only the token-count fields and resolves with the count", async () => {
    const { client, mock } = await setup();
    const request = {
      ...REQUEST,
      instructions: "be brief",
      store: true,
      include: ["reasoning.encrypted_content"],
      prompt_cache_key: "k",
    };
    const { inputTokens } = await client.responses.inputTokens(request);
    expect(inputTokens).toBeGreaterThan(0);
    const sent = mock.requests[0]!;
    expect(`${sent.method} ${sent.url}`).toBe("POST /v1/responses/input_tokens");
    expect(Object.keys(sent.body as object).sort()).toEqual(["input", "instructions", "model"]);
  });

  it("a request that is not an object is an InvalidRequestError before sending", async () => {
    const { client, mock } = await setup();
    const error = await rejection(
      client.responses.inputTokens(null as unknown as ResponsesRequest),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ param: "request", code: "invalid_option" });
    expect(mock.requests).toHaveLength(0);
  });
});

describe("the streamed GET (what a resume builds on)", () => {
  it("GET /responses/{id}?stream=true&starting_after=N replays the events after N", async () => {
    const { client, mock } = await setup();
    const first = await (await client.responses.stream(REQUEST)).collect();
    const stream = await client.responses.resume(first.responseId, { startingAfter: 4 });
    const deltas: string[] = [];
    for await (const event of stream)
      if (event.type === "outputTextDelta") deltas.push(event.delta);
    expect(paths(mock).at(-1)).toBe(
      `GET /v1/responses/${first.responseId}?stream=true&starting_after=4`,
    );
    expect(mock.requests.at(-1)?.headers["accept"]).toBe("text/event-stream");
    // Events 0–4 are created, in_progress, the item, its part and the delta "Echo: ".
    expect([first.text, deltas.join("")]).toEqual(["Echo: hi", "hi"]);
  });
});
