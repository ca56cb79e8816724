// One WebSocket connection as the socket transport needs it, over the `ws` package or any
// WHATWG-style constructor that takes `{ headers }` (Bun, Deno, undici): open it within a deadline,
// read the handshake reply (with `ws`, also the status, headers and body of a refused upgrade), send
// text, and hand frames and the close to one listener.
import {
  CodexApiError,
  InvalidRequestError,
  RequestTimeoutError,
  TransportError,
} from "../errors/catalogue.js";
import { abortError } from "../errors/map.js";
import type { AttemptOutcome } from "../transport/retry-loop.js";
import { race } from "../transport/race.js";
import type { Scrubber } from "../transport/redact.js";
import { readRefusal, toHeaders, type Reply } from "./refusal.js";

/** The second argument the socket passes to the WebSocket constructor. */
export interface WebSocketInit {
  headers: Record<string, string>;
  /** `ws`: offer permessage-deflate. */
  perMessageDeflate: boolean;
  /** `ws`: the largest frame accepted (`limits.maxEventBytes`). */
  maxPayload: number;
}

/**
 * A WebSocket constructor: `ws`'s `WebSocket` (the default on Node), or a WHATWG-style one that
 * accepts `{ headers }` as its second argument. Only `ws` reports the handshake reply's headers and
 * a refused upgrade's status; with another, a refused upgrade is a `TransportError`.
 */
export type WebSocketConstructor = new (url: string, ...rest: never[]) => object;

/** What a connection tells its listener after the handshake. */
export interface WireListener {
  frame(data: Uint8Array, binary: boolean): void;
  /** The connection ended: a close (code, reason) or an error. */
  closed(info: { code?: number; reason?: string; error?: unknown }): void;
}

/** An open connection. */
export interface Wire {
  /** The handshake reply's status: 101 Switching Protocols. */
  status: number;
  /** The handshake reply's headers (empty when the implementation does not report them). */
  headers: Headers;
  listener: WireListener | undefined;
  send(text: string): void;
  /** Drops the connection at once, without a closing handshake. */
  terminate(): void;
  /** Closes it with code 1000. */
  close(): void;
  /** Whether `pause` works (`ws`); a WHATWG WebSocket cannot stop reading frames. */
  canPause: boolean;
  /** Flow control: stop and restart reading frames (no-ops unless `canPause`). */
  pause(): void;
  resume(): void;
  /**
   * Whether the connection keeps the process alive: only while a request waits for its frames
   * (`ws`; a WHATWG WebSocket gives no say). An idle connection never holds a script that ended.
   */
  hold(held: boolean): void;
}

/** How one handshake is bounded, and how its failures are described. */
export interface Handshake {
  url: string;
  init: WebSocketInit;
  /** `GET url`, the start of every message. */
  where: string;
  timeoutMs: number;
  /** What `timeoutMs` is, as the timeout's message names it (default "request timeout"). */
  timeoutName?: string;
  signal: AbortSignal | undefined;
  scrubber: Scrubber;
}

// The `ws` face (an EventEmitter) and the WHATWG face, as far as they are used here.
type Listener = (...args: never[]) => void;
interface WsLike {
  on(event: string, fn: Listener): void;
  send(text: string): void;
  close(code?: number): void;
  terminate(): void;
  pause(): void;
  resume(): void;
}
interface WhatwgLike {
  addEventListener(event: string, fn: (e: never) => void): void;
  send(text: string): void;
  close(code?: number): void;
  binaryType: string;
}
const encoder = new TextEncoder();

/** Opens a connection: the open Wire, or the error the handshake ended in (never throws). */
export async function openWire(
  Ctor: WebSocketConstructor,
  hs: Handshake,
): Promise<AttemptOutcome<Wire>> {
  if (hs.signal?.aborted) return { error: abortError(hs.signal) };
  let socket: object | undefined;
  const opening = new Promise<Wire>((resolve, reject) => {
    const failed = (cause: unknown) => {
      const detail = (cause as { code?: string })?.code ?? (cause as Error)?.message ?? cause;
      const message = `${hs.where}: websocket handshake failed: ${String(detail)}`;
      reject(new TransportError(message, { cause }));
    };
    try {
      socket = new (Ctor as new (url: string, init: WebSocketInit) => object)(hs.url, hs.init);
    } catch (cause) {
      // Refused before anything was sent (a URL or option it rejects): no retry can fix it.
      const message = `${hs.where}: the WebSocket constructor refused: ${(cause as Error)?.message ?? cause}`;
      return reject(new InvalidRequestError(message, { cause }));
    }
    const out = { opened: resolve, failed, refused: reject };
    if (typeof (socket as Partial<WsLike>).on === "function") watchWs(socket as WsLike, hs, out);
    else watchWhatwg(socket as WhatwgLike, out);
  });
  const message = `${hs.where}: no websocket handshake within ${hs.timeoutMs} ms (${hs.timeoutName ?? "request timeout"})`;
  const onTimeout = () => {
    throw new RequestTimeoutError(message);
  };
  try {
    const wire = await race(opening, { signal: hs.signal, ms: hs.timeoutMs, onTimeout });
    return { value: wire, status: 101 };
  } catch (error) {
    dropSocket(socket);
    return { error: error as CodexApiError };
  }
}

function dropSocket(socket: object | undefined): void {
  try {
    const s = socket as Partial<WsLike> | undefined;
    if (typeof s?.terminate === "function") s.terminate();
    else s?.close?.();
  } catch {
    // already closed
  }
}

interface Outcomes {
  opened(wire: Wire): void;
  failed(cause: unknown): void;
  refused(error: CodexApiError): void;
}

/** `ws`: the upgrade's headers, a refused upgrade read as an HTTP reply, Buffers for frames. */
function watchWs(ws: WsLike, hs: Handshake, out: Outcomes): void {
  let headers = new Headers();
  let status = 101;
  let wire: Wire | undefined;
  let tcp: Reply["socket"];
  ws.on("upgrade", (res: Reply) => {
    headers = toHeaders(res.headers);
    status = res.statusCode ?? status;
    tcp = res.socket;
  });
  ws.on("unexpected-response", (_req: unknown, res: Reply) => readRefusal(res, hs, out.refused));
  ws.on("open", () => {
    wire = {
      status,
      headers,
      listener: undefined,
      send: (text) => ws.send(text),
      terminate: () => ws.terminate(),
      close: () => ws.close(1000),
      canPause: true,
      pause: () => ws.pause(),
      resume: () => ws.resume(),
      hold: (held) => (held ? tcp?.ref() : tcp?.unref()),
    };
    tcp?.unref(); // idle until a request runs
    out.opened(wire);
  });
  ws.on("message", (data: Uint8Array, binary: boolean) => wire?.listener?.frame(data, binary));
  // An 'error' listener stays for the socket's whole life: ws throws an unheard 'error' event.
  ws.on("error", (error: unknown) => (wire ? wire.listener?.closed({ error }) : out.failed(error)));
  ws.on("close", (code: number, reason: Uint8Array) => {
    if (!wire) return out.failed(new Error(`closed during the handshake (code ${code})`));
    wire.listener?.closed({ code, reason: new TextDecoder().decode(reason) });
  });
}

/** A WHATWG WebSocket: no handshake headers and no status on failure; text arrives as strings. */
function watchWhatwg(ws: WhatwgLike, out: Outcomes): void {
  let wire: Wire | undefined;
  ws.binaryType = "arraybuffer";
  ws.addEventListener("open", () => {
    wire = {
      // An open WebSocket was upgraded with 101; this face does not show the reply.
      status: 101,
      headers: new Headers(),
      listener: undefined,
      send: (text) => ws.send(text),
      terminate: () => ws.close(1000),
      close: () => ws.close(1000),
      canPause: false,
      pause: () => {},
      resume: () => {},
      hold: () => {},
    };
    out.opened(wire);
  });
  ws.addEventListener("message", (e: { data: unknown }) => {
    const { data } = e;
    if (typeof data === "string") wire?.listener?.frame(encoder.encode(data), false);
    else wire?.listener?.frame(new Uint8Array(data as ArrayBuffer), true);
  });
  ws.addEventListener("error", (e: { error?: unknown; message?: string }) => {
    const error = e.error ?? new Error(e.message || "websocket error");
    if (wire) wire.listener?.closed({ error });
    else out.failed(error);
  });
  ws.addEventListener("close", (e: { code: number; reason: string }) => {
    if (!wire) return out.failed(new Error(`closed during the handshake (code ${e.code})`));
    wire.listener?.closed({ code: e.code, reason: e.reason });
  });
}
