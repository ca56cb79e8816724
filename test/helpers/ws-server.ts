// The test kit's WebSocket server: a real `ws` server on 127.0.0.1 behind node:http. Each upgrade is
// recorded and may be refused with a scripted HTTP reply or accepted with extra 101 headers; each
// text frame a client sends is recorded (parsed) and handed to a handler that answers through the
// connection (frames, binary, pings, close, reset). Plain HTTP requests get the kit's scripted replies.
import { once } from "node:events";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import {
  createClient,
  type ClientOptions,
  type ProviderConfig,
  type ResponseEvent,
  type ResponseItem,
  type ResponseStream,
} from "../../src/index.js";
import { connectResponses, type ResponsesSocketOptions } from "../../src/websocket/index.js";

/** A refused upgrade: an HTTP reply instead of 101. */
export interface Refusal {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** One accepted connection, as a handler sees it. */
export interface Peer {
  /** 0-based, in order of connection. */
  index: number;
  /** Sends payloads as JSON text frames (a string is sent as is). */
  send(...frames: (Record<string, unknown> | string)[]): void;
  binary(bytes: Uint8Array): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  /** Destroys the TCP socket (a reset). */
  reset(): void;
  ws: WebSocket;
}

/** Answers one request frame (`request` is the parsed frame; `n` counts requests on this connection). */
export type FrameHandler = (peer: Peer, request: Record<string, unknown>, n: number) => void;

/** What the server does. */
export interface WsServerScript {
  /** Per upgrade (0-based): refuse it with an HTTP reply, or accept it (undefined). */
  refuse?: (index: number) => Refusal | undefined;
  /** Wait this long (ms) before answering upgrade `index` (default 0). */
  upgradeDelayMs?: (index: number) => number;
  /** Extra headers on the 101 reply of connection `index`. */
  upgradeHeaders?: (index: number) => Record<string, string>;
  /** Per request frame; default: the canned reply of `respond`. */
  onRequest?: FrameHandler;
  /** Per connection, right after it opened. */
  onConnection?: (peer: Peer) => void;
  /** Plain HTTP requests (the fallback path); default 404. */
  onHttp?: (body: string, res: ServerResponse, headers: IncomingHttpHeaders) => void;
  /** Accept permessage-deflate (default true). */
  perMessageDeflate?: boolean;
}

/** A handshake as received. */
export interface Handshake {
  url: string;
  headers: IncomingHttpHeaders;
}

/** A request frame as received, with the connection it came on and its size in bytes. */
export interface ReceivedFrame {
  connection: number;
  bytes: number;
  frame: Record<string, unknown>;
}

/** A running WebSocket test server. */
export interface WsTestServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  handshakes: Handshake[];
  frames: ReceivedFrame[];
  /** HTTP requests (not upgrades) received. */
  httpRequests: number;
  /** TCP sockets open on the server side. */
  openSockets(): number;
  close(): Promise<void>;
}

/** The canned frames of a response `id` whose output is one assistant message saying `text`. */
export function responseFrames(id: string, text = "ok"): Record<string, unknown>[] {
  const item = {
    type: "message",
    id: `msg_${id}`,
    role: "assistant",
    content: [{ type: "output_text", text, annotations: [] }],
  };
  return [
    { type: "response.created", response: { id, status: "in_progress", output: [] } },
    { type: "response.output_text.delta", item_id: item.id, output_index: 0, delta: text },
    { type: "response.output_item.done", output_index: 0, item },
    { type: "response.completed", response: { id, status: "completed", output: [item] } },
  ];
}

/** The output item `responseFrames(id, text)` completes with. */
export function outputItem(id: string, text = "ok"): Record<string, unknown> {
  return responseFrames(id, text)[2]!["item"] as Record<string, unknown>;
}

/** Starts the server. Requests default to `responseFrames("resp_<connection>_<n>")`. */
export async function startWsServer(script: WsServerScript = {}): Promise<WsTestServer> {
  const handshakes: Handshake[] = [];
  const frames: ReceivedFrame[] = [];
  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: script.perMessageDeflate ?? true,
  });
  let upgrades = 0;
  const state = { httpRequests: 0 };
  const server = createServer((req, res) => {
    state.httpRequests++;
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = Buffer.concat(parts).toString("utf8");
      if (script.onHttp) script.onHttp(body, res, req.headers);
      else res.writeHead(404, { connection: "close" }).end("no HTTP route");
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("upgrade", (req, socket: Socket, head) => {
    const index = upgrades++;
    handshakes.push({ url: req.url ?? "", headers: req.headers });
    const delay = script.upgradeDelayMs?.(index) ?? 0;
    if (delay > 0) setTimeout(() => !socket.destroyed && upgrade(req, socket, head, index), delay);
    else upgrade(req, socket, head, index);
  });

  function upgrade(req: IncomingMessage, socket: Socket, head: Buffer, index: number): void {
    const refusal = script.refuse?.(index);
    if (refusal) {
      const body = refusal.body ?? "";
      const lines = Object.entries({ ...refusal.headers, "content-length": body.length })
        .map(([k, v]) => `${k}: ${v}`)
        .join("\r\n");
      socket.end(
        `HTTP/1.1 ${refusal.status} Refused\r\n${lines}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    const extra = script.upgradeHeaders?.(index) ?? {};
    const addHeaders = (headers: string[]) => {
      for (const [k, v] of Object.entries(extra)) headers.push(`${k}: ${v}`);
    };
    wss.once("headers", addHeaders);
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, socket, index));
  }

  function accept(ws: WebSocket, socket: Socket, index: number): void {
    const peer: Peer = {
      index,
      ws,
      send: (...out) => {
        for (const f of out) ws.send(typeof f === "string" ? f : JSON.stringify(f));
      },
      binary: (bytes) => ws.send(bytes, { binary: true }),
      ping: () => ws.ping(),
      close: (code = 1000, reason = "") => ws.close(code, reason),
      reset: () => socket.destroy(),
    };
    let n = 0;
    ws.on("error", () => {});
    ws.on("message", (data: Buffer, binary: boolean) => {
      if (binary) return;
      const text = data.toString("utf8");
      const frame = JSON.parse(text) as Record<string, unknown>;
      frames.push({ connection: index, bytes: Buffer.byteLength(text), frame });
      const handler =
        script.onRequest ?? ((p, _r, k) => p.send(...responseFrames(`resp_${p.index}_${k}`)));
      handler(peer, frame, n++);
    });
    script.onConnection?.(peer);
  }

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handshakes,
    frames,
    get httpRequests() {
      return state.httpRequests;
    },
    openSockets: () => sockets.size,
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const s of sockets) s.destroy();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** What `connectTo` builds a client and socket from. */
export interface ConnectOptions {
  provider?: Partial<ProviderConfig>;
  client?: Partial<ClientOptions>;
  socket?: ResponsesSocketOptions;
}

/** A client for `server` (base `/v1`, token "tok", quick timeouts, fast retries) and its socket. */
export function connectTo(server: { url: string }, options: ConnectOptions = {}) {
  const client = createClient({
    auth: "tok",
    ...options.client,
    provider: {
      baseUrl: `${server.url}/v1`,
      streamIdleTimeoutMs: 1_000,
      requestTimeoutMs: 1_000,
      retry: { baseDelayMs: 1, maxAttempts: 3 },
      ...options.provider,
    },
  });
  return { client, socket: connectResponses(client, options.socket) };
}

/** Every event of a stream. */
export async function drain(stream: ResponseStream): Promise<ResponseEvent[]> {
  const events: ResponseEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

/** A user message item. */
export const user = (text: string) =>
  ({ type: "message", role: "user", content: [{ type: "input_text", text }] }) as ResponseItem;

/**
 * The kit of a test file: `setup` starts a server and connects a socket to it; both, and whatever
 * is handed to `closeLater`, are closed after each test.
 */
export function wsKit() {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  const closeLater = (close: () => Promise<void>) => void closers.push(close);
  return {
    closeLater,
    async setup(script: WsServerScript = {}, options: ConnectOptions = {}) {
      const server = await startWsServer(script);
      closeLater(server.close);
      const { client, socket } = connectTo(server, options);
      closeLater(() => socket.close());
      return { server, client, socket };
    },
  };
}
