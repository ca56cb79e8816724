// The one test-server kit: a real HTTP server on 127.0.0.1 that answers each request with the next
// scripted reply (a whole body, a body written chunk by chunk with pauses and gates, or a handler),
// records every request and tracks its sockets; a raw TCP server for faults below HTTP; a refused
// port; SSE frames. No test file builds a server of its own.
import { afterEach } from "vitest";
import { once } from "node:events";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server,
  type Socket,
} from "node:net";
import { gunzipSync } from "node:zlib";
import { sleep } from "./calls.js";
import { corpusStreams } from "./corpus.js";

/** A piece of a chunked body: bytes to write, a pause, or a promise to wait for. */
export type BodyChunk = string | Uint8Array | { delayMs: number } | { until: Promise<unknown> };

/** A scripted reply: a status, headers, and a body given whole or in chunks. */
export interface ScriptedReply {
  /** Default 200. */
  status?: number;
  /** Win over the default content-type: application/json, or text/event-stream with `chunks`. */
  headers?: Record<string, string>;
  /** The whole body (default empty). */
  body?: string;
  /** The body written piece by piece after the headers, one turn of the event loop between writes. */
  chunks?: BodyChunk[];
  /** With `chunks`: end the body after the last one (default true); false keeps it open. */
  end?: boolean;
}

/** Full control over one reply (stalls, resets, odd framing). */
export type ReplyHandler = (req: IncomingMessage, res: ServerResponse) => void;
/** What one request gets: a scripted reply or a handler. */
export type Reply = ScriptedReply | ReplyHandler;

/** A request as the server received it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body's bytes as received (compressed when the client compressed it). */
  raw: Buffer;
  /** The body as text, gunzipped when `content-encoding: gzip`. */
  text(): string;
  /** `text()` parsed as JSON. */
  json(): unknown;
  /** performance.now() when the request's headers arrived. */
  at: number;
}

/** Sockets of a server: all open ones, and those that carried a request (sent a byte). */
export interface SocketCounts {
  openSockets(): number;
  openRequestSockets(): number;
  /** Resolves once every socket that carried a request is closed; rejects after `timeoutMs`. */
  requestSocketsClosed(timeoutMs?: number): Promise<void>;
  /** Destroys open sockets; resolves when the server is closed. */
  close(): Promise<void>;
}

/** A running test server. */
export interface TestServer extends SocketCounts {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Replaces the replies: the next request takes the first; the last one repeats. */
  setReplies(...replies: Reply[]): void;
  /** How many chunks of the current chunked reply were written so far. */
  chunksWritten(): number;
}

const NO_REPLY: Reply = { status: 500, body: "no reply scripted" };

/** Starts a server whose requests take `replies` in order (the last one repeats). */
export async function startServer(...replies: Reply[]): Promise<TestServer> {
  let script = replies;
  let served = 0;
  let written = 0;
  const requests: RecordedRequest[] = [];
  const server = createServer({ noDelay: true }, (req, res) => {
    const at = performance.now();
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      requests.push(record(req, Buffer.concat(parts), at));
      const reply = script[Math.min(served++, script.length - 1)] ?? NO_REPLY;
      if (typeof reply === "function") reply(req, res);
      else if (reply.chunks) void writeChunks(res, reply);
      else {
        res.writeHead(reply.status ?? 200, {
          "content-type": "application/json",
          ...reply.headers,
        });
        res.end(reply.body ?? "");
      }
    });
  });
  const { port, mark, ...sockets } = await listen(server);
  server.on("request", (req: IncomingMessage) => mark(req.socket));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setReplies(...next) {
      script = next;
      served = 0;
    },
    chunksWritten: () => written,
    ...sockets,
  };

  async function writeChunks(res: ServerResponse, reply: ScriptedReply): Promise<void> {
    written = 0;
    let closed = false;
    res.on("close", () => (closed = true));
    res.writeHead(reply.status ?? 200, { "content-type": "text/event-stream", ...reply.headers });
    res.flushHeaders();
    for (const chunk of reply.chunks ?? []) {
      if (closed) return;
      const bytes = typeof chunk === "string" || chunk instanceof Uint8Array;
      if (bytes) res.write(chunk);
      else if ("delayMs" in chunk) await sleep(chunk.delayMs);
      else await chunk.until;
      written++;
      // A turn of the event loop between writes, so that each chunk leaves on its own.
      if (bytes) await new Promise((r) => setImmediate(r));
    }
    if (!closed && reply.end !== false) res.end();
  }
}

function record(req: IncomingMessage, raw: Buffer, at: number): RecordedRequest {
  const text = () =>
    (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
  const { method = "", url = "", headers } = req;
  return { method, url, headers, raw, text, json: () => JSON.parse(text()) as unknown, at };
}

/** A raw TCP server: `onConnection` gets each socket, `onRequest` a socket's first bytes. */
export async function startTcpServer(handlers: {
  onConnection?: (socket: Socket) => void;
  onRequest?: (socket: Socket) => void;
}): Promise<SocketCounts & { url: string; port: number; requestCount(): number }> {
  let count = 0;
  const server = createTcpServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => {
      count++;
      mark(socket);
      handlers.onRequest?.(socket);
    });
    handlers.onConnection?.(socket);
  });
  const { port, mark, ...sockets } = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, requestCount: () => count, ...sockets };
}

/**
 * Listens on a free port of 127.0.0.1 and counts the server's sockets; the caller marks those that
 * carry a request.
 */
async function listen(
  server: Server,
): Promise<SocketCounts & { port: number; mark(socket: Socket): void }> {
  const open = new Set<Socket>();
  const carried = new Set<Socket>();
  const waiters = new Set<() => void>();
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => {
      open.delete(socket);
      carried.delete(socket);
      if (carried.size === 0) for (const w of waiters) w();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    mark: (socket) => void (!socket.destroyed && carried.add(socket)),
    openSockets: () => open.size,
    openRequestSockets: () => carried.size,
    requestSocketsClosed(timeoutMs = 2000) {
      if (carried.size === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(done);
          reject(new Error(`${carried.size} request socket(s) still open after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(done);
      });
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port on 127.0.0.1 that refuses connections (bound, then released). */
export async function refusedPort(): Promise<number> {
  const { port, close } = await startTcpServer({});
  await close();
  return port;
}

/** A JSON reply. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: typeof body === "string" ? body : JSON.stringify(body),
});

/** A handler that never answers (the client must time out or abort). */
export const stall: Reply = () => {};

/** `event: <type>\ndata: <json>\n\n` for a payload object or a JSON line (no event line without a type). */
export function sseFrame(payload: Record<string, unknown> | string): string {
  const json = typeof payload === "string" ? payload : JSON.stringify(payload);
  const type = (JSON.parse(json) as { type?: unknown }).type;
  return (typeof type === "string" ? `event: ${type}\n` : "") + `data: ${json}\n\n`;
}

/** The SSE frames of one recorded stream of test/corpus/responses-streams. */
export function corpusFrames(name: string): string[] {
  const stream = corpusStreams().find((s) => s.name === name || s.name === `${name}.chunks.txt`);
  if (!stream) throw new Error(`no corpus stream ${name}`);
  return stream.lines.map((line) => sseFrame(line));
}

/** A `serve(...replies)` for one test file: each server it starts is closed after its test. */
export function serveEach(): (...replies: Reply[]) => Promise<TestServer> {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  return async (...replies) => {
    const server = await startServer(...replies);
    servers.push(server);
    return server;
  };
}
