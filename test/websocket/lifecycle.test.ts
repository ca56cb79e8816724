// The life of a codex-api/websocket connection against a real `ws` server on 127.0.0.1: requests
// are serialized, a dropped connection is reopened with a full create, abort and `break` close it,
// and `close()` ends it for good.
import { describe, expect, it } from "vitest";
import { AbortError, InvalidRequestError } from "../../src/index.js";
import {
  drain,
  outputItem,
  responseFrames,
  user,
  wsKit,
  type FrameHandler,
  type Peer,
} from "../helpers/ws-server.js";
import type { ResponseItem } from "../../src/index.js";
import { REQUEST, sleep } from "../helpers/calls.js";

const kit = wsKit();

const setup = (onRequest?: FrameHandler, onConnection?: (peer: Peer) => void) =>
  kit.setup({ ...(onRequest ? { onRequest } : {}), ...(onConnection ? { onConnection } : {}) });

/** Answers each request after `release()` is called. */
function gated() {
  const gates: (() => void)[] = [];
  const handler: FrameHandler = (p, _r, n) => gates.push(() => p.send(...responseFrames(`r${n}`)));
  return { handler, release: () => gates.shift()?.() };
}

describe("connection lifecycle", () => {
  it("serializes requests: a second stream() waits until the first stream ends", async () => {
    const first = [responseFrames("r0")[0]!];
    const { server, socket } = await setup((p) =>
      p.send(...(p.index === 0 ? first : responseFrames("r1"))),
    );
    const stream = await socket.stream(REQUEST);
    const second = socket.stream(REQUEST);
    await sleep(50);
    expect(server.frames).toHaveLength(1);
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ type: "created" });
    stream.abort();
    await expect(it.next()).rejects.toBeInstanceOf(AbortError);
    await drain(await second);
    expect(server.frames).toHaveLength(2);
  });

  it("a caller's abort while waiting for its turn rejects at once", async () => {
    const { handler, release } = gated();
    const { socket } = await setup(handler);
    const first = socket.stream(REQUEST);
    const controller = new AbortController();
    const waiting = socket.stream(REQUEST, { signal: controller.signal });
    await sleep(20);
    controller.abort(new Error("enough"));
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    release();
    await drain(await first);
    const third = socket.stream(REQUEST);
    await sleep(20);
    release();
    await drain(await third);
  });

  it("a connection the server closed between requests is reopened; the request goes in full", async () => {
    const { server, socket } = await setup((p, _r, n) => {
      p.send(...responseFrames(`r${p.index}_${n}`));
      if (p.index === 0) setTimeout(() => p.close(1001, "going away"), 10);
    });
    await drain(await socket.stream(REQUEST));
    await sleep(50);
    const next = {
      ...REQUEST,
      input: [user("hi"), outputItem("r0_0") as ResponseItem, user("again")],
    };
    await drain(await socket.stream(next));
    expect(server.frames.map((f) => [f.connection, f.frame["previous_response_id"]])).toEqual([
      [0, undefined],
      [1, undefined],
    ]);
  });

  it("a connection reset while idle fails the next send before any reply, which is retried", async () => {
    let first: Peer | undefined;
    const { server, socket } = await setup(undefined, (p) => void (first ??= p));
    await drain(await socket.stream(REQUEST));
    first!.reset();
    await drain(await socket.stream(REQUEST));
    expect(server.handshakes).toHaveLength(2);
  });

  it("abort mid-stream ends it with AbortError and closes the connection", async () => {
    const { server, socket } = await setup((p, _r, n) =>
      p.send(...(p.index === 0 && n === 0 ? [responseFrames("r")[0]!] : responseFrames("r"))),
    );
    const controller = new AbortController();
    const stream = await socket.stream(REQUEST, { signal: controller.signal });
    const events = [];
    const error = await (async () => {
      for await (const e of stream) {
        events.push(e);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    await sleep(50);
    expect(server.openSockets()).toBe(0);
    await drain(await socket.stream(REQUEST));
    expect(server.handshakes).toHaveLength(2);
  });

  it("break closes the connection", async () => {
    const { server, socket } = await setup((p) => p.send(responseFrames("r")[0]!));
    for await (const _ of await socket.stream(REQUEST)) break;
    await sleep(50);
    expect(server.openSockets()).toBe(0);
  });

  it("close() sends a close frame; a running stream ends, later calls reject", async () => {
    const closes: number[] = [];
    const { socket } = await setup(
      (p) => p.send(responseFrames("r")[0]!),
      (p) => p.ws.on("close", (code: number) => closes.push(code)),
    );
    const stream = await socket.stream(REQUEST);
    const reading = expect(drain(stream)).rejects.toBeInstanceOf(AbortError);
    await socket.close();
    await reading;
    await expect(socket.stream(REQUEST)).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(socket.warmup(REQUEST)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(closes).toEqual([1000]);
  });

  it("close() with nothing open resolves at once", async () => {
    const { server, socket } = await setup();
    await socket.close();
    expect(server.handshakes).toHaveLength(0);
  });
});

describe("close() and waiting requests", () => {
  it("a request waiting behind a stream nobody reads is released by close()", async () => {
    const { socket } = await setup((p) => p.send(responseFrames("r")[0]!));
    const unread = await socket.stream(REQUEST);
    const waiting = expect(socket.stream(REQUEST)).rejects.toBeInstanceOf(InvalidRequestError);
    await sleep(20);
    await socket.close();
    await waiting;
    await expect(drain(unread)).rejects.toBeInstanceOf(AbortError);
  });
});
