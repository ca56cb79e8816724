// The error paths of background streams, against the shipped mock: an abort while a resume GET is
// under way, cancelOnAbort through the caller's signal (and no listener left behind), a failing
// cancel reported to the logger, options refused before sending, a resumed reply without sequence
// numbers, `maxResumes: 0`.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, createClient, InvalidRequestError, StreamError } from "../../src/index.js";
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

async function setup(script: MockScript = {}, onResume?: () => void) {
  mock = await startMockServer(script);
  const warnings: unknown[][] = [];
  const client = createClient({
    provider: { baseUrl: `${mock.url}/v1`, retry: { baseDelayMs: 1 } },
    auth: "tok-secret-1",
    telemetry: { onResume: () => onResume?.() },
    logger: { warn: (...args) => void warnings.push(args) },
  });
  return { client, mock, warnings };
}

const until = async (what: string, ok: () => boolean) =>
  within(
    (async () => {
      while (!ok()) await new Promise((r) => setTimeout(r, 5));
    })(),
    3000,
    what,
  );

describe("background stream errors", () => {
  it("abort() while the resume GET waits for headers ends with AbortError", async () => {
    let resumed = false;
    const { client, mock } = await setup(
      { responses: { dropAfterEvents: 3 }, retrieve: { stallBeforeHeaders: true } },
      () => (resumed = true),
    );
    const stream = await client.responses.stream(BACKGROUND);
    const done = rejection(stream.collect());
    await until("the resume", () => resumed && mock.requests.length === 2);
    stream.abort();
    const error = await within(done, 2000, "the aborted stream");
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ responseId: "resp_mock_1", lastSequenceNumber: 2 });
  });

  it("the caller's signal aborts a resume GET waiting for headers, without AbortSignal.any", async () => {
    // Node 20.0 has no AbortSignal.any, and `engines` allows it.
    const any = AbortSignal.any;
    Object.defineProperty(AbortSignal, "any", { value: undefined, configurable: true });
    try {
      let resumed = false;
      const { client, mock } = await setup(
        { responses: { dropAfterEvents: 3 }, retrieve: { stallBeforeHeaders: true } },
        () => (resumed = true),
      );
      const controller = new AbortController();
      const stream = await client.responses.stream(BACKGROUND, { signal: controller.signal });
      const done = rejection(stream.collect());
      await until("the resume", () => resumed && mock.requests.length === 2);
      controller.abort();
      expect(await within(done, 2000, "the aborted stream")).toBeInstanceOf(AbortError);
      await until("the GET's socket closed", () => mock.openConnections() <= 1);
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    } finally {
      Object.defineProperty(AbortSignal, "any", { value: any, configurable: true });
    }
  });

  it("cancelOnAbort through the caller's signal sends cancel once; no listener stays", async () => {
    const { client, mock } = await setup({ responses: { dripMs: 20 } });
    const controller = new AbortController();
    const { signal } = controller;
    const options = { cancelOnAbort: true, signal };
    const stream = await client.responses.stream(BACKGROUND, options);
    for await (const event of stream) if (event.type === "created") break;
    // A second stream on the same signal that completes leaves no listener.
    const other = await client.responses.stream(BACKGROUND, { ...options, signal });
    const done = rejection(other.collect());
    await until("the second stream's id", () => other.responseId !== undefined);
    controller.abort();
    expect(await done).toBeInstanceOf(AbortError);
    const cancelled = () => mock.requests.filter((r) => r.url.endsWith("/cancel")).length;
    await until("two cancels", () => cancelled() === 2);
    const cancels = mock.requests.filter((r) => r.url.endsWith("/cancel")).map((r) => r.path);
    // The first ended with its break (cancelled then); the second by the signal.
    expect(cancels.sort()).toEqual([
      "/v1/responses/resp_mock_1/cancel",
      "/v1/responses/resp_mock_2/cancel",
    ]);
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });

  it("a stream that completes leaves no cancelOnAbort listener on the signal and sends nothing", async () => {
    const { client, mock } = await setup();
    const { signal } = new AbortController();
    const stream = await client.responses.stream(BACKGROUND, { cancelOnAbort: true, signal });
    await stream.collect();
    stream.abort();
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
    expect(mock.requests.map((r) => r.method)).toEqual(["POST"]);
  });

  it("a cancel that fails goes to logger.warn, without the token", async () => {
    const { client, warnings } = await setup({ cancel: { status: 500 } });
    const stream = await client.responses.stream(BACKGROUND, { cancelOnAbort: true });
    for await (const event of stream) if (event.type === "created") break;
    await until("the warning", () => warnings.length > 0);
    expect(String(warnings[0]![0])).toContain("cancel(resp_mock_1) failed");
    expect(JSON.stringify(warnings) + String(warnings[0]![1])).not.toContain("tok-secret-1");
  });

  it("a resumed reply whose events carry no sequence_number ends with events_lost", async () => {
    const events = cannedEvents(BACKGROUND, 1);
    const unnumbered = events.slice(3).map(({ sequence_number: _, ...rest }) => rest);
    const { client } = await setup({
      responses: { events, dropAfterEvents: 3 },
      retrieve: { events: unnumbered },
    });
    const error = await rejection((await client.responses.stream(BACKGROUND)).collect());
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ code: "events_lost", retryable: false });
  });

  it.each([
    [404, "No response found"],
    [400, "can no longer be streamed"],
  ])(
    "a refused resume (%i) carries the GET's request id; its message names the id and the point",
    async (status, text) => {
      const body = { error: { message: text, type: "invalid_request_error" } };
      const { client } = await setup({
        responses: { dropAfterEvents: 3 },
        retrieve: { status, body },
      });
      const stream = await client.responses.stream(BACKGROUND);
      const error = await rejection(stream.collect());
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toMatchObject({ status, responseId: "resp_mock_1", lastSequenceNumber: 2 });
      // The request that failed is the GET (the mock numbers its replies): support needs its id.
      expect(error.requestId).toBe("req_2");
      expect(stream.requestId).toBe("req_1");
      expect(error.message).toContain(text);
      expect(error.message).toContain("(resuming resp_mock_1 after sequence number 2)");
    },
  );

  it("maxResumes: 0 does not resume", async () => {
    const { client, mock } = await setup({ responses: { dropAfterEvents: 3 } });
    const stream = await client.responses.stream(BACKGROUND, { resume: { maxResumes: 0 } });
    const error = await rejection(stream.collect());
    expect(error).toMatchObject({ retryable: true, responseId: "resp_mock_1" });
    expect(mock.requests).toHaveLength(1);
  });
});

describe("options refused before sending", () => {
  it.each([
    [{ resume: true }, "options.resume"],
    [{ resume: { maxResumes: 2, max: 1 } }, "options.resume.max"],
    [{ cancelOnAbort: "yes" }, "options.cancelOnAbort"],
  ])("stream(%j) names %s", async (options, param) => {
    const { client, mock } = await setup();
    const error = await rejection(client.responses.stream(BACKGROUND, options as never));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain(param);
    expect(mock.requests).toHaveLength(0);
  });

  it.each([-1, 1.5, "3", Number.NaN])("resume(id, { startingAfter: %j })", async (n) => {
    const { client, mock } = await setup();
    const error = await rejection(
      client.responses.resume("resp_1", { startingAfter: n as number }),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain("options.startingAfter");
    expect(mock.requests).toHaveLength(0);
  });
});
