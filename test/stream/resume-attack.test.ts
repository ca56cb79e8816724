// An adversarial pass over background-stream resume (README "Background streams and resume"), the
// cases the fault matrix cannot express as rows: sequence numbers a resume must read right (nested
// keys, odd spacing, non-integers), replies that repeat or go back, a persisted resume against a
// server that ignores `starting_after`, an id no URL can carry, the caller's edge (abort, break,
// collect() across a resume, cancelOnAbort failing), wrong arguments and the mock's own knobs.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  AuthError,
  CodexApiError,
  createClient,
  InvalidRequestError,
  StreamError,
  type AuthProvider,
  type ClientOptions,
  type ResponseEvent,
  type ResponseStream,
  type ResumeTelemetry,
} from "../../src/index.js";
import {
  cannedEvents,
  startMockServer,
  type MockScript,
  type MockServer,
} from "../../src/testing/index.js";
import { rejection, REQUEST, sleep, until, within } from "../helpers/calls.js";
import { serveEach, sseFrame } from "../helpers/server.js";

const BACKGROUND = { ...REQUEST, background: true, store: true };
// The canned reply: 14 events numbered 0–13 (created … completed), its id resp_mock_1.
const EVENTS = cannedEvents(BACKGROUND, 1);
const LAST = EVENTS.length - 1;
type Json = Record<string, unknown>;

let mock: MockServer | undefined;
afterEach(() => mock?.close());
const serve = serveEach();

/** The mock with `script`, a client of it with 1 ms backoff, and what its hooks saw. */
async function setup(script: MockScript = {}, rest: Partial<ClientOptions> = {}) {
  mock = await startMockServer(script);
  const resumes: ResumeTelemetry[] = [];
  const warnings: unknown[][] = [];
  const client = createClient({
    provider: { baseUrl: `${mock.url}/v1`, retry: { baseDelayMs: 1 }, requestTimeoutMs: 2000 },
    auth: "tok-secret-1",
    telemetry: { onResume: (info) => void resumes.push(info) },
    logger: { warn: (...args) => void warnings.push(args) },
    ...rest,
  });
  return { client, mock, resumes, warnings };
}

/** Every event of a stream within 5 s, and the error that ended it. */
async function drain(stream: ResponseStream) {
  const events: ResponseEvent[] = [];
  const read = async () => {
    try {
      for await (const event of stream) events.push(event);
      return { events, error: undefined };
    } catch (error) {
      return { events, error: error as StreamError };
    }
  };
  return within(read(), 5000, "the stream");
}

/** What an undropped background stream of the mock collects (its ids numbered `n`). */
async function undropped(n = 1) {
  const whole = await startMockServer();
  try {
    const client = createClient({ provider: { baseUrl: `${whole.url}/v1` }, auth: "t" });
    for (let i = 1; i < n; i++) await (await client.responses.stream(BACKGROUND)).collect();
    return await (await client.responses.stream(BACKGROUND)).collect();
  } finally {
    await whole.close();
  }
}

const gets = (m: MockServer) => m.requests.filter((r) => r.method === "GET");
const renumbered = (events: Json[], seq: (i: number) => unknown) =>
  events.map((e, i) => ({ ...e, sequence_number: seq(i) }));

describe("sequence numbers read right", () => {
  it("a terminal event whose response carries a nested sequence_number key is not taken for a gap", async () => {
    // The response object echoes the tools: a parameter named sequence_number comes before the
    // event's own number (the mock writes `sequence_number` last).
    const tools = [
      {
        type: "function",
        name: "f",
        parameters: { properties: { sequence_number: { type: "integer" } } },
      },
    ];
    const events = EVENTS.map((e) =>
      e.type === "response.completed" ? { ...e, response: { ...(e.response as Json), tools } } : e,
    );
    const { client, resumes } = await setup({
      responses: { events, dropAfterEvents: LAST },
      retrieve: {},
    });
    const result = await within((await client.responses.stream(BACKGROUND)).collect(), 5000);
    expect(result.text).toBe("Echo: hi");
    expect(resumes).toHaveLength(1);
  });

  it("a nested numeric sequence_number does not move the resume point", async () => {
    const schema = { examples: [{ sequence_number: 1000 }] };
    const events = EVENTS.map((e) =>
      e.type === "response.created"
        ? { ...e, response: { ...(e.response as Json), text: { format: { schema } } } }
        : e,
    );
    const { client, resumes } = await setup({ responses: { events, dropAfterEvents: 4 } });
    const result = await within((await client.responses.stream(BACKGROUND)).collect(), 5000);
    expect(result.text).toBe("Echo: hi");
    expect(resumes.map((r) => r.startingAfter)).toEqual([3]);
  });

  it('`"sequence_number" : 5` with spaces (a reformatting proxy) is read at a resume boundary', async () => {
    const spaced = (e: Json) =>
      `event: ${String(e.type)}\ndata: ${JSON.stringify(e).replace('"sequence_number":', '"sequence_number" : ')}\n\n`;
    const server = await serve(
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(EVENTS.slice(0, 4).map(spaced).join(""), () => res.socket?.destroy());
      },
      { chunks: EVENTS.slice(4).map(spaced) },
    );
    const client = createClient({
      provider: { baseUrl: `${server.url}/v1`, retry: { baseDelayMs: 1 } },
      auth: "t",
    });
    const result = await within((await client.responses.stream(BACKGROUND)).collect(), 5000);
    expect(result.text).toBe("Echo: hi");
    expect(server.requests.at(-1)?.url).toContain("starting_after=3");
  });

  it.each([
    ["a fraction", 4.5],
    ["a negative number", -4],
    ["a string", "4"],
    ["a number past 2^53", 2 ** 60],
  ])("a resumed reply whose first number is %s ends with events_lost", async (_what, seq) => {
    const resumed = [{ ...EVENTS[4]!, sequence_number: seq }, ...EVENTS.slice(5)];
    const { client } = await setup({
      responses: { dropAfterEvents: 4 },
      retrieve: { events: resumed },
    });
    const { error } = await drain(await client.responses.stream(BACKGROUND));
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ code: "events_lost", retryable: false, lastSequenceNumber: 3 });
  });

  it("lastSequenceNumber only takes numbers resume() accepts, so it can always be passed back", async () => {
    const odd = renumbered(EVENTS, (i) => (i === 5 ? 5.5 : i === 6 ? -1 : i));
    const { client } = await setup({ responses: { events: odd } });
    const stream = await client.responses.stream(BACKGROUND);
    const seen: unknown[] = [];
    for await (const _ of stream) seen.push(stream.lastSequenceNumber);
    for (const n of seen) expect(n === undefined || Number.isSafeInteger(n)).toBe(true);
    const after = stream.lastSequenceNumber!;
    const rest = await client.responses.resume("resp_mock_1", { startingAfter: after });
    await rest.collect().catch(() => {});
  });
});

describe("replies that repeat or go back", () => {
  it("a resumed reply that goes back to events already delivered does not repeat them", async () => {
    // After 0–4 (created … the first delta) the resume sends 5, then 4–5 again, then the rest.
    const resumed = [EVENTS[5]!, EVENTS[4]!, EVENTS[5]!, ...EVENTS.slice(6)];
    const { client } = await setup({
      responses: { dropAfterEvents: 5 },
      retrieve: { events: resumed },
    });
    const stream = await client.responses.stream(BACKGROUND);
    const { events, error } = await drain(stream);
    expect(error).toBeUndefined();
    const deltas = events.filter((e) => e.type === "outputTextDelta").map((e) => e.delta);
    expect(deltas).toEqual(["Echo: ", "hi"]);
  });

  it("a resumed reply that repeats old events without end ends with a StreamError, bounded", async () => {
    let writes = 0;
    const server = await serve(
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(
          EVENTS.slice(0, 4)
            .map((e) => sseFrame(e))
            .join(""),
          () => res.socket?.destroy(),
        );
      },
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        const again = EVENTS.slice(1, 4)
          .map((e) => sseFrame(e))
          .join("");
        const timer = setInterval(() => void (writes++, res.write(again)), 1);
        res.on("close", () => clearInterval(timer));
      },
    );
    const client = createClient({
      provider: {
        baseUrl: `${server.url}/v1`,
        retry: { baseDelayMs: 1 },
        streamIdleTimeoutMs: 60_000,
      },
      auth: "t",
    });
    const { error } = await drain(await client.responses.stream(BACKGROUND));
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ retryable: false, responseId: "resp_mock_1" });
    await within(server.requestSocketsClosed(), 2000, "the sockets");
    expect(writes).toBeLessThan(1000);
  });

  it("resume(id, { startingAfter }) against a server that ignores starting_after repeats nothing", async () => {
    const { client } = await setup({ retrieve: { events: EVENTS } });
    await (await client.responses.stream(BACKGROUND)).collect();
    const rest = await client.responses.resume("resp_mock_1", { startingAfter: 5 });
    const { events, error } = await drain(rest);
    expect(error).toBeUndefined();
    const deltas = events.filter((e) => e.type === "outputTextDelta").map((e) => e.delta);
    // Events 0–5 (created … the first deltas) were persisted as delivered: none comes again.
    const tail = EVENTS.slice(6).filter((e) => e.type === "response.output_text.delta");
    expect(deltas).toEqual(tail.map((e) => e.delta));
    expect(rest.lastSequenceNumber).toBe(LAST);
  });

  it("resume(id, { startingAfter }) whose first event skips numbers ends with events_lost", async () => {
    const { client } = await setup({ retrieve: { events: EVENTS.slice(9) } });
    await (await client.responses.stream(BACKGROUND)).collect();
    const rest = await client.responses.resume("resp_mock_1", { startingAfter: 5 });
    const { events, error } = await drain(rest);
    expect(events).toEqual([]);
    expect(error).toMatchObject({ name: "StreamError", code: "events_lost", retryable: false });
  });

  it("events with no sequence_number inside a resumed reply (after its first) are delivered", async () => {
    const resumed = EVENTS.slice(4).map((e, i) => {
      if (i !== 2) return e;
      const { sequence_number: _, ...rest } = e;
      return rest;
    });
    const { client } = await setup({
      responses: { dropAfterEvents: 4 },
      retrieve: { events: resumed },
    });
    const result = await within((await client.responses.stream(BACKGROUND)).collect(), 5000);
    expect(result).toEqual(await undropped());
  });
});

describe("the id a resume GET is sent to", () => {
  it("an id no URL can carry (a lone surrogate) ends with a CodexApiError, not a URIError", async () => {
    const events = EVENTS.map((e) =>
      e.type === "response.created"
        ? { ...e, response: { ...(e.response as Json), id: "resp_\ud800" } }
        : e,
    );
    const { client } = await setup({ responses: { events, dropAfterEvents: 4 } });
    const { error } = await drain(await client.responses.stream(BACKGROUND));
    expect(error).toBeInstanceOf(CodexApiError);
    expect(error).toMatchObject({ responseId: "resp_\ud800" });
  });

  it("an id with / ? # is percent-encoded into one path segment", async () => {
    const id = "resp/../x?y#z";
    const events = EVENTS.map((e) =>
      e.response ? { ...e, response: { ...(e.response as Json), id } } : e,
    );
    const { client, mock } = await setup({ responses: { events, dropAfterEvents: 4 } });
    const result = await within((await client.responses.stream(BACKGROUND)).collect(), 5000);
    expect(result.responseId).toBe(id);
    expect(gets(mock)[0]?.path).toBe(`/v1/responses/${encodeURIComponent(id)}`);
  });

  it("a resumed reply whose events belong to another response is not mixed in", async () => {
    const other = cannedEvents({ ...BACKGROUND, input: "something else" }, 7);
    const { client } = await setup({
      responses: { dropAfterEvents: 4 },
      retrieve: { events: other.slice(4) },
    });
    const { error } = await drain(await client.responses.stream(BACKGROUND));
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ retryable: false, responseId: "resp_mock_1" });
  });
});
