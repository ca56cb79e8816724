// A tiny real HTTP server on 127.0.0.1 for stream tests. A test scripts the reply (status, headers
// and a body written as a sequence of chunks with optional delays or gates, or a handler for full
// control); the server records every request (headers and body) and tracks its open sockets.
import { once } from "node:events";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import { corpusStreams } from "./corpus.js";

/** A piece of a scripted body: bytes to write, a pause, or a promise to wait for. */
export type BodyChunk = string | Buffer | { delayMs: number } | { until: Promise<unknown> };

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  chunks?: BodyChunk[];
  /** End the body after the last chunk (default true); false keeps the connection open. */
  end?: boolean;
}

export type ReplyHandler = (req: IncomingMessage, res: ServerResponse) => void;
export type Reply = ScriptedReply | ReplyHandler;

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as received (compressed when the client compressed it). */
  body: Buffer;
  /** The body as text, gunzipped when `content-encoding: gzip`. */
  text(): string;
  json(): unknown;
}

export interface SseServer {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replies are used in order; the last one is reused once the list runs out. */
  setReplies(...replies: Reply[]): void;
  /** How many chunks of the current scripted reply were written so far. */
  chunksWritten(): number;
  /** Sockets open now (a fetch client may also open idle ones that never carry a request). */
  openSockets(): number;
  /** Sockets that carried a request and are still open. */
  openRequestSockets(): number;
  /** Resolves once every socket that carried a request is closed (rejects after `timeoutMs`). */
  waitForRequestSocketsClosed(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startSseServer(...replies: Reply[]): Promise<SseServer> {
  let script: Reply[] = replies.length > 0 ? replies : [{ chunks: [] }];
  let served = 0;
  let written = 0;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const requestSockets = new Set<Socket>();

  const server = createServer((req, res) => {
    if (!req.socket.destroyed) requestSockets.add(req.socket);
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = Buffer.concat(parts);
      const text = () =>
        (req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body).toString("utf8");
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        text,
        json: () => JSON.parse(text()) as unknown,
      });
      const reply = script[Math.min(served, script.length - 1)]!;
      served++;
      if (typeof reply === "function") {
        reply(req, res);
        return;
      }
      void writeScripted(res, reply);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      requestSockets.delete(socket);
    });
  });

  async function writeScripted(res: ServerResponse, reply: ScriptedReply): Promise<void> {
    written = 0;
    let closed = false;
    res.on("close", () => (closed = true));
    res.writeHead(reply.status ?? 200, {
      "content-type": "text/event-stream",
      ...reply.headers,
    });
    res.flushHeaders();
    for (const chunk of reply.chunks ?? []) {
      if (closed) return;
      if (typeof chunk === "string" || Buffer.isBuffer(chunk)) res.write(chunk);
      else if ("delayMs" in chunk) await sleep(chunk.delayMs);
      else await chunk.until;
      written++;
    }
    if (!closed && reply.end !== false) res.end();
  }

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    setReplies(...next) {
      script = next;
      served = 0;
    },
    chunksWritten: () => written,
    openSockets: () => sockets.size,
    openRequestSockets: () => requestSockets.size,
    async waitForRequestSocketsClosed(timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (requestSockets.size > 0) {
        if (Date.now() > deadline) {
          throw new Error(`${requestSockets.size} request socket(s) still open`);
        }
        await sleep(5);
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** `event: <type>\ndata: <json>\n\n` for a payload object or a JSON line. */
export function sseFrame(payload: Record<string, unknown> | string): string {
  const json = typeof payload === "string" ? payload : JSON.stringify(payload);
  const type = (JSON.parse(json) as { type: string }).type;
  return `event: ${type}\ndata: ${json}\n\n`;
}

/** The SSE frames of one recorded stream of test/corpus/responses-streams. */
export function corpusFrames(name: string): string[] {
  const stream = corpusStreams().find((s) => s.name === name || s.name === `${name}.chunks.txt`);
  if (!stream) throw new Error(`no corpus stream ${name}`);
  return stream.lines.map((line) => sseFrame(line));
}
