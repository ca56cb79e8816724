// Iterating a stream: next() calls queue like a generator's, return() ends a waiting read, events
// arrive unbuffered, a finished body leaves its connection to the next request (or is cut off).
import { describe, expect, it } from "vitest";
import { StreamError } from "../../src/index.js";
import { REQUEST, clientFor, sleep, within } from "../helpers/calls.js";
import { sseFrame } from "../helpers/server.js";
import { drain, created, completedFrame, streamKit } from "./kit.js";

const { serve, run } = streamKit();

describe("stream rules", () => {
  it("next() called again before the last one settled waits for it (as a generator does)", async () => {
    const delta = (d: string) => sseFrame({ type: "response.output_text.delta", delta: d });
    const server = await serve({
      chunks: [
        created(),
        { delayMs: 30 },
        delta("a"),
        { delayMs: 30 },
        delta("b"),
        completedFrame(),
      ],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const it = stream[Symbol.asyncIterator]();
    const results = await within(
      Promise.all([it.next(), it.next(), it.next(), it.next(), it.next(), it.next()]),
      3000,
    );
    expect(results.map((r) => (r.done ? "done" : r.value.type))).toEqual([
      "created",
      "outputTextDelta",
      "outputTextDelta",
      "completed",
      "done",
      "done",
    ]);
  });

  it("return() while a read waits ends that read as done, not as an error", async () => {
    const server = await serve({ chunks: [created()], end: false });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const pending = it.next();
    await sleep(20);
    await it.return!();
    expect(await within(pending, 3000)).toEqual({ done: true, value: undefined });
    await server.requestSocketsClosed();
  });

  it("a completed stream leaves its connection to the next request: the body's end is read, not cancelled", async () => {
    const ports: number[] = [];
    // The body's end comes 20 ms after response.completed, as a chunk of its own.
    const server = await serve((req, res) => {
      ports.push(req.socket.remotePort!);
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(created() + completedFrame());
      setTimeout(() => res.end(), 20);
    });
    const client = clientFor(server);
    for (let i = 0; i < 3; i++) {
      expect((await (await client.responses.stream(REQUEST)).collect()).responseId).toBe("resp_1");
      await sleep(60); // the next request comes later (a cancelled body would have closed the socket)
    }
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(1);
  });

  it("after response.completed, a body that goes on (past 64 KiB) or stays open is cut off", async () => {
    for (const after of [
      { chunks: [sseFrame({ type: "response.output_text.delta", delta: "x".repeat(70_000) })] },
      { chunks: [], end: false },
    ]) {
      const server = await serve({
        chunks: [created(), completedFrame(), ...after.chunks],
        end: false,
      });
      const collected = await within(
        (await clientFor(server).responses.stream(REQUEST)).collect(),
        2000,
      );
      expect(collected.text).toBe("");
      await server.requestSocketsClosed(1000);
    }
  });

  it("is unbuffered: an event arrives while the server holds back the rest", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = await serve({
      chunks: [
        created(),
        sseFrame({ type: "response.output_text.delta", delta: "first" }),
        { until: gate },
        sseFrame({ type: "response.output_text.delta", delta: "second" }),
        completedFrame(),
      ],
    });
    const stream = await clientFor(server).responses.stream(REQUEST);
    const iterator = stream[Symbol.asyncIterator]();
    expect((await within(iterator.next(), 2000)).value).toEqual({ type: "created" });
    expect((await within(iterator.next(), 2000, "the first delta")).value).toEqual({
      type: "outputTextDelta",
      delta: "first",
    });
    // The rest is still held back by the server.
    expect(server.chunksWritten()).toBe(2);
    release();
    expect((await within(iterator.next(), 2000)).value).toEqual({
      type: "outputTextDelta",
      delta: "second",
    });
    expect((await within(iterator.next(), 2000)).value).toMatchObject({ type: "completed" });
    expect((await within(iterator.next(), 2000)).done).toBe(true);
  });

  it("iterating a stream twice fails the second time", async () => {
    const { stream } = await run([completedFrame()]);
    await expect(drain(stream).then((d) => d.error)).resolves.toBeInstanceOf(StreamError);
  });
});
