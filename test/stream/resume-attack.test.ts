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
import { runCli } from "../helpers/cli.js";
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

describe("the caller's edge during a resume", () => {
  it("a break just after a resume ends the stream; collect() after a loop that crossed a resume is whole", async () => {
    const { client, resumes } = await setup({ responses: { dropAfterEvents: 3 } });
    const stream = await client.responses.stream(BACKGROUND);
    for await (const event of stream) {
      if (event.type === "outputTextDelta") break;
    }
    // A break ends the stream: collect() says so, as documented, and no GET stays open.
    expect(resumes).toHaveLength(1);
    const error = await rejection(stream.collect());
    expect(error).toBeInstanceOf(StreamError);
    const second = await client.responses.stream(BACKGROUND);
    const iterator = second[Symbol.asyncIterator]();
    while ((await iterator.next()).value?.type !== "outputTextDelta");
    expect(await within(second.collect(), 5000)).toEqual(await undropped(2));
  });

  it("abort() during the resume GET closes that GET's socket at once", async () => {
    // The report: a socket stays open ≥ 500 ms. It is the GET's own socket that must close; undici
    // may open a spare connection after any aborted request, which carries no request.
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
      () => {},
    );
    const client = createClient({
      provider: { baseUrl: `${server.url}/v1`, retry: { baseDelayMs: 1 } },
      auth: "t",
    });
    const stream = await client.responses.stream(BACKGROUND);
    const done = rejection(stream.collect());
    await until(() => server.requests.length === 2, "the resume GET");
    stream.abort();
    expect(await within(done, 1000)).toBeInstanceOf(AbortError);
    await within(server.requestSocketsClosed(200), 1000, "the GET's socket");
  });

  it("abort() from inside onResume ends the stream with AbortError, no GET left open", async () => {
    let stream: ResponseStream | undefined;
    const { client } = await setup(
      { responses: { dropAfterEvents: 3 }, retrieve: { stallBeforeHeaders: true } },
      { telemetry: { onResume: () => stream!.abort() } },
    );
    stream = await client.responses.stream(BACKGROUND);
    const { error } = await drain(stream);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ responseId: "resp_mock_1" });
  });

  it("an onResume hook that throws is logged and the stream completes", async () => {
    const { client, warnings } = await setup(
      { responses: { dropAfterEvents: 3 } },
      {
        telemetry: {
          onResume: () => {
            throw new Error("hook broke");
          },
        },
      },
    );
    const result = await within((await client.responses.stream(BACKGROUND)).collect(), 5000);
    expect(result.text).toBe("Echo: hi");
    expect(String(warnings[0]?.[0])).toContain("onResume");
  });

  it("cancelOnAbort: abort() during the resume GET sends cancel once", async () => {
    const { client, mock } = await setup({
      responses: { dropAfterEvents: 3 },
      retrieve: { stallBeforeHeaders: true },
    });
    const stream = await client.responses.stream(BACKGROUND, { cancelOnAbort: true });
    const done = rejection(stream.collect());
    await until(() => gets(mock).length === 1, "the resume GET");
    stream.abort();
    stream.abort();
    expect(await within(done, 2000)).toBeInstanceOf(AbortError);
    const cancels = () => mock.requests.filter((r) => r.url.endsWith("/cancel"));
    await until(() => cancels().length === 1, "the cancel");
    await sleep(20);
    expect(cancels().map((r) => r.path)).toEqual(["/v1/responses/resp_mock_1/cancel"]);
  });

  it("cancelOnAbort: an auth provider that throws on the cancel is logged without its secret", async () => {
    let calls = 0;
    const auth: AuthProvider = {
      bearerToken: () => {
        if (++calls > 1) throw new Error("vault sealed: tok-secret-1");
        return "tok-secret-1";
      },
    };
    const { client, warnings, mock } = await setup({}, { auth });
    const stream = await client.responses.stream(BACKGROUND, { cancelOnAbort: true });
    for await (const event of stream) if (event.type === "created") break;
    await until(() => warnings.length > 0, "the warning");
    const logged = warnings.map((w) =>
      w
        .map((x) => (x instanceof Error ? `${x.message} ${String(x.cause)}` : JSON.stringify(x)))
        .join(" "),
    );
    expect(logged.join(" ")).toContain("cancel(resp_mock_1) failed");
    expect(logged.join(" ")).not.toContain("tok-secret-1");
    expect(warnings[0]?.[1]).toBeInstanceOf(AuthError);
    expect(mock.requests.filter((r) => r.url.endsWith("/cancel"))).toHaveLength(0);
  });

  it("cancelOnAbort sends nothing after the stream completed, and a finished stream keeps no listener", async () => {
    const { client, mock } = await setup();
    const controller = new AbortController();
    const options = { cancelOnAbort: true, signal: controller.signal };
    const stream = await client.responses.stream(BACKGROUND, options);
    await stream.collect();
    controller.abort();
    stream.abort();
    await sleep(20);
    expect(mock.requests.map((r) => r.method)).toEqual(["POST"]);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});

describe("arguments refused before sending", () => {
  it.each([42, null, {}, undefined, ".", "..", "resp_\ud800"])(
    "resume(%j) names the id",
    async (id) => {
      const { client, mock } = await setup();
      const error = await rejection(client.responses.resume(id as string));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toMatchObject({ param: "id", code: "invalid_option" });
      expect(mock.requests).toHaveLength(0);
    },
  );

  it.each([Infinity, 2 ** 53, null, true, [3]])("resume(id, { startingAfter: %j })", async (n) => {
    const { client, mock } = await setup();
    const error = await rejection(
      client.responses.resume("resp_1", { startingAfter: n as number }),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain("options.startingAfter");
    expect(mock.requests).toHaveLength(0);
  });

  it("resume(id, { starting_after }) names the key to use", async () => {
    const { client, mock } = await setup();
    const options = { starting_after: 3 } as never;
    const error = await rejection(client.responses.resume("resp_1", options));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain("startingAfter");
    expect(mock.requests).toHaveLength(0);
  });

  it.each(["yes", 1, "true", null])("background: true with store: %j is refused", async (store) => {
    const { client, mock } = await setup();
    const request = { ...REQUEST, background: true, store } as never;
    const error = await rejection(client.responses.stream(request));
    expect(error).toMatchObject({ name: "InvalidRequestError", param: "request.store" });
    expect(mock.requests).toHaveLength(0);
  });

  it.each([null, Infinity, 2 ** 53])(
    "resume: %j / maxResumes past the safe integers is refused",
    async (v) => {
      const { client, mock } = await setup();
      const options = (v === null ? { resume: null } : { resume: { maxResumes: v } }) as never;
      const error = await rejection(client.responses.stream(BACKGROUND, options));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.message).toContain("options.resume");
      expect(mock.requests).toHaveLength(0);
    },
  );

  it("maxResumes: Number.MAX_SAFE_INTEGER resumes as usual, and `resume: {}` is the default 5", async () => {
    const { client, resumes } = await setup({
      responses: { dropAfterEvents: 2 },
      retrieve: { dropAfterEvents: 1 },
    });
    const huge = { resume: { maxResumes: Number.MAX_SAFE_INTEGER } };
    const result = await within((await client.responses.stream(BACKGROUND, huge)).collect(), 5000);
    expect(result.text).toBe("Echo: hi");
    expect(resumes.length).toBe(LAST - 1);
    resumes.length = 0;
    const { error } = await drain(await client.responses.stream(BACKGROUND, { resume: {} }));
    expect(error).toMatchObject({ name: "StreamError", retryable: true });
    expect(resumes).toHaveLength(5);
  });
});

describe("the mock's background knobs", () => {
  it("dropAfterEvents: 0 drops before the first event; the id is unknown, so nothing is resumed", async () => {
    const { client, mock, resumes } = await setup({ responses: { dropAfterEvents: 0 } });
    const { events, error } = await drain(await client.responses.stream(BACKGROUND));
    expect(events.filter((e) => e.type !== "rateLimits")).toEqual([]);
    expect(error).toMatchObject({ name: "StreamError", retryable: true });
    expect(Object.hasOwn(error!, "responseId")).toBe(false);
    expect(resumes).toEqual([]);
    expect(gets(mock)).toEqual([]);
  });

  it.each([-1, 1.5, "2"])("dropAfterEvents: %j is refused by startMockServer", async (n) => {
    const error = await rejection(startMockServer({ responses: { dropAfterEvents: n as number } }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain("dropAfterEvents");
  });

  it.each([-1, Number.NaN, "5", null])("backgroundTtlMs: %j is refused, naming it", async (ttl) => {
    const error = await rejection(startMockServer({}, { backgroundTtlMs: ttl as number }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain("backgroundTtlMs");
  });

  it("backgroundTtlMs: Infinity never expires; 0 expires at once (the service's 400)", async () => {
    for (const [ttl, ok] of [
      [Infinity, true],
      [0, false],
    ] as const) {
      const server = await startMockServer({}, { backgroundTtlMs: ttl });
      try {
        const client = createClient({ provider: { baseUrl: `${server.url}/v1` }, auth: "t" });
        await (await client.responses.stream(BACKGROUND)).collect();
        await sleep(5);
        const rest = client.responses.resume("resp_mock_1", { startingAfter: 3 });
        if (ok) expect((await (await rest).collect()).text).toBe("Echo: hi");
        else expect(await rejection(rest)).toMatchObject({ status: 400 });
      } finally {
        await server.close();
      }
    }
  });
});

describe("the CLI", () => {
  it("responses --background: a refused resume echoing the key prints neither the key nor a hang", async () => {
    const key = "sk-secret-cli-123";
    const echo = { error: { message: `bad key ${key} (Bearer ${key})` } };
    const { mock } = await setup({
      responses: { dropAfterEvents: 5 },
      retrieve: { status: 400, body: echo },
    });
    const argv = ["responses", "--base-url", mock.url, "--background", "hello"];
    const r = await within(runCli(argv, { env: { OPENAI_API_KEY: key } }), 5000, "the CLI");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("Echo: ");
    expect(r.stderr).toContain("resuming resp_mock_1 after event 4");
    expect(r.stdout + r.stderr).not.toContain(key);
  });

  it.each([
    [["resume", "."], 1, "the id"],
    [["resume", "resp_mock_1", "--starting-after", "99999999999999999999"], 2, "--starting-after"],
    [["resume", "resp_mock_1", "--starting-after", "1e3"], 2, "--starting-after"],
  ])("%j is refused before sending", async (argv, code, said) => {
    const { mock } = await setup();
    const r = await runCli([...argv, "--base-url", mock.url]);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(said);
    expect(mock.requests).toHaveLength(0);
  });
});
