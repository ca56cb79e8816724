// One attempt of a socket request, as the retry loop (src/transport/retry-loop.ts) runs it: reuse
// the open connection or open one (auth of this attempt, handshake within the request timeout),
// send the `response.create` (incremental where the rule allows), and wait for the first frame
// within the idle timeout. An in-band error as first frame fails the attempt, so the retry policy
// sends again on a new connection; `previous_response_not_found` is answered once with a full
// create on the same connection. Never throws.
import { CodexApiError, InvalidRequestError, TransportError } from "../errors/catalogue.js";
import { inBandError } from "../errors/frames.js";
import { abortError, errorFrame } from "../errors/map.js";
import type { ResponsesApiRequest } from "../generated/openapi.js";
import { assertHeaders, mergeHeaders } from "../transport/headers.js";
import { redactHeaders, type Scrubber } from "../transport/redact.js";
import type { AttemptOutcome } from "../transport/retry-loop.js";
import { callHook, type Logger, type Telemetry } from "../transport/telemetry.js";
import { race } from "../transport/race.js";
import { utf8Length } from "../util.js";
import { Connection } from "./connection.js";
import { fullCreate, planRequest, type Plan } from "./incremental.js";
import type { SocketSource } from "./source.js";
import { openWire, type WebSocketConstructor } from "./wire.js";

// The largest maxPayload `ws` keeps as given (it truncates the option to a signed 32-bit integer).
const MAX_WS_PAYLOAD = 2 ** 31 - 1;

/** What every attempt of one socket shares. */
export interface SocketContext {
  url: string;
  /** `GET url`, the start of every message. */
  where: string;
  webSocket: () => Promise<WebSocketConstructor>;
  perMessageDeflate: boolean;
  maxFrameBytes: number;
  requestTimeoutMs: number;
  /** Bounds each handshake besides the request timeout (`connectTimeoutMs`). */
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  scrubber: Scrubber;
  telemetry: Telemetry | undefined;
  logger: Logger | undefined;
  /** The open connection, if any (replaced when a new one opens). */
  connection: Connection | undefined;
  /** Set when the server refused the upgrade with 426 Upgrade Required. */
  upgradeRequired: boolean;
  /** Whether the last handshake failed (its error came from the upgrade, not a request). */
  handshakeFailed: boolean;
}

/** One request: its full body, handshake headers (without auth) and signal. */
export interface SocketRequest {
  body: ResponsesApiRequest;
  headers: Record<string, string>;
  signal: AbortSignal | undefined;
  /** This call's `requestTimeoutMs` (default: the client's). */
  timeoutMs?: number | undefined;
}

/** A request that was answered: its connection, the source of its frames and what was sent. */
export interface Sent {
  connection: Connection;
  source: SocketSource;
  plan: Plan;
}

/** Sends `request` once; the first frame arrived, or the error the attempt ended in. */
export async function sendOnce(
  ctx: SocketContext,
  request: SocketRequest,
  auth: Record<string, string>,
  attempt: number,
): Promise<AttemptOutcome<Sent>> {
  const reused = ctx.connection !== undefined && !ctx.connection.closed;
  if (!reused) {
    const opened = await connect(ctx, request, auth);
    if ("error" in opened) return opened;
    // Opened as the caller aborted or closed the socket: it is not kept.
    if (request.signal?.aborted) {
      const error = abortError(request.signal);
      opened.value.drop(error);
      return { error };
    }
    ctx.connection = opened.value;
  }
  const connection = ctx.connection!;
  let plan = planRequest(request.body, connection.last);
  for (let resent = false; ; resent = true) {
    const source = connection.open();
    const text = JSON.stringify(plan.frame);
    try {
      connection.wire.send(text);
    } catch (cause) {
      const error = new TransportError(`${ctx.where}: the request could not be sent`, { cause });
      connection.drop(error);
      return { error };
    }
    const info = {
      attempt,
      connectionReused: reused || resent,
      incremental: plan.incremental,
      bytesSent: utf8Length(text),
    };
    callHook(ctx.telemetry?.onWebSocketRequest, info, ctx.logger, "onWebSocketRequest");
    const first = await firstFrame(source, request.signal);
    if ("error" in first) {
      connection.drop(first.error);
      return first;
    }
    const code = errorFrame(first.value)?.code;
    if (code === "previous_response_not_found" && plan.incremental && !resent) {
      connection.last = undefined;
      plan = fullCreate(request.body);
      continue; // once, on the same connection, outside the retry budget
    }
    const error = inBandError(first.value, connection.details, ctx.where);
    if (error) {
      connection.drop(error);
      return { error };
    }
    return { value: { connection, source, plan }, status: connection.wire.status };
  }
}

/** A preconnect's attempt: opens a connection (handshake only) unless one is open. Never throws. */
export async function connectOnly(
  ctx: SocketContext,
  request: SocketRequest,
  auth: Record<string, string>,
): Promise<AttemptOutcome<void>> {
  if (ctx.connection !== undefined && !ctx.connection.closed) return { value: undefined };
  const opened = await connect(ctx, request, auth);
  if ("error" in opened) return opened;
  ctx.connection = opened.value;
  return { value: undefined, status: 101 };
}

/** Opens a connection with this attempt's auth headers (added last). */
async function connect(
  ctx: SocketContext,
  request: SocketRequest,
  auth: Record<string, string>,
): Promise<AttemptOutcome<Connection>> {
  let Ctor: WebSocketConstructor;
  let headers: Record<string, string>;
  try {
    Ctor = await ctx.webSocket();
    ctx.scrubber.addHeaders(auth);
    assertHeaders(auth);
    headers = mergeHeaders(request.headers, auth);
    // The handshake's own secrets (per-call and provider headers, a getter's value) as over HTTP.
    ctx.scrubber.addHeaders(headers);
  } catch (error) {
    return { error: error as CodexApiError };
  }
  ctx.logger?.debug?.(`${ctx.where} websocket handshake`, { headers: redactHeaders(headers) });
  // `ws` reads maxPayload as a 32-bit integer (2^32 would be 0, "no limit", and 2^32 + 5 five
  // bytes): a larger finite limit is held at 2^31 - 1 (no frame that large can become a string
  // anyway), so a hostile endless frame is never buffered without bound; Infinity is no limit.
  const maxPayload = Number.isFinite(ctx.maxFrameBytes)
    ? Math.min(ctx.maxFrameBytes, MAX_WS_PAYLOAD)
    : 0;
  const init = { headers, perMessageDeflate: ctx.perMessageDeflate, maxPayload };
  const requestMs = request.timeoutMs ?? ctx.requestTimeoutMs;
  const byConnect = ctx.connectTimeoutMs < requestMs;
  const opened = await openWire(Ctor, {
    url: ctx.url,
    init,
    where: ctx.where,
    timeoutMs: byConnect ? ctx.connectTimeoutMs : requestMs,
    timeoutName: byConnect ? "connectTimeoutMs" : "request timeout",
    signal: request.signal,
    scrubber: ctx.scrubber,
  });
  ctx.handshakeFailed = "error" in opened;
  if ("error" in opened) {
    if (opened.error.status === 426) ctx.upgradeRequired = true;
    return opened;
  }
  const limits = {
    where: ctx.where,
    maxEventBytes: ctx.maxFrameBytes,
    idleTimeoutMs: ctx.idleTimeoutMs,
  };
  return { value: new Connection(opened.value, limits), status: opened.value.status };
}

/** The first frame's text (the source's idle timer bounds the wait); the caller's abort ends it. */
async function firstFrame(
  source: SocketSource,
  signal: AbortSignal | undefined,
): Promise<AttemptOutcome<string>> {
  try {
    return { value: await race(source.first, { signal }) };
  } catch (error) {
    return { error: error as CodexApiError };
  }
}

/** The `ws` package, loaded on first use; else the runtime's own WebSocket. */
export async function defaultWebSocket(): Promise<WebSocketConstructor> {
  try {
    return (await import("ws")).default as unknown as WebSocketConstructor;
  } catch (cause) {
    const own: WebSocketConstructor | undefined = globalThis.WebSocket;
    if (own) return own;
    throw new InvalidRequestError(
      "codex-api/websocket: no WebSocket implementation; install the `ws` package or pass `webSocket`",
      { cause },
    );
  }
}
