// A tiny real HTTP server on 127.0.0.1 for transport tests: each request takes the next scripted
// reply from a queue (the last one repeats), every request is recorded, open sockets are tracked
// and `close()` destroys them.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A scripted reply, or a handler for stalls, resets and streams. */
export type Reply =
  | { status?: number; headers?: Record<string, string>; body?: string }
  | ((req: IncomingMessage, res: ServerResponse) => void);

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The body's bytes as received. */
  raw: Buffer;
  /** performance.now() when the request's headers arrived. */
  at: number;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  requests: Recorded[];
  /** Sockets currently open. */
  sockets: Set<Socket>;
  /** Sockets closed so far (by either side). */
  closedSockets: number;
  /** Resolves once `count` sockets have closed (default: one more); rejects after `timeoutMs`. */
  socketClosed(count?: number, timeoutMs?: number): Promise<void>;
  /** Appends replies to the queue. */
  enqueue(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startServer(...replies: Reply[]): Promise<TestServer> {
  const queue: Reply[] = [...replies];
  let last: Reply = { status: 500, body: "no reply scripted" };
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  const waiters: { count: number; resolve: () => void }[] = [];
  const state = { closedSockets: 0 };

  const server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        raw: Buffer.concat(chunks),
        at,
      });
      const reply = queue.shift() ?? last;
      last = reply;
      if (typeof reply === "function") return reply(req, res);
      res.writeHead(reply.status ?? 200, {
        "content-type": "application/json",
        ...reply.headers,
      });
      res.end(reply.body ?? "");
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      state.closedSockets++;
      for (const w of [...waiters]) {
        if (state.closedSockets >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    sockets,
    get closedSockets() {
      return state.closedSockets;
    },
    socketClosed(count = state.closedSockets + 1, timeoutMs = 2000) {
      if (state.closedSockets >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`${count} socket(s) not closed within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    enqueue(...more: Reply[]) {
      queue.push(...more);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that refuses connections (bound, then released). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
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
