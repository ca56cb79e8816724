// The kit of the WebSocket adversary's fault-matrix rows (websocket-attack*.ts): the rows' array,
// the test kit's WebSocket server and a raw TCP one as matrix servers, runs over a socket of the
// case's client, and the checks the rows share.
import { createHash } from "node:crypto";
import type { Socket } from "node:net";
import { CodexApiError, type ResponseEvent, type ResponseStream } from "../../src/index.js";
import {
  connectResponses,
  type ResponsesSocket,
  type ResponsesSocketOptions,
} from "../../src/websocket/index.js";
import { sleep } from "../helpers/calls.js";
import { startTcpServer } from "../helpers/server.js";
import {
  responseFrames,
  startWsServer,
  type WsServerScript,
  type WsTestServer,
} from "../helpers/ws-server.js";
import { type FaultCase, type RunContext, type Served, STREAM_REQUEST } from "./kit.js";
import { mockSocket } from "./websocket-cases.js";

// Servers and runs --------------------------------------------------------------------------------

/** A matrix server that is the test kit's WebSocket server. */
export type KitServed = Served & { ws: WsTestServer };
/** The test kit's WebSocket server (test/helpers/ws-server.ts) as a matrix server. */
export async function kit(script: WsServerScript = {}): Promise<KitServed> {
  const server = await startWsServer(script);
  return {
    ws: server,
    url: server.url,
    openConnections: () => server.openSockets(),
    requestCount: () => server.frames.length + server.httpRequests,
    lastRequestId: () => undefined,
    close: () => server.close(),
  };
}

/** A raw TCP server that answers each upgrade with `reply(key accept value)` and then does nothing. */
export async function rawUpgrade(reply: (accept: string) => string): Promise<Served> {
  const server = await startTcpServer({
    onConnection: (socket: Socket) => {
      socket.once("data", (head: Buffer) => {
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head.toString("latin1"))?.[1] ?? "";
        const guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
        socket.write(
          reply(
            createHash("sha1")
              .update(key + guid)
              .digest("base64"),
          ),
        );
      });
    },
  });
  return {
    url: server.url,
    openConnections: () => server.openRequestSockets(),
    requestCount: () => server.requestCount(),
    lastRequestId: () => undefined,
    close: () => server.close(),
  };
}
export const SWITCHING = (accept: string) =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;

/** Every event of a stream. */
export async function drain(stream: ResponseStream): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

/** A socket of the case's client with `options`, closed after `fn` whatever happened. */
export function on<T>(
  options: ResponsesSocketOptions,
  fn: (socket: ResponsesSocket, ctx: RunContext) => Promise<T>,
  keep?: { socket?: ResponsesSocket },
) {
  return async (ctx: RunContext): Promise<T> => {
    const socket = connectResponses(ctx.client, options);
    if (keep) keep.socket = socket;
    try {
      return await fn(socket, ctx);
    } finally {
      await socket.close();
    }
  };
}
export const oneStream = (options: ResponsesSocketOptions = {}) =>
  on(options, async (socket) => drain(await socket.stream(STREAM_REQUEST)));

/** The events of two turns (the second extends the first with its output and one more item). */
export const twoTurns = (pause = 0) =>
  on({}, async (socket) => {
    const first = await socket.stream(STREAM_REQUEST);
    const events = await drain(first);
    const { items } = await first.collect();
    if (pause) await sleep(pause);
    const next = { type: "message", role: "user", content: [{ type: "input_text", text: "more" }] };
    const input = [...(STREAM_REQUEST.input as unknown[]), ...items, next] as typeof items;
    return [events, await drain(await socket.stream({ ...STREAM_REQUEST, input }))];
  });

// Checks ------------------------------------------------------------------------------------------

export type Check = NonNullable<FaultCase["check"]>;
export const errorOf = (outcome: { error?: unknown }) => outcome.error as CodexApiError | undefined;
/** The error names `param` and says it is an option (code invalid_option). */
export const namesOption =
  (param: string): Check =>
  (ctx, outcome) => {
    const e = errorOf(outcome);
    const out: string[] = [];
    if (e?.param !== param) out.push(`param ${String(e?.param)}, want ${param}`);
    if (e?.code !== "invalid_option") out.push(`code ${String(e?.code)}, want invalid_option`);
    if (ctx.served.requestCount() !== 0) out.push("something was sent");
    return out;
  };
export const messageHas =
  (re: RegExp): Check =>
  (_ctx, outcome) => {
    const m = errorOf(outcome)?.message ?? "";
    return re.test(m) ? [] : [`message ${JSON.stringify(m)} does not match ${String(re)}`];
  };
export const both =
  (...checks: Check[]): Check =>
  (ctx, outcome) =>
    checks.flatMap((c) => c(ctx, outcome));
/** The kit server's handshakes, frames and HTTP requests. */
export const kitOf = (ctx: RunContext) => (ctx.served as KitServed).ws;
export const handshakes =
  (n: number): Check =>
  (ctx) => {
    const got = kitOf(ctx).handshakes.length;
    return got === n ? [] : [`${got} handshakes, want ${n}`];
  };
export const transportIs =
  (keep: { socket?: ResponsesSocket }, want: "websocket" | "http"): Check =>
  () =>
    keep.socket?.transport === want ? [] : [`transport ${keep.socket?.transport}, want ${want}`];

/** Answers every request with `responseFrames(id)` of a counter shared by the connections. */
export function numbered(): WsServerScript["onRequest"] {
  let n = 0;
  return (peer) => peer.send(...responseFrames(`resp_${n++}`));
}

/** The mock server with its canned replies. */
export const plain = () => mockSocket({});

/** The rows of the WebSocket adversary, appended to the matrix by matrix.test.ts. */
export const WS_ATTACK_CASES: FaultCase[] = [];
/** Adds one row of the WebSocket column, its fault prefixed with "ws-attack: ". */
export const add = (c: Omit<FaultCase, "endpoint">) =>
  WS_ATTACK_CASES.push({ ...c, fault: `ws-attack: ${c.fault}`, endpoint: "websocket" });
