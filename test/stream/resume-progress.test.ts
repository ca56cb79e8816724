// A resume that brings no new event (README "Background streams and resume"): a server that ends
// every resumed GET at once (200 with no event, or only events already delivered) is asked again
// after the retry policy's backoff, and after `maxAttempts` such GETs in a row the stream ends
// with a StreamError (`code: "resume_no_progress"`) naming the response id and the resume point,
// however large `maxResumes` is. A new event resets the count; the first GET after one goes at once.
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  createClient,
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
import { REQUEST, sleep, until, within } from "../helpers/calls.js";
import { serveEach, sseFrame } from "../helpers/server.js";

const BACKGROUND = { ...REQUEST, background: true, store: true };
// The canned reply: 14 events numbered 0–13 (created … completed), its id resp_mock_1.
const EVENTS = cannedEvents(BACKGROUND, 1);
const MANY = { resume: { maxResumes: 1_000_000 } };

let mock: MockServer | undefined;
afterEach(() => mock?.close());
const serve = serveEach();

/** The mock with `script`, a client of it with `retry`, and the resumes telemetry saw. */
async function setup(script: MockScript, retry: NonNullable<ClientOptions["provider"]>["retry"]) {
  mock = await startMockServer(script);
  const resumes: ResumeTelemetry[] = [];
  const client = createClient({
    provider: { baseUrl: `${mock.url}/v1`, retry, requestTimeoutMs: 2000 },
    auth: "t",
    telemetry: { onResume: (info) => void resumes.push(info) },
  });
  const gets = () => mock!.requests.filter((r) => r.method === "GET").length;
  return { client, resumes, gets };
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

describe("a resume that brings no new event", () => {
  it("a server that ends every resumed GET at once is asked maxAttempts times with backoff, then a typed error", async () => {
    const retry = { maxAttempts: 4, baseDelayMs: 40, maxDelayMs: 70 };
    const { client, resumes, gets } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
      retry,
    );
    const started = performance.now();
    const { error } = await drain(await client.responses.stream(BACKGROUND, MANY));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({
      code: "resume_no_progress",
      retryable: false,
      responseId: "resp_mock_1",
      lastSequenceNumber: 3,
    });
    expect(error!.message).toContain("resp_mock_1");
    expect(error!.message).toContain("after sequence number 3");
    expect(error!.message).toContain("no progress");
    // The first GET after the drop at once; each later one after base * 2^(n-1), jittered, capped.
    expect(gets()).toBe(4);
    const delays = resumes.map((r) => r.delayMs);
    expect(delays[0]).toBe(0);
    expect(delays[1]).toBeGreaterThanOrEqual(36);
    expect(delays[1]).toBeLessThanOrEqual(44);
    expect(delays.slice(2)).toEqual([70, 70]);
    expect(elapsed).toBeGreaterThanOrEqual(36 + 70 + 70 - 5);
  });

  it("a server whose resumed GET replays only events already delivered counts as no progress", async () => {
    const { client, resumes } = await setup(
      { responses: { dropAfterEvents: 4 }, retrieve: { events: EVENTS.slice(0, 4) } },
      { maxAttempts: 3, baseDelayMs: 1 },
    );
    const { events, error } = await drain(await client.responses.stream(BACKGROUND, MANY));
    expect(error).toMatchObject({ code: "resume_no_progress", lastSequenceNumber: 3 });
    expect(resumes).toHaveLength(3);
    expect(events.filter((e) => e.type === "created")).toHaveLength(1);
  });

  it("a raw server that answers each GET with [DONE] only is not hammered", async () => {
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
        res.end("data: [DONE]\n\n");
      },
    );
    const client = createClient({
      provider: { baseUrl: `${server.url}/v1`, retry: { baseDelayMs: 30, maxDelayMs: 30 } },
      auth: "t",
    });
    const { error } = await drain(await client.responses.stream(BACKGROUND, MANY));
    expect(error).toMatchObject({ name: "StreamError", code: "resume_no_progress" });
    // The default 5 attempts: one POST, five GETs, 30 ms or more between the GETs.
    const gets = server.requests.slice(1);
    expect(gets).toHaveLength(5);
    for (let i = 1; i < gets.length; i++) {
      expect(gets[i]!.at - gets[i - 1]!.at).toBeGreaterThanOrEqual(25);
    }
  });

  it("progress resets the count, and a GET after progress goes at once", async () => {
    // GET 1 brings one new event then drops, GET 2 nothing, and so on: never 2 stalls in a row, so
    // maxAttempts: 2 never ends it; only a GET after an empty reply waits.
    const retrieve = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? { dropAfterEvents: 1 } : { events: [] },
    );
    const { client, resumes } = await setup(
      { responses: { dropAfterEvents: 2 }, retrieve },
      { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    );
    const result = await within(
      (await client.responses.stream(BACKGROUND, MANY)).collect(),
      5000,
      "the stream",
    );
    expect(result.text).toBe("Echo: hi");
    expect(resumes.length).toBeGreaterThan(4);
    resumes.forEach((r, i) =>
      expect(r.delayMs, `resume ${i + 1}`).toBe(i > 0 && i % 2 === 0 ? 1 : 0),
    );

    // With a minute's backoff, drops after progress cost nothing.
    const slow = await setup(
      { responses: { dropAfterEvents: 2 }, retrieve: { dropAfterEvents: 1 } },
      { baseDelayMs: 60_000 },
    );
    const whole = await within(
      (await slow.client.responses.stream(BACKGROUND, MANY)).collect(),
      5000,
      "the stream",
    );
    expect(whole.text).toBe("Echo: hi");
    expect(slow.resumes.every((r) => r.delayMs === 0)).toBe(true);
  });

  it.each(["stream.abort()", "the caller's signal"])(
    "%s during the wait ends the stream at once, and no GET follows",
    async (how) => {
      const { client, resumes, gets } = await setup(
        { responses: { dropAfterEvents: 4 }, retrieve: { events: [] } },
        { baseDelayMs: 10_000 },
      );
      const controller = new AbortController();
      const stream = await client.responses.stream(BACKGROUND, {
        ...MANY,
        signal: controller.signal,
      });
      const done = drain(stream, 2000);
      await until(() => resumes.length === 2, "the second resume");
      await sleep(20);
      if (how === "stream.abort()") stream.abort();
      else controller.abort();
      const { error } = await done;
      expect(error).toBeInstanceOf(AbortError);
      expect(error).toMatchObject({ responseId: "resp_mock_1", lastSequenceNumber: 3 });
      await sleep(50);
      expect(gets()).toBe(1);
    },
  );

  it("resume(id, { startingAfter }) past the response's last event ends typed, naming the point", async () => {
    const { client, gets } = await setup({}, { maxAttempts: 2, baseDelayMs: 1 });
    await (await client.responses.stream(BACKGROUND)).collect();
    const rest = await client.responses.resume("resp_mock_1", { startingAfter: 999, ...MANY });
    const { events, error } = await drain(rest);
    expect(events).toEqual([]);
    expect(error).toMatchObject({
      name: "StreamError",
      code: "resume_no_progress",
      responseId: "resp_mock_1",
    });
    expect(error!.message).toContain("after sequence number 999");
    // The opening GET and one more.
    expect(gets()).toBe(2);
  });
});
