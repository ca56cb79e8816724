// A background request's body is copied (a JSON round trip, src/resources/responses.ts) before the
// background code loads. Attacked with bodies whose JSON is not what they hold: toJSON, Dates,
// undefined members, getters with side effects, Maps and Sets, lone surrogates, -0 and 1e21, an
// own `__proto__` key, and a large one: each sends byte for byte what the same request written as
// plain JSON sends, runs a getter or toJSON once, and the copy costs a bounded time.
import { describe, expect, it } from "vitest";
import { createClient, type ResponsesRequest } from "../../src/index.js";
import { REQUEST } from "../helpers/calls.js";
import { serveEach, sseFrame } from "../helpers/server.js";

const serve = serveEach();
const ID = "resp_body_1";
const EVENTS = [
  { type: "response.created", response: { id: ID, status: "in_progress" }, sequence_number: 0 },
  {
    type: "response.completed",
    response: { id: ID, status: "completed", output: [] },
    sequence_number: 1,
  },
];

/** The body text the server receives for `request` (sent as a background request). */
async function sent(request: unknown): Promise<string> {
  const server = await serve((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(EVENTS.map((e) => sseFrame(e)).join(""));
  });
  const client = createClient({ provider: { baseUrl: `${server.url}/v1` }, auth: "tok" });
  await (await client.responses.stream(request as ResponsesRequest)).collect();
  return server.requests[0]!.text();
}

const background = (rest: Record<string, unknown>) => ({
  ...REQUEST,
  background: true,
  store: true,
  ...rest,
});

/** `request` sends what its plain JSON form sends. */
async function sameAsPlain(request: unknown): Promise<void> {
  const plain = JSON.parse(JSON.stringify(request)) as unknown;
  expect(await sent(request)).toBe(await sent(plain));
}

const text = (t: string) => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text: t }],
});

describe("a background request's body, copied before the code loads", () => {
  it("an item with toJSON: what toJSON returns, toJSON run once", async () => {
    let calls = 0;
    const item = { toJSON: () => (calls++, text("from toJSON")) };
    const body = await sent(background({ input: [item] }));
    expect(calls).toBe(1);
    expect(body).toContain('"from toJSON"');
    calls = 0;
    await sameAsPlain(background({ input: [item] }));
  });

  it("a getter with a side effect runs once", async () => {
    let calls = 0;
    const item = {
      type: "message",
      role: "user",
      get content() {
        calls++;
        return [{ type: "input_text", text: `call ${calls}` }];
      },
    };
    expect(await sent(background({ input: [item] }))).toContain('"call 1"');
    expect(calls).toBe(1);
  });

  it("a Date, undefined members, a Map and a Set in metadata and tools", async () => {
    await sameAsPlain(
      background({
        metadata: { at: new Date(0) as unknown as string, gone: undefined },
        tools: [
          {
            type: "function",
            name: "f",
            parameters: { type: "object", map: new Map([["a", 1]]), set: new Set([1]) },
            strict: undefined,
          },
        ],
      }),
    );
  });

  it("a lone surrogate, -0 and 1e21 are sent as the transport writes them", async () => {
    const request = background({
      input: [text("lone \ud800 surrogate")],
      tools: [
        {
          type: "function",
          name: "f",
          parameters: { type: "object", minimum: -0, maximum: 1e21 },
        },
      ],
    });
    const body = await sent(request);
    expect(body).toContain('"lone \\ud800 surrogate"');
    expect(body).toContain('"minimum":0,"maximum":1e+21');
  });

  it("an own __proto__ key (from JSON.parse) is kept", async () => {
    const parameters = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}');
    const body = await sent(background({ tools: [{ type: "function", name: "f", parameters }] }));
    expect(body).toContain('"properties":{"__proto__":{"type":"string"}}');
  });

  it("a toJSON nested in a toJSON's result runs too", async () => {
    const inner = { toJSON: () => "inner text" };
    const item = {
      toJSON: () => ({ ...text("x"), content: [{ type: "input_text", text: inner }] }),
    };
    expect(await sent(background({ input: [item] }))).toContain('"text":"inner text"');
  });

  it("a 16 MB body: the copy costs less than twice sending it without one", async () => {
    const big = [text("y".repeat(16 * 1024 * 1024))];
    const time = async (request: unknown) => {
      const t = performance.now();
      await sent(request);
      return performance.now() - t;
    };
    await time({ ...REQUEST, input: big }); // warm up
    const plain = await time({ ...REQUEST, input: big });
    const copied = await time(background({ input: big }));
    expect(copied).toBeLessThan(2 * plain + 200);
  });
});
