// The WebSocket side of the mock server: an upgrade on /responses (under any base path) is refused
// or accepted as scripted (`script.websocket.upgrade`), and every `response.create` frame is
// answered with the next `responses` reply, sent as frames with the same knobs as over HTTP
// (drip, stall with pings, malformed, binary, no terminal event then a close, reset). A reply with
// a non-2xx status becomes an in-band error frame. The `ws` package is loaded on the first upgrade.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { WebSocket, WebSocketServer } from "ws";
import { cannedEvents } from "./canned.js";
import { deeperThan, MAX_DEPTH, type RecordedRequest } from "./requests.js";
import { endpointOf, unknownModel } from "./routes.js";
import {
  replyList,
  type MockReply,
  type MockScript,
  type MockUpgrade,
  type NextReply,
} from "./script.js";
import { jsonOf, mockFailure, type Timers } from "./writers.js";

/** A WebSocket handshake as the mock received it. */
export interface RecordedHandshake {
  url: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
}

/** A frame a client sent over a WebSocket. */
export interface RecordedFrame {
  /** 0-based index of the connection (handshake) it came on. */
  connection: number;
  /** The frame parsed as JSON, or the raw text when it is not JSON. */
  body: unknown;
  /** Its size in UTF-8 bytes. */
  bytes: number;
}

/** What the upgrade handler shares with the server. */
export interface SocketContext {
  script: MockScript;
  nextReply: NextReply;
  timers: Timers;
  handshakes: RecordedHandshake[];
  frames: RecordedFrame[];
  /** `mock.requests`: each request frame is recorded there too. */
  requests: RecordedRequest[];
  /** The next number of a canned /responses reply on the server. */
  cannedSeq(): number;
  basePath: string;
  models?: readonly string[] | undefined;
  closing(): boolean;
}

/** The `upgrade` listener of the mock's HTTP server. */
export function socketUpgrades(ctx: SocketContext) {
  let wss: Promise<WebSocketServer | undefined> | undefined;
  const upgrades = replyList(ctx.script.websocket?.upgrade);
  // The extra headers of each handshake, found by its request: one listener for the server's life,
  // so a handshake `ws` rejects (a bad key) leaves nothing behind for the next one.
  const extras = new WeakMap<IncomingMessage, Record<string, string>>();
  return (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    socket.on("error", () => {});
    if (ctx.closing()) return void socket.destroy();
    const index = ctx.handshakes.length;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const path = (req.url ?? "/").split("?")[0]!;
    if (endpointOf(path, "POST", ctx.basePath) !== "responses")
      return refuse(socket, { status: 404 });
    ctx.handshakes.push({ url: req.url ?? "/", headers });
    const upgrade = upgrades(index);
    if ((upgrade.status ?? 101) !== 101) return refuse(socket, upgrade);
    wss ??= import("ws").then(
      ({ WebSocketServer }) => {
        const server = new WebSocketServer({ noServer: true });
        server.on("headers", (lines: string[], request: IncomingMessage) => {
          for (const [k, v] of Object.entries(extras.get(request) ?? {})) lines.push(`${k}: ${v}`);
        });
        return server;
      },
      () => undefined,
    );
    void wss.then((server) => {
      if (!server) return refuse(socket, { status: 501, body: "the mock needs the ws package" });
      extras.set(req, { "x-request-id": `req_ws_${index + 1}`, ...upgrade.headers });
      server.handleUpgrade(req, socket, head, (ws) => converse(ctx, ws, socket, index));
    });
  };
}

function refuse(socket: Socket, upgrade: MockUpgrade): void {
  const status = upgrade.status ?? 400;
  const body =
    upgrade.body ??
    JSON.stringify({ error: { message: `mock ${status}`, type: "server_error", code: null } });
  const headers = { "content-type": "application/json", ...upgrade.headers };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} Mock\r\n${lines.join("")}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Answers every request frame of one connection. */
function converse(ctx: SocketContext, ws: WebSocket, socket: Socket, connection: number): void {
  const own = new Set<NodeJS.Timeout>();
  let answered = 0;
  ws.on("error", () => {});
  ws.on("close", () => {
    for (const t of own) ctx.timers.cancel(t);
  });
  ws.on("message", (data: Buffer, binary: boolean) => {
    const text = data.toString("utf8");
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // recorded as text
    }
    ctx.frames.push({ connection, body, bytes: data.length });
    if (binary) return;
    const limit = ctx.script.websocket?.closeAfterRequests;
    const last = limit !== undefined && ++answered >= limit;
    const peer = { ctx, ws, socket, own };
    if (deeperThan(body, MAX_DEPTH)) {
      const message = `the JSON frame is nested deeper than ${MAX_DEPTH} levels`;
      const tooDeep = { status: 400, body: { error: { message, code: "body_too_deep" } } };
      return answer(peer, tooDeep, {}, last);
    }
    const { url, headers } = ctx.handshakes[connection]!;
    const path = url.split("?")[0]!;
    const request = { endpoint: "responses" as const, method: "WEBSOCKET", path, url, headers };
    const recorded: RecordedRequest = { ...request, body, rawBody: text };
    ctx.requests.push(recorded);
    try {
      const missing = unknownModel(body, ctx.models);
      const reply = missing
        ? { status: 400, body: { error: missing } }
        : ctx.nextReply("responses", recorded);
      answer(peer, reply, body, last);
    } catch {
      // A mock never takes its host process down: what it could not play ends the connection.
      ws.close(1011, "mock: reply failed");
    }
  });
}

interface Peer {
  ctx: SocketContext;
  ws: WebSocket;
  socket: Socket;
  /** This connection's timers, cancelled when it closes. */
  own: Set<NodeJS.Timeout>;
}

/** Sends one reply's frames, applying its knobs; `last` closes the connection after them. */
function answer(peer: Peer, reply: MockReply, request: unknown, last: boolean): void {
  const { ctx, ws, own } = peer;
  if (reply.stallBeforeHeaders) return;
  let written = 0;
  /** Sends a text frame; false when `resetAfterBytes` cut the connection instead. */
  const send = (text: string | Buffer): boolean => {
    if (ws.readyState !== ws.OPEN) return false;
    written += Buffer.byteLength(text);
    if (reply.resetAfterBytes !== undefined && written > reply.resetAfterBytes) {
      peer.socket.destroy();
      return false;
    }
    ws.send(text, { binary: false });
    return true;
  };
  const status = reply.status ?? 200;
  if (status < 200 || status >= 300) {
    const error = (reply.body as { error?: unknown } | undefined)?.error ?? {
      message: `mock ${status}`,
      type: "server_error",
    };
    send(JSON.stringify({ type: "error", status, error, headers: reply.headers ?? {} }));
    if (last) ws.close(1000);
    return;
  }
  let events = reply.events ?? cannedEvents(request, ctx.cannedSeq());
  if (reply.omitTerminal) {
    events = events.filter(
      (e) => e["type"] !== "response.completed" && e["type"] !== "response.done",
    );
  }
  let i = 0;
  const step = (): void => {
    for (; i < events.length; i++) {
      if (reply.stallAfterEvents !== undefined && i >= reply.stallAfterEvents) {
        const ms = reply.keepAliveMs;
        if (ms) own.add(ctx.timers.every(ms, () => ws.readyState === ws.OPEN && ws.ping()));
        return;
      }
      if (i === reply.binaryAt) ws.send(new Uint8Array([0, 1, 2]), { binary: true });
      else {
        let text: string | Buffer;
        try {
          text = i === reply.malformedAt ? "{not json" : jsonOf(events[i]!);
        } catch (error) {
          // Never thrown from a timer (the host process): an in-band error says why.
          const failure = {
            message: mockFailure(error),
            type: "server_error",
            code: "mock_failure",
          };
          send(JSON.stringify({ type: "error", status: 500, error: failure }));
          return void ws.close(1011, "mock: cannot send an event");
        }
        if (!send(text)) return;
      }
      if (reply.dripMs && i + 1 < events.length) {
        i++;
        const t = ctx.timers.later(reply.dripMs, () => (own.delete(t), step()));
        own.add(t);
        return;
      }
    }
    if (reply.omitTerminal) ws.close(1011, "mock: no terminal event");
    else if (last) ws.close(1000);
  };
  if (reply.dripMs) {
    const t = ctx.timers.later(reply.dripMs, () => (own.delete(t), step()));
    own.add(t);
  } else step();
}
