// A second adversarial pass over background-stream resume (README "Background streams and resume"):
// the backoff of a resume that brings no new event and its `resume_no_progress` end under odd retry
// policies (maxAttempts 1, a backoff past what a timer holds, a zero base over many stalls), the
// caller meanwhile (a break, a hook that throws, an edit of its options or request while the code
// loads), hostile replies (one event per GET, progress that alternates, events numbered with
// strings, ids that change), the mock's own unnumbered events, and the id checks of the stored
// operations when their code cannot load.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  createClient,
  InvalidRequestError,
  StreamError,
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
import type { IncomingMessage, ServerResponse } from "node:http";

const BACKGROUND = { ...REQUEST, background: true, store: true };
// The canned reply: 14 events numbered 0–13 (created … completed), its id resp_mock_1.
const EVENTS = cannedEvents(BACKGROUND, 1);
type Json = Record<string, unknown>;
const MANY = { resume: { maxResumes: 1_000_000 } };

let mock: MockServer | undefined;
afterEach(async () => {
  vi.doUnmock("../../src/resources/stored.js");
  await mock?.close();
  mock = undefined;
});
const serve = serveEach();

type Retry = NonNullable<NonNullable<ClientOptions["provider"]>["retry"]>;

/** A client of `url` with `retry`, and the resumes telemetry saw. */
function clientOf(
  url: string,
  retry: Retry = { baseDelayMs: 1 },
  rest: Partial<ClientOptions> = {},
) {
  const resumes: ResumeTelemetry[] = [];
  const warnings: unknown[][] = [];
  const client = createClient({
    provider: { baseUrl: `${url}/v1`, retry, requestTimeoutMs: 2000 },
    auth: "tok-secret-2",
    telemetry: { onResume: (info) => void resumes.push(info) },
    logger: { warn: (...args) => void warnings.push(args) },
    ...rest,
  });
  return { client, resumes, warnings };
}

/** The mock with `script`, a client of it. */
async function setup(script: MockScript, retry?: Retry, rest?: Partial<ClientOptions>) {
  mock = await startMockServer(script);
  const m = mock;
  return {
    ...clientOf(m.url, retry, rest),
    gets: () => m.requests.filter((r) => r.method === "GET"),
  };
}

/** Every event of a stream within `ms`, and the error that ended it. */
async function drain(stream: ResponseStream, ms = 5000) {
  const events: ResponseEvent[] = [];
  const read = async () => {
    try {
      for await (const event of stream) events.push(event);
      return { events, error: undefined };
    } catch (error) {
      return { events, error: error as StreamError };
    }
  };
  return within(read(), ms, "the stream");
}

/** A raw server: the POST streams `first` frames then resets; each GET runs `get(n)`. */
async function raw(
  first: string,
  get: (n: number, req: IncomingMessage, res: ServerResponse) => void,
) {
  let n = 0;
  return serve((req, res) => {
    if (req.method === "GET") return get(++n, req, res);
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(first, () => res.socket?.destroy());
  });
}

const frames = (events: Json[]) => events.map((e) => sseFrame(e)).join("");
const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });
const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("odd retry policies on a resume without progress", () => {
  it("maxAttempts: 1 asks once after the drop, then resume_no_progress, with no wait", async () => {
    const { client, resumes, gets } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
      { maxAttempts: 1, baseDelayMs: 60_000 },
    );
    const { error } = await drain(await client.responses.stream(BACKGROUND, MANY));
    expect(error).toMatchObject({ code: "resume_no_progress", lastSequenceNumber: 3 });
    expect(gets()).toHaveLength(1);
    expect(resumes.map((r) => r.delayMs)).toEqual([0]);
  });

  it("a backoff longer than a timer holds (2^31 ms) still waits, it does not fire at once", async () => {
    const { client, resumes, gets } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
      { maxAttempts: 5, baseDelayMs: 3e9, maxDelayMs: 1e12 },
    );
    const stream = await client.responses.stream(BACKGROUND, MANY);
    const done = drain(stream);
    await until(() => resumes.length === 2, "the second resume");
    await sleep(150);
    expect(gets()).toHaveLength(1);
    expect(resumes[1]!.delayMs).toBeLessThanOrEqual(2 ** 31 - 1);
    stream.abort();
    expect((await done).error).toBeInstanceOf(AbortError);
  });

  it("baseDelayMs: 0 over more than 1024 stalls reports finite delays, never NaN", async () => {
    const server = await raw(frames(EVENTS.slice(0, 4)), (_n, _req, res) => {
      sse(res);
      res.end("data: [DONE]\n\n");
    });
    const { client, resumes } = clientOf(server.url, {
      maxAttempts: 1100,
      baseDelayMs: 0,
      maxDelayMs: 0,
    });
    const { error } = await drain(await client.responses.stream(BACKGROUND, MANY), 20_000);
    expect(error).toMatchObject({ code: "resume_no_progress" });
    expect(resumes).toHaveLength(1100);
    expect(resumes.filter((r) => !Number.isFinite(r.delayMs))).toEqual([]);
  }, 30_000);

  it("the call's retry.maxAttempts wins over the provider's for the stall count", async () => {
    const { client, gets } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
      { maxAttempts: 5, baseDelayMs: 1 },
    );
    const stream = await client.responses.stream(BACKGROUND, {
      ...MANY,
      retry: { maxAttempts: 2 },
    });
    const { error } = await drain(stream);
    expect(error).toMatchObject({ code: "resume_no_progress" });
    expect(gets()).toHaveLength(2);
  });

  it("an edit of options.retry / options.resume after stream() was called changes nothing", async () => {
    const { client, gets } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
      { maxAttempts: 5, baseDelayMs: 1 },
    );
    const options = { resume: { maxResumes: 50 }, retry: { maxAttempts: 2 } };
    const pending = client.responses.stream(BACKGROUND, options);
    options.retry.maxAttempts = 1_000;
    options.resume.maxResumes = -1;
    const { error } = await drain(await pending);
    expect(error).toMatchObject({ code: "resume_no_progress" });
    expect(gets()).toHaveLength(2);
  });
});

describe("the caller during the backoff", () => {
  it("return() of the iterator while next() waits in the backoff ends the stream without another GET", async () => {
    const { client, resumes, gets } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
      { baseDelayMs: 10_000 },
    );
    const stream = await client.responses.stream(BACKGROUND, MANY);
    const it = stream[Symbol.asyncIterator]();
    let pending: Promise<unknown> = Promise.resolve();
    const reading = (async () => {
      for (;;) {
        const next = it.next();
        pending = next.catch(() => {});
        if ((await next).done) return;
      }
    })().catch(() => {});
    await until(() => resumes.length === 2, "the second resume");
    const ret = await within(it.return!(), 1000, "return()");
    expect(ret.done).toBe(true);
    await within(pending, 1000, "the pending next()");
    await within(reading, 1000, "the loop");
    await sleep(30);
    expect(gets()).toHaveLength(1);
  });

  it("no timer is left behind once the stream ended with resume_no_progress or an abort in the wait", async () => {
    const before = timeouts();
    const { client, resumes } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
      { maxAttempts: 3, baseDelayMs: 5 },
    );
    const { error } = await drain(await client.responses.stream(BACKGROUND, MANY));
    expect(error).toMatchObject({ code: "resume_no_progress" });
    const slow = clientOf(mock!.url, { baseDelayMs: 60_000 });
    const stream = await slow.client.responses.stream(BACKGROUND, MANY);
    const done = drain(stream);
    await until(() => slow.resumes.length === 2, "the second resume");
    stream.abort();
    expect((await done).error).toBeInstanceOf(AbortError);
    expect(resumes).toHaveLength(3);
    await until(() => timeouts() <= before, "the timers cleared", 2000);
  });

  it("an onResume hook that throws on every call does not change the backoff or the typed end", async () => {
    const server = await raw(frames(EVENTS.slice(0, 4)), (_n, _req, res) => {
      sse(res);
      res.end("data: [DONE]\n\n");
    });
    const { client } = clientOf(
      server.url,
      { maxAttempts: 3, baseDelayMs: 30, maxDelayMs: 30 },
      {
        telemetry: {
          onResume: () => {
            throw new Error("hook broke");
          },
        },
      },
    );
    const { error } = await drain(await client.responses.stream(BACKGROUND, MANY));
    expect(error).toMatchObject({ code: "resume_no_progress" });
    const at = server.requests.slice(1).map((g) => g.at);
    expect(at).toHaveLength(3);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(25);
  });

  it("abort() from onResume when the resume would wait ends with AbortError, no GET follows", async () => {
    let stream: ResponseStream | undefined;
    const { client, gets } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
      { baseDelayMs: 5_000 },
      { telemetry: { onResume: (info) => void (info.delayMs > 0 && stream!.abort()) } },
    );
    stream = await client.responses.stream(BACKGROUND, MANY);
    const { error } = await drain(stream, 2000);
    expect(error).toBeInstanceOf(AbortError);
    await sleep(30);
    expect(gets()).toHaveLength(1);
  });

  it("cancelOnAbort: an abort during the backoff sends cancel once", async () => {
    const { client, resumes } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
      { baseDelayMs: 10_000 },
    );
    const stream = await client.responses.stream(BACKGROUND, { ...MANY, cancelOnAbort: true });
    const done = drain(stream);
    await until(() => resumes.length === 2, "the second resume");
    stream.abort();
    stream.abort();
    expect((await done).error).toBeInstanceOf(AbortError);
    await until(() => mock!.requests.some((r) => r.url.endsWith("/cancel")), "the cancel", 2000);
    await sleep(30);
    expect(mock!.requests.filter((r) => r.url.endsWith("/cancel"))).toHaveLength(1);
  });
});

describe("hostile resume replies", () => {
  it("one new event per GET: each resume goes at once, bounded by maxResumes (default 5)", async () => {
    const server = await raw(frames(EVENTS.slice(0, 2)), (n, _req, res) => {
      sse(res);
      res.write(sseFrame(EVENTS[1 + n]!), () => res.socket?.destroy());
    });
    const { client, resumes } = clientOf(server.url, { baseDelayMs: 60_000 });
    const started = performance.now();
    const { error } = await drain(await client.responses.stream(BACKGROUND));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(error).toMatchObject({ name: "StreamError", retryable: true, lastSequenceNumber: 6 });
    expect(resumes.map((r) => r.delayMs)).toEqual([0, 0, 0, 0, 0]);
    expect(server.requests).toHaveLength(6);
  });

  it("one new event per GET with maxResumes huge reads the whole response", async () => {
    const server = await raw(frames(EVENTS.slice(0, 2)), (n, _req, res) => {
      sse(res);
      res.write(sseFrame(EVENTS[1 + n]!), () => res.socket?.destroy());
    });
    const { client } = clientOf(server.url, { maxAttempts: 1, baseDelayMs: 60_000 });
    const result = await within((await client.responses.stream(BACKGROUND, MANY)).collect(), 5000);
    expect(result.text).toBe("Echo: hi");
  });

  it("progress then nothing, alternating, is bounded by maxResumes", async () => {
    let next = 4;
    const server = await raw(frames(EVENTS.slice(0, 4)), (n, _req, res) => {
      sse(res);
      if (n % 2 === 0) return void res.end("data: [DONE]\n\n");
      res.write(sseFrame(EVENTS[next++]!), () => res.socket?.destroy());
    });
    const { client, resumes } = clientOf(server.url, { maxAttempts: 2, baseDelayMs: 1 });
    const { error } = await drain(
      await client.responses.stream(BACKGROUND, { resume: { maxResumes: 6 } }),
    );
    expect(error).toMatchObject({ name: "StreamError", retryable: true });
    expect(resumes).toHaveLength(6);
  });

  it("events numbered with strings: a resume never delivers an event twice", async () => {
    const stringly = EVENTS.map((e) => ({ ...e, sequence_number: String(e.sequence_number) }));
    const server = await raw(frames(stringly.slice(0, 5)), (_n, _req, res) => {
      sse(res);
      res.end(frames(stringly));
    });
    const { client } = clientOf(server.url);
    const { events, error } = await drain(await client.responses.stream(BACKGROUND));
    const deltas = events.filter((e) => e.type === "outputTextDelta");
    const created = events.filter((e) => e.type === "created");
    expect(created.length).toBeLessThanOrEqual(1);
    if (error === undefined)
      expect(deltas.map((d) => (d as { delta: string }).delta).join("")).toBe("Echo: hi");
    else expect(error).toMatchObject({ name: "StreamError", code: "events_lost" });
  });

  it.each([
    ["negative", (i: number) => i - 100],
    ["fractional", (i: number) => i + 0.5],
  ])("events numbered %s: a resume never delivers an event twice", async (_what, seq) => {
    const odd = EVENTS.map((e, i) => ({ ...e, sequence_number: seq(i) }));
    const server = await raw(frames(odd.slice(0, 5)), (_n, _req, res) => {
      sse(res);
      res.end(frames(odd));
    });
    const { client } = clientOf(server.url);
    const { events, error } = await drain(await client.responses.stream(BACKGROUND));
    expect(events.filter((e) => e.type === "created").length).toBeLessThanOrEqual(1);
    expect(error).toMatchObject({ name: "StreamError", code: "events_lost" });
  });

  it("the last event before the drop numbered MAX_SAFE_INTEGER: a replay is no progress, the next number past it is events_lost", async () => {
    const huge = EVENTS.slice(0, 4).map((e, i) => ({
      ...e,
      sequence_number: i === 3 ? Number.MAX_SAFE_INTEGER : i,
    }));
    const server = await raw(frames(huge), (n, _req, res) => {
      sse(res);
      if (n === 1) return void res.end(frames(EVENTS.slice(4)));
      res.end(frames([{ ...EVENTS[4]!, sequence_number: 2 ** 53 }]));
    });
    const { client } = clientOf(server.url);
    const { error } = await drain(await client.responses.stream(BACKGROUND));
    expect(error).toMatchObject({ name: "StreamError", code: "events_lost", retryable: false });
    expect(server.requests).toHaveLength(3);
    expect(server.requests[1]!.url).toContain(`starting_after=${Number.MAX_SAFE_INTEGER}`);
  });

  it("a live event of another response (not after a resume) ends the stream typed", async () => {
    const other = EVENTS.map((e, i) =>
      i === 5 ? { ...e, type: "response.in_progress", response: { id: "resp_other" } } : e,
    );
    const server = await raw(frames(other.slice(0, 8)), (_n, _req, res) => {
      sse(res);
      res.end(frames(EVENTS.slice(8)));
    });
    const { client } = clientOf(server.url);
    const { error } = await drain(await client.responses.stream(BACKGROUND));
    expect(error).toMatchObject({ name: "StreamError", retryable: false });
    expect(error!.message).toContain("resp_other");
  });

  it("response.queued names one id and response.created another: one id, the first, is resumed", async () => {
    const queued = { type: "response.queued", response: { id: "resp_q" }, sequence_number: 0 };
    const renumbered = EVENTS.map((e) => ({
      ...e,
      sequence_number: (e.sequence_number as number) + 1,
    }));
    const server = await raw(frames([queued, ...renumbered.slice(0, 4)]), (_n, _req, res) => {
      sse(res);
      res.end(frames(renumbered.slice(4)));
    });
    const { client } = clientOf(server.url);
    const { error } = await drain(await client.responses.stream(BACKGROUND));
    expect(error).toMatchObject({ name: "StreamError", retryable: false });
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });

  it("a resume GET that answers an error event (response.failed) ends with it, no more GETs", async () => {
    const failed = {
      type: "response.failed",
      response: { id: "resp_mock_1", error: { code: "server_error", message: "boom" } },
      sequence_number: 4,
    };
    const server = await raw(frames(EVENTS.slice(0, 4)), (_n, _req, res) => {
      sse(res);
      res.end(frames([failed]));
    });
    const { client } = clientOf(server.url);
    const { error } = await drain(await client.responses.stream(BACKGROUND, MANY));
    expect(error).toBeDefined();
    expect(error!.message).toContain("boom");
    expect(server.requests).toHaveLength(2);
  });
});

describe("a refused resume names the id and the point", () => {
  it("resume(id, { startingAfter }) whose opening GET is refused (404) names both, and carries them", async () => {
    const { client } = await setup({});
    const error = await rejection(client.responses.resume("resp_gone", { startingAfter: 7 }));
    expect(error).toMatchObject({ status: 404 });
    expect(error.message).toContain("resp_gone");
    expect(error.message).toContain("after sequence number 7");
  });
});

describe("the caller's request while the code loads", () => {
  it("background: a nested field edited after stream() was called is sent as it was", async () => {
    const { client } = await setup({});
    const request = {
      ...BACKGROUND,
      reasoning: { effort: "low" as const },
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
    } as typeof BACKGROUND;
    const pending = client.responses.stream(request);
    (request as unknown as { reasoning: { effort: string } }).reasoning.effort = "high";
    (request.input[0] as unknown as { content: { text: string }[] }).content[0]!.text = "edited";
    await (await pending).collect();
    const body = mock!.requests[0]!.body as Json;
    expect(body["reasoning"]).toEqual({ effort: "low" });
    expect(JSON.stringify(body["input"])).toContain('"hi"');
  });
});

describe("the caller's request while the code loads (what the copy must not change)", () => {
  it.each([
    ["a BigInt", () => ({ n: 1n })],
    [
      "a cycle",
      () => {
        const o: Json = {};
        o["self"] = o;
        return o;
      },
    ],
  ])(
    "background with %s in the request: still InvalidRequestError, nothing sent",
    async (_what, make) => {
      const { client } = await setup({});
      const request = { ...BACKGROUND, metadata: make() } as unknown as typeof BACKGROUND;
      const error = await rejection(client.responses.stream(request));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.message).toContain("cannot be sent as JSON");
      expect(mock!.requests).toEqual([]);
    },
  );

  it("background with a Date and a toJSON in the request sends what JSON.stringify writes", async () => {
    const { client } = await setup({});
    const when = new Date(0);
    const custom = { toJSON: () => "custom" };
    const request = { ...BACKGROUND, metadata: { when, custom } } as unknown as typeof BACKGROUND;
    await (await client.responses.stream(request, { cancelOnAbort: true })).collect();
    expect((mock!.requests[0]!.body as Json)["metadata"]).toEqual({
      when: "1970-01-01T00:00:00.000Z",
      custom: "custom",
    });
  });
});

describe("the mock's background store", () => {
  it("a background response scripted without sequence_numbers, resumed: not an empty reply", async () => {
    const unnumbered = EVENTS.map(({ sequence_number: _, ...rest }) => rest);
    mock = await startMockServer({ responses: { events: unnumbered } });
    const { client } = clientOf(mock.url);
    await (await client.responses.stream(BACKGROUND)).collect();
    const all = await fetch(`${mock.url}/v1/responses/resp_mock_1?stream=true`);
    expect(await all.text()).toContain("response.completed");
    const after = await fetch(`${mock.url}/v1/responses/resp_mock_1?stream=true&starting_after=3`);
    const text = await after.text();
    expect(after.status).toBe(400);
    expect(text).toContain("sequence_number");
  });

  it("a dropped background stream whose events are unnumbered never repeats one", async () => {
    const unnumbered = EVENTS.map(({ sequence_number: _, ...rest }) => rest);
    const { client } = await setup({ responses: { events: unnumbered, dropAfterEvents: 5 } });
    const { events, error } = await drain(await client.responses.stream(BACKGROUND));
    expect(events.filter((e) => e.type === "created")).toHaveLength(1);
    expect(error).toMatchObject({ name: "StreamError", code: "events_lost" });
  });
});

describe("stored operations whose code cannot load", () => {
  it.each(["retrieve", "cancel", "delete"] as const)(
    "%s with a bad id: InvalidRequestError, not the load's TransportError",
    async (op) => {
      vi.resetModules();
      vi.doMock("../../src/resources/stored.js", () => {
        throw new TypeError("Failed to fetch dynamically imported module: /chunk-y.js");
      });
      const api = await import("../../src/index.js");
      const client = api.createClient({
        provider: { baseUrl: "http://127.0.0.1:9/v1", retry: { maxAttempts: 1 } },
        auth: "t",
      });
      const error = await within(
        client.responses[op]("..").then(
          () => new Error("resolved"),
          (e: unknown) => e,
        ),
        5000,
      );
      expect(error).toBeInstanceOf(api.InvalidRequestError);
      expect(error).toMatchObject({ param: "id" });
    },
  );
});
