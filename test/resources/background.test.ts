// Background streams against the shipped mock: a dropped `background: true` stream resumes by
// itself (GET /responses/{id}?stream=true&starting_after=N) and collects what an undropped one
// does; the options that steer it; `client.responses.resume(id)`; `cancelOnAbort`; the refusals.
import { afterEach, describe, expect, it } from "vitest";
import {
  createClient,
  InvalidRequestError,
  StreamError,
  type ResponseEvent,
  type ResumeTelemetry,
} from "../../src/index.js";
import {
  cannedEvents,
  startMockServer,
  type MockScript,
  type MockServer,
} from "../../src/testing/index.js";
import { rejection, REQUEST, within } from "../helpers/calls.js";

let mock: MockServer | undefined;
afterEach(() => mock?.close());

const BACKGROUND = { ...REQUEST, background: true, store: true };

async function setup(script: MockScript = {}, backgroundTtlMs?: number) {
  mock = await startMockServer(script, backgroundTtlMs === undefined ? {} : { backgroundTtlMs });
  const resumes: ResumeTelemetry[] = [];
  const warnings: unknown[] = [];
  const client = createClient({
    provider: { baseUrl: `${mock.url}/v1`, retry: { baseDelayMs: 1 } },
    auth: "tok-1",
    telemetry: { onResume: (info) => void resumes.push(info) },
    logger: { warn: (...args) => void warnings.push(args) },
  });
  return { client, mock, resumes, warnings };
}

const paths = (m: MockServer) => m.requests.map((r) => `${r.method} ${r.url}`);

/** Every event of a stream, and how it ended. */
async function drain(stream: AsyncIterable<ResponseEvent>) {
  const events: ResponseEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events, error: undefined };
  } catch (error) {
    return { events, error: error as StreamError };
  }
}

describe("a background stream that drops", () => {
  it("resumes after the last sequence number and collects what an undropped stream does", async () => {
    const { client, mock, resumes } = await setup({ responses: [{}, { dropAfterEvents: 3 }] });
    const whole = await (await client.responses.stream(BACKGROUND)).collect();
    const stream = await client.responses.stream(BACKGROUND);
    const dropped = await within(stream.collect(), 5000, "the resumed stream");
    // The same canned reply, numbered 2 on this server.
    expect(dropped).toEqual(JSON.parse(JSON.stringify(whole).replaceAll("mock_1", "mock_2")));
    const id = dropped.responseId;
    expect(stream.responseId).toBe(id);
    expect(paths(mock).at(-1)).toBe(`GET /v1/responses/${id}?stream=true&starting_after=2`);
    expect(mock.requests.at(-1)?.rawBody).toBe("");
    expect(mock.requests.at(-1)?.headers["authorization"]).toBe("Bearer tok-1");
    expect(resumes).toEqual([
      { responseId: id, startingAfter: 2, resumes: 1, reason: "reset", delayMs: 0 },
    ]);
    expect(stream.lastSequenceNumber).toBeGreaterThan(2);
    expect(stream.requestId).toBe("req_2"); // the first reply's, not the resume's
  });

  it("a stream without `background` is not resumed, and neither is one with `resume: false`", async () => {
    const { client, mock } = await setup({ responses: { dropAfterEvents: 3 } });
    for (const [request, options] of [
      [REQUEST, {}],
      [BACKGROUND, { resume: false as const }],
    ] as const) {
      const stream = await client.responses.stream(request, options);
      const error = await rejection(stream.collect());
      expect(error).toBeInstanceOf(StreamError);
      expect(error).toMatchObject({ retryable: true, responseId: stream.responseId });
      expect(Object.hasOwn(error, "lastSequenceNumber")).toBe(true);
    }
    expect(mock.requests.filter((r) => r.method === "GET")).toHaveLength(0);
  });

  it("resumes at most maxResumes times, then ends with the last failure", async () => {
    const drop = { dropAfterEvents: 1 };
    const { client, resumes } = await setup({ responses: { dropAfterEvents: 2 }, retrieve: drop });
    const stream = await client.responses.stream(BACKGROUND, { resume: { maxResumes: 2 } });
    const { error } = await drain(stream);
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ retryable: true, responseId: stream.responseId });
    expect(error?.lastSequenceNumber).toBe(3);
    expect(resumes.map((r) => [r.resumes, r.startingAfter])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it("a gap at a resume boundary ends with events_lost, never silence", async () => {
    // A server whose replay skips event 2 (the client resumes after 1).
    const events = cannedEvents(BACKGROUND, 1);
    const { client } = await setup({
      responses: { events, dropAfterEvents: 2 },
      retrieve: { events: events.slice(3) },
    });
    const stream = await client.responses.stream(BACKGROUND);
    const error = await rejection(stream.collect());
    expect(error).toMatchObject({ name: "StreamError", code: "events_lost", retryable: false });
    expect(error).toMatchObject({ responseId: stream.responseId, lastSequenceNumber: 1 });
  });
});

describe("the options", () => {
  it("background without store: true is an InvalidRequestError before sending", async () => {
    const { client, mock } = await setup();
    const error = await rejection(client.responses.stream({ ...REQUEST, background: true }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ param: "request.store" });
    expect(mock.requests).toHaveLength(0);
  });

  it.each([-1, 1.5, "2", null])("maxResumes %j is an InvalidRequestError", async (n) => {
    const { client, mock } = await setup();
    const options = { resume: { maxResumes: n as number } };
    const error = await rejection(client.responses.stream(BACKGROUND, options));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain("options.resume.maxResumes");
    expect(mock.requests).toHaveLength(0);
  });
});

describe("client.responses.resume(id)", () => {
  it("continues a persisted stream after startingAfter; its responseId is known from the start", async () => {
    const { client, mock } = await setup();
    const first = await client.responses.stream(BACKGROUND);
    let persisted: { id: string; after: number } | undefined;
    for await (const event of first) {
      if (event.type === "outputTextDelta") {
        persisted = { id: first.responseId!, after: first.lastSequenceNumber! };
        break;
      }
    }
    const resumed = await client.responses.resume(persisted!.id, {
      startingAfter: persisted!.after,
    });
    expect(resumed.responseId).toBe(persisted!.id);
    const result = await resumed.collect();
    expect(result.text).toBe("Echo: hi");
    expect(paths(mock).at(-1)).toBe(
      `GET /v1/responses/${persisted!.id}?stream=true&starting_after=${persisted!.after}`,
    );
  });

  it("a response past the TTL gets the service's 400, with the id and sequence number", async () => {
    const { client } = await setup({ responses: { dropAfterEvents: 3 } }, 0);
    const stream = await client.responses.stream(BACKGROUND);
    const error = await rejection(
      (async () => {
        for await (const event of stream) {
          if (event.type === "created") await new Promise((r) => setTimeout(r, 5));
        }
      })(),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain("can no longer be streamed");
    expect(error).toMatchObject({ status: 400, responseId: stream.responseId });
    expect(error.lastSequenceNumber).toBeGreaterThanOrEqual(0);
  });

  it("an unknown id is a 404 InvalidRequestError; a bad id throws before sending", async () => {
    const { client, mock } = await setup();
    const error = await rejection(client.responses.resume("resp_nope"));
    expect(error).toMatchObject({ status: 404 });
    await rejection(client.responses.resume(""));
    expect(mock.requests).toHaveLength(1);
  });
});

describe("cancelOnAbort", () => {
  it("a break sends cancel(id) once; without the option nothing is sent", async () => {
    const { client, mock } = await setup();
    for (const cancelOnAbort of [false, true]) {
      const stream = await client.responses.stream(BACKGROUND, { cancelOnAbort });
      for await (const event of stream) if (event.type === "outputTextDelta") break;
      stream.abort();
    }
    await within(
      (async () => {
        while (!mock.requests.some((r) => r.url.endsWith("/cancel"))) {
          await new Promise((r) => setTimeout(r, 5));
        }
      })(),
      2000,
      "the cancel request",
    );
    const cancels = mock.requests.filter((r) => r.url.endsWith("/cancel"));
    expect(cancels.map((r) => r.path)).toEqual([`/v1/responses/resp_mock_2/cancel`]);
  });
});
