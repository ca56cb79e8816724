// One attempt of a socket request, as the retry loop (src/transport/retry-loop.ts) runs it: reuse
// the open connection or open one (auth of this attempt, handshake within the request timeout),
// send the `response.create` (incremental where the rule allows), and wait for the first frame
// within the idle timeout. An in-band error as first frame fails the attempt, so the retry policy
// sends again on a new connection; `previous_response_not_found` is answered once with a full
// create on the same connection. Never throws.
import {
  CodexApiError,
  InvalidRequestError,
  StreamIdleTimeoutError,
  TransportError,
} from "../errors/catalogue.js";
import { abortError } from "../errors/map.js";
import type { ResponsesApiRequest } from "../generated/openapi.js";
import { assertHeaders, mergeHeaders } from "../transport/headers.js";
import { redactHeaders, type Scrubber } from "../transport/redact.js";
import type { AttemptOutcome } from "../transport/retry-loop.js";
import { callHook, type Logger, type Telemetry } from "../transport/telemetry.js";
import { Connection, type Channel } from "./connection.js";
import { errorFrame, inBandError, utf8Length } from "./frames.js";
import { fullCreate, planRequest, type Plan } from "./incremental.js";
import { openWire, type WebSocketConstructor } from "./wire.js";

/** What every attempt of one socket shares. */
export interface SocketContext {
  url: string;
  /** `GET url`, the start of every message. */
  where: string;
  webSocket: () => Promise<WebSocketConstructor>;
  perMessageDeflate: boolean;
  maxFrameBytes: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  scrubber: Scrubber;
  telemetry: Telemetry | undefined;
  logger: Logger | undefined;
  /** The open connection, if any (replaced when a new one opens). */
  connection: Connection | undefined;
  /** Set when the server refused the upgrade with 426 Upgrade Required. */
  upgradeRequired: boolean;
}

/** One request: its full body, handshake headers (without auth) and signal. */
export interface SocketRequest {
  body: ResponsesApiRequest;
  headers: Record<string, string>;
  signal: AbortSignal | undefined;
  /** This call's `requestTimeoutMs` (default: the client's). */
  timeoutMs?: number | undefined;
}

/** A request that was answered: its connection, the channel of its frames and what was sent. */
export interface Sent {
  connection: Connection;
  channel: Channel;
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
    ctx.connection = opened.value;
  }
  const connection = ctx.connection!;
  let plan = planRequest(request.body, connection.last);
  for (let resent = false; ; resent = true) {
    const check = (text: string) => inBandError(text, connection.details, ctx.where);
    const channel = connection.open(check);
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
    const first = await firstFrame(ctx, channel, request.signal);
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
    const error = check(first.value);
    if (error) {
      connection.drop(error);
      return { error };
    }
    return { value: { connection, channel, plan }, status: 101 };
  }
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
  } catch (error) {
    return { error: error as CodexApiError };
  }
  ctx.logger?.debug?.(`${ctx.where} websocket handshake`, { headers: redactHeaders(headers) });
  const init = { headers, perMessageDeflate: ctx.perMessageDeflate, maxPayload: ctx.maxFrameBytes };
  const opened = await openWire(Ctor, {
    url: ctx.url,
    init,
    where: ctx.where,
    timeoutMs: request.timeoutMs ?? ctx.requestTimeoutMs,
    signal: request.signal,
    scrubber: ctx.scrubber,
  });
  if ("error" in opened) {
    if (opened.error.status === 426) ctx.upgradeRequired = true;
    return opened;
  }
  return { value: new Connection(opened.value, ctx.maxFrameBytes, ctx.where), status: 101 };
}

/** The first frame's text, within the idle timeout; the caller's abort ends the wait. */
function firstFrame(
  ctx: SocketContext,
  channel: Channel,
  signal: AbortSignal | undefined,
): Promise<AttemptOutcome<string>> {
  return new Promise((resolve) => {
    const done = (outcome: AttemptOutcome<string>) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const onAbort = () => done({ error: abortError(signal) });
    const ms = ctx.idleTimeoutMs;
    const timer = Number.isFinite(ms)
      ? setTimeout(() => {
          const message = `${ctx.where}: no websocket frame for ${ms} ms after the request was sent (idle timeout)`;
          done({ error: new StreamIdleTimeoutError(message) });
        }, ms)
      : undefined;
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    channel.first.then(
      (value) => done({ value }),
      (error: CodexApiError) => done({ error }),
    );
  });
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
