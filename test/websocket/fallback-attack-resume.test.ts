// An adversary's pass over a socket that moved to HTTP (README "Responses over WebSocket"), second
// part: background and cancelOnAbort streams that end under close() during a resume, requests queued
// when close() comes, hostile upgrade replies; nothing stays subscribed, no timer, no unhandled
// rejection. How a plain HTTP stream ends: fallback-attack.test.ts.
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, CodexApiError } from "../../src/index.js";
import type { MockScript } from "../../src/testing/index.js";
import { connectTo, drain, responseFrames } from "../helpers/ws-server.js";
import { sseFrame, startTcpServer } from "../helpers/server.js";
import { REQUEST, sleep, until, within } from "../helpers/calls.js";
import { failOnUnhandledRejections } from "../helpers/fresh.js";
import {
  servers,
  closeServers,
  BACKGROUND,
  listeners,
  timers,
  settle,
  fallen,
} from "./fallback-attack-kit.js";

failOnUnhandledRejections();
afterEach(closeServers);

describe("background streams of a socket that moved, resumed after a drop", () => {
  const dropped = (retrieve: MockScript["retrieve"]) =>
    fallen({ responses: { dropAfterEvents: 3 }, ...(retrieve ? { retrieve } : {}) });

  it("resume completes: the events of an unbroken stream, nothing left subscribed", async () => {
    const { socket, closing } = await dropped(undefined);
    const caller = new AbortController();
    const events = await drain(await socket.stream(BACKGROUND, { signal: caller.signal }));
    expect(events.at(-1)?.type).toBe("completed");
    expect([listeners(caller.signal), listeners(closing)]).toEqual([0, 0]);
    await socket.close();
  });

  it("close() during the resume GET waiting for headers: AbortError at once, connections closed", async () => {
    const { socket, closing, mock, served } = await dropped({ stallBeforeHeaders: true });
    const caller = new AbortController();
    const stream = await socket.stream(BACKGROUND, { signal: caller.signal });
    const reading = settle(drain(stream));
    await until(() => mock.requests.some((r) => r.method === "GET"), "the resume GET");
    const started = Date.now();
    await socket.close();
    const { error } = (await within(reading, 2_000)) as { error?: AbortError };
    expect(error).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect([listeners(caller.signal), listeners(closing)]).toEqual([0, 0]);
    await until(() => served.openConnections() === 0, "connections closed", 2_000);
  });

  it("close() during the backoff before a second resume GET: AbortError at once, no timer left", async () => {
    const { socket, mock } = await fallen(
      { responses: { dropAfterEvents: 3 }, retrieve: [{ events: [], omitTerminal: true }] },
      { provider: { retry: { baseDelayMs: 20_000, maxDelayMs: 20_000, maxAttempts: 5 } } },
    );
    const before = timers();
    const stream = await socket.stream(BACKGROUND);
    const reading = settle(drain(stream));
    await until(() => mock.requests.filter((r) => r.method === "GET").length === 1, "a GET");
    await sleep(50);
    await socket.close();
    const { error } = (await within(reading, 2_000)) as { error?: AbortError };
    expect(error).toBeInstanceOf(AbortError);
    await until(() => timers() <= before, "no timer left", 2_000);
  });

  it("the caller's abort with a reason during the resume GET keeps the reason", async () => {
    const { socket, mock } = await dropped({ stallBeforeHeaders: true });
    const caller = new AbortController();
    const reason = new Error("stop resuming");
    const stream = await socket.stream(BACKGROUND, { signal: caller.signal });
    const reading = settle(drain(stream));
    await until(() => mock.requests.some((r) => r.method === "GET"), "the resume GET");
    caller.abort(reason);
    const { error } = (await within(reading, 2_000)) as { error?: AbortError };
    expect(error).toBeInstanceOf(AbortError);
    expect(error?.cause).toBe(reason);
    await socket.close();
  });

  it("cancelOnAbort: close() during the resume GET cancels the response once", async () => {
    const { socket, mock } = await dropped({ stallBeforeHeaders: true });
    const stream = await socket.stream(BACKGROUND, { cancelOnAbort: true });
    const reading = settle(drain(stream));
    await until(() => mock.requests.some((r) => r.method === "GET"), "the resume GET");
    await socket.close();
    expect(((await within(reading, 2_000)) as { error?: unknown }).error).toBeInstanceOf(
      AbortError,
    );
    await until(() => mock.requests.some((r) => r.endpoint === "cancel"), "the cancel", 2_000);
    await sleep(50);
    expect(mock.requests.filter((r) => r.endpoint === "cancel")).toHaveLength(1);
  });
});

describe("cancelOnAbort through close()", () => {
  it("close() while the POST waits for headers: AbortError, no cancel (no id yet)", async () => {
    const { socket, mock } = await fallen({ responses: { stallBeforeHeaders: true } });
    const opening = settle(socket.stream(REQUEST, { cancelOnAbort: true }));
    await until(() => mock.requests.length === 2, "the POST sent");
    await socket.close();
    expect(((await within(opening, 2_000)) as { error?: unknown }).error).toBeInstanceOf(
      AbortError,
    );
    await sleep(50);
    expect(mock.requests.filter((r) => r.endpoint === "cancel")).toHaveLength(0);
  });

  it("close() after a cancelOnAbort stream completed sends no cancel", async () => {
    const { socket, mock } = await fallen({});
    await drain(await socket.stream(REQUEST, { cancelOnAbort: true }));
    await socket.close();
    await sleep(50);
    expect(mock.requests.filter((r) => r.endpoint === "cancel")).toHaveLength(0);
  });

  it("close() of a never-iterated cancelOnAbort stream cancels its response once it is known", async () => {
    const { socket, mock } = await fallen({ responses: { stallAfterEvents: 2 } });
    const stream = await socket.stream(REQUEST, { cancelOnAbort: true });
    await sleep(50);
    await socket.close();
    await expect(drain(stream)).rejects.toBeInstanceOf(AbortError);
    // The id is in an event nobody read yet: nothing can be cancelled without it.
    await sleep(50);
    expect(mock.requests.filter((r) => r.endpoint === "cancel").length).toBeLessThanOrEqual(1);
  });
});

describe("requests queued when close() comes", () => {
  it("streams queued behind a held 426 upgrade: all rejected, none sent, no listener on their signals", async () => {
    const { startWsServer } = await import("../helpers/ws-server.js");
    const server = await startWsServer({
      upgradeDelayMs: () => 150,
      refuse: () => ({ status: 426 }),
    });
    servers.push(server);
    const { socket } = connectTo(server);
    const signals = [1, 2, 3].map(() => new AbortController().signal);
    const streams = signals.map((signal) => settle(socket.stream(REQUEST, { signal })));
    await sleep(30);
    await socket.close();
    const outcomes = await within(Promise.all(streams), 2_000, "the streams");
    for (const o of outcomes)
      expect((o as { error?: unknown }).error).toBeInstanceOf(CodexApiError);
    expect(signals.map(listeners)).toEqual([0, 0, 0]);
    expect(server.httpRequests).toBe(0);
  });
});

describe("hostile upgrade replies", () => {
  const sse = responseFrames("resp_http")
    .map((f) => sseFrame(f))
    .join("");
  const ok = `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\ncontent-length: ${sse.length}\r\n\r\n${sse}`;
  async function raw(onUpgrade: (peer: Socket) => void) {
    const server = await startTcpServer({
      onConnection: (peer) =>
        peer.once("data", (head: Buffer) => {
          if (head.toString("latin1").startsWith("GET")) onUpgrade(peer);
          else peer.end(ok);
        }),
    });
    servers.push(server);
    return server;
  }

  it("a 426 whose body floods without end moves the socket, and its connection is closed", async () => {
    let flooding = true;
    const server = await raw((peer) => {
      peer.write("HTTP/1.1 426 Upgrade Required\r\ntransfer-encoding: chunked\r\n\r\n");
      const chunk = `10000\r\n${"x".repeat(0x10000)}\r\n`;
      const pump = () => {
        while (flooding && !peer.destroyed && peer.write(chunk));
        if (flooding && !peer.destroyed) peer.once("drain", pump);
      };
      pump();
    });
    const { socket } = connectTo(server, { provider: { requestTimeoutMs: 5_000 } });
    const events = await within(socket.stream(REQUEST).then(drain), 5_000, "the stream");
    flooding = false;
    expect([events.at(-1)?.type, socket.transport]).toEqual(["completed", "http"]);
    await until(() => server.openRequestSockets() === 0, "the 426's connection closed", 2_000);
    await socket.close();
  });

  it("a 426 followed by a reset right after its headers moves the socket", async () => {
    const server = await raw((peer) => {
      peer.write("HTTP/1.1 426 Upgrade Required\r\ncontent-length: 100\r\n\r\npartial");
      setTimeout(() => (peer as Socket & { resetAndDestroy(): void }).resetAndDestroy(), 5);
    });
    const { socket } = connectTo(server);
    const events = await within(socket.stream(REQUEST).then(drain), 5_000, "the stream");
    expect([events.at(-1)?.type, socket.transport]).toEqual(["completed", "http"]);
    await socket.close();
  });

  it("a reset in the middle of the 426's headers does not move the socket", async () => {
    const server = await raw((peer) => {
      peer.write("HTTP/1.1 426 Upgrade Required\r\ncontent-le");
      setTimeout(() => (peer as Socket & { resetAndDestroy(): void }).resetAndDestroy(), 5);
    });
    const { socket } = connectTo(server);
    const outcome = await within(settle(socket.stream(REQUEST)), 5_000, "the stream");
    expect((outcome as { error?: unknown }).error).toBeInstanceOf(CodexApiError);
    expect(socket.transport).toBe("websocket");
    await socket.close();
  });

  it("a 426 with a Retry-After is not retried over the socket: one upgrade, then HTTP", async () => {
    const server = await raw((peer) =>
      peer.end("HTTP/1.1 426 Upgrade Required\r\nretry-after: 0\r\ncontent-length: 0\r\n\r\n"),
    );
    const { socket } = connectTo(server);
    const events = await within(socket.stream(REQUEST).then(drain), 5_000, "the stream");
    expect([events.at(-1)?.type, socket.transport, server.requestCount()]).toEqual([
      "completed",
      "http",
      2,
    ]);
    await socket.close();
  });

  it("a 101 then an immediate close: not a move; the error is typed and nothing is left", async () => {
    const { createHash } = await import("node:crypto");
    const server = await raw((peer) => {
      const head = "";
      void head;
      peer.once("data", () => {});
    });
    void server;
    const s2 = await startTcpServer({
      onConnection: (peer) =>
        peer.once("data", (head: Buffer) => {
          const key = /sec-websocket-key:\s*(\S+)/i.exec(head.toString("latin1"))?.[1] ?? "";
          const accept = createHash("sha1")
            .update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
            .digest("base64");
          peer.end(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
          );
        }),
    });
    servers.push(s2);
    const before = timers();
    const { socket } = connectTo(s2);
    const outcome = await within(settle(socket.stream(REQUEST)), 5_000, "the stream");
    expect((outcome as { error?: unknown }).error).toBeInstanceOf(CodexApiError);
    expect(socket.transport).toBe("websocket");
    await socket.close();
    await until(() => timers() <= before, "no timer left", 2_000);
  });
});
