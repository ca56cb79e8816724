// `close()` on a socket that moved to HTTP (README "Responses over WebSocket": close() ends whatever
// the socket is doing with an AbortError): the HTTP stream it runs, mid-stream or waiting for its
// headers, ends promptly, its connection closed, no listener left on the caller's signal, no timer.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, InvalidRequestError, type ResponseEvent } from "../../src/index.js";
import { startMockServer, type MockReply } from "../../src/testing/index.js";
import { connectTo, drain, responseFrames } from "../helpers/ws-server.js";
import { sseFrame, startTcpServer } from "../helpers/server.js";
import { REQUEST, until, within } from "../helpers/calls.js";
import { frontOfMock, type Served } from "../faults/kit.js";

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A mock that refuses every upgrade with 426 and answers POST /responses with `replies`. */
async function refusing(...replies: MockReply[]) {
  // Connection: close, so a completed HTTP stream leaves no pooled socket behind.
  const responses = replies.map((r) => ({ ...r, headers: { ...r.headers, connection: "close" } }));
  const mock = await startMockServer({
    responses: responses.length ? responses : [{ headers: { connection: "close" } }],
    websocket: { upgrade: { status: 426 } },
  });
  // The mock keeps a stalled reply's socket half open after the client left: the connections are
  // counted at a TCP front, on the client's side.
  const served = await frontOfMock(mock);
  servers.push(served);
  // A long idle timeout: only close() can end a stalled stream within the test's bounds.
  const { socket } = connectTo(served, { provider: { streamIdleTimeoutMs: 30_000 } });
  return {
    mock: { requests: mock.requests, openConnections: () => served.openConnections() },
    socket,
  };
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

/** The first `n` events of `stream`'s iterator, and the iterator. */
async function read(stream: AsyncIterable<ResponseEvent>, n: number) {
  const it = stream[Symbol.asyncIterator]();
  const seen: ResponseEvent[] = [];
  while (seen.length < n) seen.push((await it.next()).value as ResponseEvent);
  return { it, seen };
}

describe("close() after the socket moved to HTTP", () => {
  it("ends a stream mid-way with AbortError, its connection closed, nothing left behind", async () => {
    const { mock, socket } = await refusing({ stallAfterEvents: 2 });
    const before = timers();
    const caller = new AbortController();
    const stream = await socket.stream(REQUEST, { signal: caller.signal });
    expect(socket.transport).toBe("http");
    const { it } = await read(stream, 1);
    const pending = it.next().then(
      () => it.next(),
      (e: unknown) => Promise.reject(e),
    );
    await socket.close();
    const error = await within(
      pending.then(
        () => undefined,
        (e: unknown) => e,
      ),
      2_000,
      "the stream after close()",
    );
    expect(error).toBeInstanceOf(AbortError);
    expect(String((error as AbortError).cause)).toMatch(/socket was closed/);
    await until(() => mock.openConnections() === 0, "the HTTP connection closed", 2_000);
    expect(listeners(caller.signal)).toBe(0);
    await until(() => timers() <= before, "no timer left", 2_000);
  });

  it("ends the fallback POST waiting for its headers with AbortError", async () => {
    const { mock, socket } = await refusing({ stallBeforeHeaders: true });
    const caller = new AbortController();
    const opening = socket.stream(REQUEST, { signal: caller.signal });
    const outcome = opening.then(
      () => "resolved",
      (e: unknown) => e,
    );
    await until(() => mock.requests.length === 1, "the POST sent");
    await socket.close();
    expect(await within(outcome, 2_000, "the POST after close()")).toBeInstanceOf(AbortError);
    await until(() => mock.openConnections() === 0, "the HTTP connection closed", 2_000);
    expect(listeners(caller.signal)).toBe(0);
  });

  it("a stream that completed is left alone, and leaves no listener behind", async () => {
    const { mock, socket } = await refusing();
    const caller = new AbortController();
    // Many streams on one long-lived signal: none stays subscribed to it.
    for (let i = 0; i < 5; i++) {
      const events = await drain(await socket.stream(REQUEST, { signal: caller.signal }));
      expect(events.at(-1)?.type).toBe("completed");
      expect(listeners(caller.signal)).toBe(0);
    }
    await socket.close();
    expect(caller.signal.aborted).toBe(false);
    expect(mock.requests).toHaveLength(5);
  });

  it("a stream left with break leaves no listener behind", async () => {
    const { socket } = await refusing({ stallAfterEvents: 2 });
    const caller = new AbortController();
    for await (const _ of await socket.stream(REQUEST, { signal: caller.signal })) break;
    expect(listeners(caller.signal)).toBe(0);
    await socket.close();
  });

  it("the caller's abort still ends the stream; close() after it changes nothing", async () => {
    const { mock, socket } = await refusing({ stallAfterEvents: 2 });
    const caller = new AbortController();
    const stream = await socket.stream(REQUEST, { signal: caller.signal });
    const { it } = await read(stream, 1);
    const reason = new Error("enough");
    caller.abort(reason);
    const error = await it.next().then(
      () => it.next(),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    await socket.close();
    await until(() => mock.openConnections() === 0, "the HTTP connection closed", 2_000);
    expect(listeners(caller.signal)).toBe(0);
  });

  it("a caller's signal aborted after close() finds nothing to end", async () => {
    const { socket } = await refusing({ stallAfterEvents: 2 });
    const caller = new AbortController();
    const stream = await socket.stream(REQUEST, { signal: caller.signal });
    const reading = drain(stream).catch((e: unknown) => e);
    await socket.close();
    const error = await within(reading, 2_000, "the stream after close()");
    expect(error).toBeInstanceOf(AbortError);
    expect(listeners(caller.signal)).toBe(0);
    caller.abort();
  });

  it("a stream started after close() is refused before anything is sent", async () => {
    const { mock, socket } = await refusing();
    await drain(await socket.stream(REQUEST));
    await socket.close();
    const error = await socket.stream(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/this socket was closed/);
    await expect(socket.warmup(REQUEST)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(mock.requests).toHaveLength(1);
  });

  it("a stream nobody iterates is ended by close() too", async () => {
    const { mock, socket } = await refusing({ stallAfterEvents: 1 });
    const stream = await socket.stream(REQUEST);
    await socket.close();
    await expect(within(drain(stream), 2_000, "the unread stream")).rejects.toBeInstanceOf(
      AbortError,
    );
    await until(() => mock.openConnections() === 0, "the HTTP connection closed", 2_000);
  });
});

describe("close() after the socket moved to HTTP, with the lazily loaded stream kinds", () => {
  it("a cancelOnAbort stream ends with AbortError, cancels its response, leaves no listener", async () => {
    const { mock, socket } = await refusing({ stallAfterEvents: 2 });
    const caller = new AbortController();
    const stream = await socket.stream(REQUEST, { signal: caller.signal, cancelOnAbort: true });
    const { it } = await read(stream, 2);
    const pending = it.next().catch((e: unknown) => e);
    await socket.close();
    expect(await within(pending, 2_000, "the stream after close()")).toBeInstanceOf(AbortError);
    expect(listeners(caller.signal)).toBe(0);
    // close() abandons the stream as the caller's abort does: its response is cancelled.
    await until(() => mock.requests.some((r) => r.endpoint === "cancel"), "the cancel sent", 2_000);
  });

  it("a background stream ends with AbortError and leaves no listener", async () => {
    const { socket } = await refusing({ stallAfterEvents: 2 });
    const caller = new AbortController();
    const stream = await socket.stream(
      { ...REQUEST, background: true, store: true },
      { signal: caller.signal },
    );
    const reading = drain(stream).catch((e: unknown) => e);
    await socket.close();
    expect(await within(reading, 2_000, "the stream after close()")).toBeInstanceOf(AbortError);
    expect(listeners(caller.signal)).toBe(0);
  });
});

describe("HTTP streams of a socket that completed leave no listener", () => {
  for (const [kind, request, options] of [
    ["plain", REQUEST, {}],
    ["background", { ...REQUEST, background: true, store: true }, {}],
    ["cancelOnAbort", REQUEST, { cancelOnAbort: true }],
  ] as const) {
    it(`${kind}: on the caller's signal, after each of several`, async () => {
      const { socket } = await refusing();
      const caller = new AbortController();
      for (let i = 0; i < 3; i++) {
        const stream = await socket.stream(request, { ...options, signal: caller.signal });
        expect((await drain(stream)).at(-1)?.type).toBe("completed");
        expect(listeners(caller.signal)).toBe(0);
      }
      await socket.close();
    });
  }
});

describe("the move to HTTP", () => {
  it("close() from a hook as the upgrade is refused with 426 ends the call with AbortError", async () => {
    const mock = await startMockServer({ websocket: { upgrade: { status: 426 } } });
    servers.push({ close: () => mock.close() } as Served);
    for (const call of ["stream", "preconnect"] as const) {
      const holder: { close?: () => Promise<void> } = {};
      const onRequest = (info: { status?: number }) =>
        void (info.status === 426 && holder.close?.());
      const { socket } = connectTo(mock, { client: { telemetry: { onRequest } } });
      holder.close = () => socket.close();
      const pending = call === "stream" ? socket.stream(REQUEST) : socket.preconnect();
      const error = await pending.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, call).toBeInstanceOf(AbortError);
      expect(String((error as AbortError).cause), call).toMatch(/socket was closed/);
    }
    expect(mock.requests.filter((r) => r.endpoint === "responses")).toHaveLength(0);
  });

  it("a 426 whose body never ends moves the socket at once (the status decides)", async () => {
    const sse = responseFrames("resp_http")
      .map((f) => sseFrame(f))
      .join("");
    const server = await startTcpServer({
      onConnection: (peer) =>
        peer.once("data", (head: Buffer) => {
          if (head.toString("latin1").startsWith("GET")) {
            peer.write("HTTP/1.1 426 Upgrade Required\r\ntransfer-encoding: chunked\r\n\r\n");
            return;
          }
          const type = "content-type: text/event-stream\r\nconnection: close";
          peer.end(`HTTP/1.1 200 OK\r\n${type}\r\ncontent-length: ${sse.length}\r\n\r\n${sse}`);
        }),
    });
    servers.push({ close: () => server.close() } as Served);
    const { socket } = connectTo(server, { provider: { requestTimeoutMs: 30_000 } });
    const events = await within(socket.stream(REQUEST).then(drain), 5_000, "the stream");
    expect([events.at(-1)?.type, socket.transport, server.requestCount()]).toEqual([
      "completed",
      "http",
      2,
    ]);
    await socket.close();
  });

  it("applies a call's compression to the POST of a socket that moved to HTTP", async () => {
    const { mock, socket } = await refusing();
    const stream = await socket.stream(REQUEST, { compression: "gzip" });
    expect((await stream.collect()).text).not.toBe("");
    const post = mock.requests.find((r) => r.method === "POST");
    expect(post?.headers["content-encoding"]).toBe("gzip");
    expect(post?.body).toMatchObject({ model: REQUEST.model });
    await socket.close();
  });
});
