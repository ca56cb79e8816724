// The mock's events attacked (README "Testing your code with the mock server": "An event is
// serialized once, the first time it is sent"): one object in two servers' scripts, changed in
// place, with a getter that counts, frozen, a Proxy, toJSON, the same object twice in a list, over
// HTTP and over WebSocket alike; events it cannot write (a cycle a reply function returns, a toJSON
// that writes nothing) fail clearly without taking the host process down; and a stored list whose
// event is replaced by a new object (the README's way to send a changed event) is read again.
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createClient, CodexApiError, InvalidRequestError } from "../../src/index.js";
import {
  cannedEvents,
  startMockServer,
  type MockScript,
  type MockServer,
} from "../../src/testing/index.js";

type Json = Record<string, unknown>;
const servers: MockServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(script: MockScript) {
  const mock = await startMockServer(script);
  servers.push(mock);
  return mock;
}

const BODY = { model: "m", input: "hi" };
const created = { type: "response.created", response: { id: "r1" } };
const completed = () => ({ type: "response.completed", response: { id: "r1", output: [] } });

/** The `data:` payloads of one POST /responses, as text. */
async function httpPayloads(mock: MockServer): Promise<string[]> {
  const res = await fetch(`${mock.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(BODY),
  });
  const text = await res.text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => l.slice(6));
}

/** The text frames of one `response.create` over a WebSocket, up to the terminal event. */
async function socketPayloads(mock: MockServer): Promise<string[]> {
  const ws = new WebSocket(`${mock.url.replace("http", "ws")}/v1/responses`);
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on("open", () => ws.send(JSON.stringify({ type: "response.create", ...BODY })));
    ws.on("message", (data) => {
      const text = String(data);
      got.push(text);
      if (/"type":"(response\.completed|error)"/.test(text)) resolve();
    });
    ws.on("close", () => resolve());
    ws.on("error", reject);
  });
  ws.close();
  return got;
}

describe("an event object the mock sends", () => {
  it("one object in two servers' scripts is sent by both", async () => {
    const delta = { type: "response.output_text.delta", delta: "shared" };
    const a = await start({ responses: { events: [created, delta, completed()] } });
    const b = await start({ responses: { events: [created, delta, completed()] } });
    expect((await httpPayloads(a))[1]).toBe((await httpPayloads(b))[1]);
  });

  it("changed in place after it was sent: HTTP and WebSocket both send it as it was first", async () => {
    const delta = { type: "response.output_text.delta", delta: "first" };
    const events = [created, delta, completed()];
    const mock = await start({ responses: { events } });
    expect((await httpPayloads(mock))[1]).toContain('"first"');
    delta.delta = "changed";
    expect((await httpPayloads(mock))[1]).toContain('"first"');
    expect((await socketPayloads(mock))[1]).toContain('"first"');
  });

  it("a getter that counts: each reply, over either transport, sends its first value", async () => {
    let n = 0;
    const delta = {
      type: "response.output_text.delta",
      get delta() {
        return `call ${++n}`;
      },
    };
    const mock = await start({ responses: { events: [created, delta, completed()] } });
    const first = (await socketPayloads(mock))[1];
    expect((await socketPayloads(mock))[1]).toBe(first);
    expect((await httpPayloads(mock))[1]).toBe(first);
  });

  it("a frozen event and a Proxy are sent as JSON.stringify writes them", async () => {
    const frozen = Object.freeze({ type: "response.output_text.delta", delta: "ice" });
    const proxy = new Proxy({ type: "response.output_text.delta", delta: "p" }, {});
    const mock = await start({ responses: { events: [created, frozen, proxy, completed()] } });
    const sent = await httpPayloads(mock);
    expect(sent.slice(1, 3)).toEqual([JSON.stringify(frozen), JSON.stringify(proxy)]);
    expect((await socketPayloads(mock)).slice(1, 3)).toEqual(sent.slice(1, 3));
  });

  it("the same object twice in a list is sent twice", async () => {
    const delta = { type: "response.output_text.delta", delta: "again" };
    const mock = await start({ responses: { events: [created, delta, delta, completed()] } });
    const sent = await httpPayloads(mock);
    expect(sent[1]).toBe(sent[2]);
    const ws = await socketPayloads(mock);
    expect(ws[1]).toBe(ws[2]);
  });

  it("an event with toJSON is sent as what toJSON returns, over either transport", async () => {
    const event = { toJSON: () => ({ type: "response.output_text.delta", delta: "j" }) };
    const mock = await start({ responses: { events: [created, event, completed()] } });
    const want = '{"type":"response.output_text.delta","delta":"j"}';
    expect((await httpPayloads(mock))[1]).toBe(want);
    expect((await socketPayloads(mock))[1]).toBe(want);
  });
});

describe("an event the mock cannot send", () => {
  it("a toJSON that writes nothing (or not an object) is refused when the server starts", async () => {
    for (const toJSON of [() => undefined, () => "text", () => [1]]) {
      const error = await startMockServer({
        responses: { events: [created, { toJSON }, completed()] },
      }).then(
        (m) => (servers.push(m), undefined),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toContain("script.responses.events[1]");
    }
  });

  it.each([
    ["at once", undefined],
    ["dripped", 2],
  ])(
    "a cycle a reply function returns (%s): the client's error names the mock's failure",
    async (_what, dripMs) => {
      const cyclic: Json = { type: "response.output_text.delta", delta: "x" };
      cyclic.self = cyclic;
      const mock = await start({
        responses: () => ({ events: [created, cyclic, completed()], dripMs }),
      });
      const client = createClient({
        provider: { baseUrl: `${mock.url}/v1`, retry: { maxAttempts: 1 } },
        auth: "tok",
      });
      const error = await (
        await client.responses.stream({ model: "m", input: "hi" })
      )
        .collect()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(CodexApiError);
      expect((error as Error).message).toContain("mock server");
      expect((error as Error).message).toMatch(/circular/i);
    },
  );

  it("a cycle a reply function returns over a WebSocket: an in-band error naming it", async () => {
    const cyclic: Json = { type: "response.output_text.delta", delta: "x" };
    cyclic.self = cyclic;
    const mock = await start({ responses: () => ({ events: [created, cyclic, completed()] }) });
    const got = await socketPayloads(mock);
    const last = got.at(-1)!;
    expect(last).toContain('"type":"error"');
    expect(last).toMatch(/mock server: .*circular/i);
  });
});

describe("a stored list whose event is replaced by a new object", () => {
  const BG = { model: "m", input: "hi", background: true, store: true };

  /** POST the background request (recorded), then GET its events after `after`. */
  async function streamAfter(mock: MockServer, after: number) {
    await httpPayloads(mock);
    const res = await fetch(
      `${mock.url}/v1/responses/resp_mock_1?stream=true&starting_after=${after}`,
    );
    return { status: res.status, text: await res.text() };
  }

  it("an event replaced by an unnumbered one: a GET after N is refused again", async () => {
    const list = cannedEvents(BG, 1);
    const mock = await start({ responses: { events: list } });
    expect((await streamAfter(mock, 3)).status).toBe(200);
    const { sequence_number: _, ...unnumbered } = list[5]!;
    list[5] = unnumbered;
    const second = await streamAfter(mock, 3);
    expect(second.status).toBe(400);
    expect(second.text).toContain("carry no sequence_number");
  });

  it("an event replaced by a renumbered one: a GET after N sends by the new numbers", async () => {
    const list = cannedEvents(BG, 1);
    const mock = await start({ responses: { events: list } });
    expect((await streamAfter(mock, 3)).text).toContain('"sequence_number":4');
    // Event 4 moved after the others: numbered past the last, it comes after 5 only.
    list[4] = { ...list[4]!, sequence_number: 100 };
    const { text } = await streamAfter(mock, 50);
    const numbers = [...text.matchAll(/"sequence_number":(\d+)\}\n/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual([100]);
  });
});
