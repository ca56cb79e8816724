// The mock server never takes down the process hosting it: a script it cannot play is refused by
// startMockServer with a message naming the field, a body nested too deep earns a 400, and a
// handshake `ws` rejects leaves nothing behind for the next one.
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { InvalidRequestError } from "../../src/index.js";
import { startMockServer, type MockScript, type MockServer } from "../../src/testing/index.js";
import { REQUEST, within } from "../helpers/calls.js";

let servers: MockServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(script?: MockScript): Promise<MockServer> {
  const s = await startMockServer(script);
  servers.push(s);
  return s;
}

const BAD_SCRIPTS: [unknown, string][] = [
  [{ responses: { events: [null] } }, "script.responses.events[0]"],
  [{ responses: { status: "abc" } }, "script.responses.status"],
  [{ responses: { status: 42 } }, "script.responses.status"],
  [{ compact: [{}, { status: 1000 }] }, "script.compact[1].status"],
  [{ responses: null }, "script.responses"],
  [{ responses: { headers: { "x-a": "1\r\nx-b: 2" } } }, "script.responses.headers"],
  [{ responses: { headers: { "bad name": "1" } } }, "script.responses.headers"],
  [{ responses: { dripMs: -1 } }, "script.responses.dripMs"],
  [{ responses: { keepAliveMs: 0, stallAfterEvents: 1 } }, "script.responses.keepAliveMs"],
  [{ models: { body: { n: 1n } } }, "script.models.body"],
  [{ websocket: { upgrade: null } }, "script.websocket.upgrade"],
  [
    { websocket: { upgrade: { status: 400, body: { error: {} } } } },
    "script.websocket.upgrade.body",
  ],
  [{ websocket: { upgrade: [{ status: 99 }] } }, "script.websocket.upgrade[0].status"],
  [{ websocket: { closeAfterRequests: 0 } }, "script.websocket.closeAfterRequests"],
  [{ rateLimitHeaders: "no" }, "script.rateLimitHeaders"],
  ["not a script", "the script must be an object"],
];

describe("startMockServer refuses a script it cannot play", () => {
  for (const [script, named] of BAD_SCRIPTS) {
    it(`names ${named}`, async () => {
      const error = await startMockServer(script as MockScript).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toContain(named);
    });
  }

  it("refuses options that are not an object", async () => {
    const error = await startMockServer({}, null as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain("options must be an object");
  });

  it("refuses a port out of range", async () => {
    const error = await startMockServer({}, { port: 70_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain("options.port");
  });

  it("still plays every field of a valid script", async () => {
    const server = await start({
      responses: [
        { status: 503, headers: { "retry-after": "1" } },
        { dripMs: 1, events: [] },
      ],
      websocket: { upgrade: [{ status: 426, body: "use HTTP" }], closeAfterRequests: 1 },
      rateLimitHeaders: false,
    });
    const reply = await fetch(`${server.url}/v1/responses`, { method: "POST", body: "{}" });
    expect(reply.status).toBe(503);
    await reply.text();
  });
});

/** A JSON value nested `depth` arrays deep. */
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("a body nested deep", () => {
  for (const depth of [5_000, 200_000]) {
    it(`${depth} levels: 400, and the server keeps serving`, async () => {
      const server = await start();
      const body = `{"model":"m","input":${nested(depth)}}`;
      const reply = await within(
        fetch(`${server.url}/v1/responses`, { method: "POST", body }),
        5_000,
        "the reply",
      );
      expect(reply.status).toBe(400);
      expect(await reply.text()).toContain("nested deeper");
      const next = await fetch(`${server.url}/v1/responses`, {
        method: "POST",
        body: JSON.stringify(REQUEST),
      });
      expect(next.status).toBe(200);
      await next.text();
    });
  }

  it("over a WebSocket: an error frame, and the connection stays usable", async () => {
    const server = await start();
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/v1/responses`);
    await within(new Promise((r) => ws.once("open", r)), 2_000, "the handshake");
    const frames: string[] = [];
    ws.on("message", (data: Buffer) => frames.push(data.toString()));
    ws.send(`{"type":"response.create","input":${nested(200_000)}}`);
    await within(
      (async () => {
        while (!frames.some((f) => f.includes("nested deeper")))
          await new Promise((r) => setTimeout(r, 5));
      })(),
      2_000,
      "the error frame",
    );
    ws.close();
  });
});

describe("bodies too large", () => {
  it("a gzip bomb gets a 400 without being inflated past the limit", async () => {
    const server = await start();
    const bomb = gzipSync(Buffer.alloc(128 * 1024 * 1024, 0x20));
    const reply = await fetch(`${server.url}/v1/responses`, {
      method: "POST",
      headers: { "content-encoding": "gzip" },
      body: bomb,
    });
    expect(reply.status).toBe(400);
    await reply.text();
  });

  it("a body over 64 MiB gets a 413", async () => {
    const server = await start();
    const body = Buffer.alloc(65 * 1024 * 1024, 0x20);
    const reply = await fetch(`${server.url}/v1/responses`, { method: "POST", body });
    expect(reply.status).toBe(413);
    await reply.text();
    expect(server.requests.at(-1)?.rawBody).toBe("");
  });

  it("a drip no timer can hold is refused", async () => {
    const error = await startMockServer({ responses: { dripMs: 2 ** 31 } }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain("script.responses.dripMs");
  });
});

/** Sends a handshake `ws` rejects (a malformed Sec-WebSocket-Key) and waits for its reply. */
function malformedUpgrade(server: MockServer): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), "127.0.0.1", () => {
      socket.write(
        "GET /v1/responses HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: nope\r\n\r\n",
      );
    });
    let text = "";
    socket.on("data", (d) => (text += d.toString()));
    socket.on("close", () => resolve(text));
    socket.on("error", () => resolve(text));
  });
}

describe("malformed upgrades", () => {
  it("leave nothing behind: the next handshake carries its own x-request-id only", async () => {
    const server = await start();
    for (let i = 0; i < 3; i++) expect(await malformedUpgrade(server)).toMatch(/^HTTP\/1.1 400/);
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/v1/responses`);
    const id = await within(
      new Promise<unknown>((resolve) =>
        ws.once("upgrade", (res) => resolve(res.headers["x-request-id"])),
      ),
      2_000,
      "the handshake",
    );
    ws.close();
    expect(id).toBe("req_ws_4");
  });
});
