// Hostile cases for the code loaded on first use: a failure the stream reports (`response.failed`,
// an `error` event, `response.incomplete`) is given its class by src/errors/reported.ts, loaded when
// the first one arrives; collect()'s result by src/stream/collected.ts. Whatever the caller does while
// that code loads (next() again, collect(), return(), abort(), the signal), it sees what it saw when
// the class was known at once: the mapped class, never an internal object. `fresh()` imports the
// client anew, so the load is a real one (not the module cached by an earlier test).
import { describe, expect, it } from "vitest";
import type * as Api from "../../src/index.js";
import { fresh, failOnUnhandledRejections } from "../helpers/fresh.js";
import { REQUEST, within } from "../helpers/calls.js";
import { sseFrame, serveEach, type BodyChunk } from "../helpers/server.js";

const serve = serveEach();

/** The client's modules imported anew: nothing loaded on first use is loaded yet. */
failOnUnhandledRejections();

const created = (seq?: number) =>
  sseFrame({
    type: "response.created",
    response: { id: "resp_1" },
    ...(seq === undefined ? {} : { sequence_number: seq }),
  });
const rateLimited = (seq?: number) =>
  sseFrame({
    type: "response.failed",
    response: { id: "resp_1", error: { code: "rate_limit_exceeded", message: "Try again in 2s" } },
    ...(seq === undefined ? {} : { sequence_number: seq }),
  });

/** A stream of a fresh client over one reply of `chunks` (kept open: only the events end it). */
async function streamOf(chunks: BodyChunk[], options: Api.ResponsesOptions = {}) {
  const api = await fresh();
  const server = await serve({ chunks, end: false });
  const client = api.createClient({
    provider: { baseUrl: `${server.url}/v1`, retry: { maxAttempts: 1 } },
    auth: { bearerToken: () => "tok-1" },
  });
  const stream = await client.responses.stream(REQUEST, options);
  return { api, server, client, stream };
}

/** How `p` settled (within 3 s): `{ value }` or `{ error }`. */
const settle = (p: Promise<unknown>): Promise<{ value?: unknown; error?: unknown }> =>
  within(
    p.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    3000,
  );

describe("a reported failure while its class loads", () => {
  it("collect() called while the loop's next() is failing rejects with the mapped class", async () => {
    const { api, stream } = await streamOf([created() + rateLimited()]);
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ type: "created" });
    const looping = settle(it.next()); // the failure: its class is loading
    const collecting = settle(stream.collect());
    const [a, b] = await Promise.all([looping, collecting]);
    expect(a.error).toBeInstanceOf(api.RateLimitError);
    expect(b.error).toBeInstanceOf(api.RateLimitError);
  });

  it("collect() called while a read that ends in the failure is under way rejects with its class", async () => {
    const { api, stream } = await streamOf([created(), { delayMs: 30 }, rateLimited()]);
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ type: "created" });
    const looping = settle(it.next()); // waits for the read that brings the failure
    const collecting = settle(stream.collect());
    const [a, b] = await Promise.all([looping, collecting]);
    expect(a.error).toBeInstanceOf(api.RateLimitError);
    expect(b.error).toBeInstanceOf(api.RateLimitError);
  });

  it("a next() called while the failure's class loads settles after it, done", async () => {
    const { api, stream } = await streamOf([created() + rateLimited()]);
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const order: string[] = [];
    const first = it.next().then(
      () => order.push("first resolved"),
      (e: unknown) => order.push(`first ${(e as Error).constructor.name}`),
    );
    const second = it.next().then((r) => order.push(`second done=${r.done}`));
    await within(Promise.all([first, second]), 3000);
    expect(order).toEqual(["first RateLimitError", "second done=true"]);
    expect(api).toBeDefined();
  });

  it("return() while the class loads: the pending next() rejects with it, collect() too", async () => {
    const { api, stream } = await streamOf([created() + rateLimited()]);
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const failing = settle(it.next());
    expect(await it.return!()).toEqual({ done: true, value: undefined });
    const collected = await settle(stream.collect());
    expect((await failing).error).toBeInstanceOf(api.RateLimitError);
    expect(collected.error).toBeInstanceOf(api.RateLimitError);
  });

  it("abort() while the class loads: the pending next() still rejects with the mapped class", async () => {
    const { api, stream } = await streamOf([created() + rateLimited()]);
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const failing = settle(it.next());
    stream.abort();
    const { error } = await failing;
    expect(error).toBeInstanceOf(api.CodexApiError);
    expect(error).toBeInstanceOf(api.RateLimitError);
    expect(await settle(it.next())).toEqual({ value: { done: true, value: undefined } });
  });

  it("the signal aborted while the class loads: the mapped class, and the next next() is done", async () => {
    const controller = new AbortController();
    const { api, stream } = await streamOf([created() + rateLimited()], {
      signal: controller.signal,
    });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const failing = settle(it.next());
    controller.abort(new Error("user left"));
    expect((await failing).error).toBeInstanceOf(api.RateLimitError);
  });

  it("a reported failure carries responseId and lastSequenceNumber, set after its class loaded", async () => {
    const { api, stream } = await streamOf([created(1), { delayMs: 10 }, rateLimited(2)]);
    const got = await settle(stream.collect());
    const error = got.error as Api.RateLimitError;
    expect(error).toBeInstanceOf(api.RateLimitError);
    expect(error.responseId).toBe("resp_1");
    expect(error.lastSequenceNumber).toBe(2);
    expect(error.retryAfterMs).toBe(2000);
    expect(stream.lastSequenceNumber).toBe(2);
  });

  it("collect() twice at once on a failing stream: the mapped class, then 'already called'", async () => {
    const { api, stream } = await streamOf([created() + rateLimited()]);
    const [a, b] = await Promise.all([settle(stream.collect()), settle(stream.collect())]);
    expect(a.error).toBeInstanceOf(api.RateLimitError);
    expect(b.error).toBeInstanceOf(api.StreamError);
    expect((b.error as Error).message).toContain("collect() was already called");
  });

  it("collect() after a reported failure, then a loop: the mapped class, then 'already consumed'", async () => {
    const { api, stream } = await streamOf([created(), rateLimited()]);
    expect((await settle(stream.collect())).error).toBeInstanceOf(api.RateLimitError);
    const loop = (async () => {
      for await (const _ of stream) void _;
    })();
    const { error } = await settle(loop);
    expect(error).toBeInstanceOf(api.StreamError);
    expect((error as Error).message).toContain("already consumed");
  });

  it.each([
    ["an error event of a string", 'event: error\ndata: "boom"\n\n', "RetryableStreamError"],
    ["an error event of null", "event: error\ndata: null\n\n", "RetryableStreamError"],
    ["an error event of an array", "event: error\ndata: [1,2]\n\n", "RetryableStreamError"],
    [
      "an error event object",
      sseFrame({ type: "error", code: "context_length_exceeded", message: "too long" }),
      "ContextWindowExceededError",
    ],
    [
      "a response.incomplete",
      sseFrame({
        type: "response.incomplete",
        response: { id: "resp_1", incomplete_details: { reason: "max_output_tokens" } },
      }),
      "IncompleteResponseError",
    ],
    [
      "a response.failed of no object",
      sseFrame({ type: "response.failed", response: "x" }),
      "RetryableStreamError",
    ],
  ])(
    "%s, first of its kind in a fresh client, is a CodexApiError of its class",
    async (_, frame, cls) => {
      const { api, stream } = await streamOf([created(), frame]);
      const looped = await settle(
        (async () => {
          for await (const _ of stream) void _;
        })(),
      );
      expect(looped.error).toBeInstanceOf(api.CodexApiError);
      expect((looped.error as Error).constructor.name).toBe(cls);
    },
  );
});
