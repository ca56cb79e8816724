// Ending a stream early: stream.abort(), the caller's AbortSignal before, during and while waiting
// for headers, and `break`; each ends iteration and closes the socket.
import { describe, expect, it } from "vitest";
import { AbortError, type ResponseEvent } from "../../src/index.js";
import { REQUEST, clientFor, within } from "../helpers/calls.js";
import { sseFrame } from "../helpers/server.js";
import { drain, created, completedFrame, types, expectError, streamKit } from "./kit.js";

const { serve } = streamKit();

describe("stream rules", () => {
  it("stream.abort() mid-stream ends iteration with AbortError and closes the socket", async () => {
    const server = await serve({
      chunks: [created(), sseFrame({ type: "response.output_text.delta", delta: "a" })],
      end: false,
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const events: ResponseEvent[] = [];
    const error = await within(
      (async () => {
        try {
          for await (const event of stream) {
            events.push(event);
            // Abort while the next read is pending.
            if (event.type === "outputTextDelta") setTimeout(() => stream.abort(), 20);
          }
        } catch (e) {
          return e;
        }
        return undefined;
      })(),
      2000,
    );
    expect(types(events)).toEqual(["created", "outputTextDelta"]);
    expect(expectError(error, AbortError).retryable).toBe(false);
    await server.requestSocketsClosed(1000);
  });

  it("aborting the AbortSignal mid-stream ends iteration with AbortError and closes the socket", async () => {
    const server = await serve({ chunks: [created()], end: false });
    const controller = new AbortController();
    const stream = await clientFor(server).responses.stream(REQUEST, {
      signal: controller.signal,
    });
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { type: "created" } });
    const next = iterator.next();
    setTimeout(() => controller.abort(), 20);
    await expect(within(next, 2000)).rejects.toBeInstanceOf(AbortError);
    await server.requestSocketsClosed(1000);
  });

  it("stream.abort() before iterating closes the socket, and iterating then throws AbortError", async () => {
    const server = await serve({ chunks: [created()], end: false });
    const stream = await clientFor(server).responses.stream(REQUEST);
    expect(server.openRequestSockets()).toBe(1);
    stream.abort();
    await server.requestSocketsClosed(1000);
    const { events, error } = await drain(stream);
    expect(events).toEqual([]);
    expectError(error, AbortError);
  });

  it("aborting the signal before iterating closes the socket", async () => {
    const server = await serve({ chunks: [created()], end: false });
    const controller = new AbortController();
    const stream = await clientFor(server).responses.stream(REQUEST, {
      signal: controller.signal,
    });
    controller.abort();
    await server.requestSocketsClosed(1000);
    expectError((await drain(stream)).error, AbortError);
  });

  it("aborting the signal while waiting for headers rejects stream() and closes the socket", async () => {
    const server = await serve(() => {
      /* never answers */
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(
      within(clientFor(server).responses.stream(REQUEST, { signal: controller.signal }), 2000),
    ).rejects.toBeInstanceOf(AbortError);
    await server.requestSocketsClosed(1000);
  });

  it("an already aborted signal rejects stream() and sends nothing", async () => {
    const server = await serve({ chunks: [completedFrame()] });
    const controller = new AbortController();
    controller.abort();
    await expect(
      clientFor(server).responses.stream(REQUEST, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(0);
  });

  it("break out of the loop closes the socket", async () => {
    const server = await serve({
      chunks: [created(), sseFrame({ type: "response.output_text.delta", delta: "a" })],
      end: false,
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const seen: ResponseEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      expect(server.openRequestSockets()).toBe(1);
      break;
    }
    expect(types(seen)).toEqual(["created"]);
    await server.requestSocketsClosed(1000);
  });
});
