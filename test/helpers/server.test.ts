// Self-check of the test-server kit: the replies, the recording and the socket counts other tests
// lean on, including that a socket wait can fail.
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { refusedPort, sseFrame, stall, startServer, startTcpServer } from "./server.js";
import { sleep } from "./calls.js";

const closers: (() => Promise<void>)[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function dial(port: number, bytes?: string): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  socket.on("error", () => {});
  await once(socket, "connect");
  if (bytes !== undefined) socket.write(bytes);
  return socket;
}

const until = async (check: () => boolean) => {
  while (!check()) await sleep(5);
};

describe("startServer", () => {
  it("answers in order, repeats the last reply, and records each request once", async () => {
    const server = await startServer({ status: 201, body: "a" }, { body: '{"b":1}' });
    closers.push(server.close);
    const texts = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/x?q=${i}`, { method: "POST", body: `{"n":${i}}` });
      texts.push([res.status, res.headers.get("content-type"), await res.text()]);
    }
    expect(texts).toEqual([
      [201, "application/json", "a"],
      [200, "application/json", '{"b":1}'],
      [200, "application/json", '{"b":1}'],
    ]);
    expect(server.requests.map((r) => [r.method, r.url, r.json()])).toEqual([
      ["POST", "/x?q=0", { n: 0 }],
      ["POST", "/x?q=1", { n: 1 }],
      ["POST", "/x?q=2", { n: 2 }],
    ]);
  });

  it("without replies says so; a gzip body is recorded raw and as text", async () => {
    const server = await startServer();
    closers.push(server.close);
    const body = gzipSync('{"z":true}');
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-encoding": "gzip" },
      body,
    });
    expect([res.status, await res.text()]).toEqual([500, "no reply scripted"]);
    expect(server.requests[0]!.raw.equals(body)).toBe(true);
    expect(server.requests[0]!.json()).toEqual({ z: true });
  });

  it("writes chunks as server-sent events, counting them, and can keep the body open", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const frame = sseFrame({ type: "a" });
    const server = await startServer({ chunks: [frame, { until: gate }, frame], end: false });
    closers.push(server.close);
    const res = await fetch(server.url);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(frame);
    expect(server.chunksWritten()).toBe(1);
    release();
    await until(() => server.chunksWritten() === 3);
    expect(server.openRequestSockets()).toBe(1);
    await reader.cancel();
  });

  it("counts request sockets apart from idle ones, and the wait for them can fail", async () => {
    const server = await startServer(stall);
    closers.push(server.close);
    await dial(server.port);
    const busy = await dial(server.port, "GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    await until(() => server.requests.length === 1);
    expect([server.openSockets(), server.openRequestSockets()]).toEqual([2, 1]);
    await expect(server.requestSocketsClosed(30)).rejects.toThrow(/still open/);
    busy.destroy();
    await server.requestSocketsClosed();
    expect(server.openSockets()).toBe(1);
  });
});

describe("startTcpServer and refusedPort", () => {
  it("counts the connections that sent bytes, and hands them to onRequest", async () => {
    const seen: Socket[] = [];
    const server = await startTcpServer({ onRequest: (s) => seen.push(s) });
    closers.push(server.close);
    await dial(server.port);
    await dial(server.port, "hello");
    await until(() => seen.length === 1);
    expect([server.requestCount(), server.openSockets(), server.openRequestSockets()]).toEqual([
      1, 2, 1,
    ]);
  });

  it("a refused port refuses", async () => {
    const socket = connect(await refusedPort(), "127.0.0.1");
    const [error] = (await once(socket, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNREFUSED");
  });
});
