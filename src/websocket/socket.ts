// connectResponses: Responses over one reused WebSocket connection (README "Responses over
// WebSocket"). Requests are serialized; each one's attempt runs under the client's retry policy
// (`transport.run`) and its frames are read by the same ResponseStream as over HTTP. A 426 on the
// upgrade moves the socket to HTTP for good.
import type { CodexClient } from "../client.js";
import { internalsOf } from "../internals.js";
import { AbortError, InvalidRequestError } from "../errors/catalogue.js";
import type { ResponsesApiRequest } from "../generated/openapi.js";
import { abortError } from "../errors/map.js";
import { isAzureResponsesEndpoint } from "../provider.js";
import { urlFor } from "../transport/url.js";
import {
  buildResponsesBody,
  callHeaders,
  checkResponsesOptions,
  type CheckedResponsesOptions as Checked,
  checkResponsesCall,
  type ResponsesOptions,
  type ResponsesRequest,
} from "../resources/responses.js";
import type { ResponseStream } from "../stream/response-stream.js";
import { mergeHeaders } from "../transport/headers.js";
import { anySignal } from "../transport/race.js";
import type { SendOnce } from "../transport/retry-loop.js";
import {
  connectOnly,
  defaultWebSocket,
  sendOnce,
  type SocketContext,
  type SocketRequest,
} from "./attempt.js";
import { fallbackReason } from "./fallback.js";
import { snapshot } from "./incremental.js";
import {
  checkHandshakeHeaders,
  checkSocketOptions,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type ResponsesSocketOptions,
} from "./options.js";
import { answered, queue } from "./turn.js";
import type { WebSocketConstructor } from "./wire.js";

/** Responses over one WebSocket connection, opened on first use and reused across requests. */
export interface ResponsesSocket {
  /** Like `client.responses.stream`; resolves at the first frame. A second call waits for the first stream to end. */
  stream(request: ResponsesRequest, options?: ResponsesOptions): Promise<ResponseStream>;
  /** Sends the request with `generate: false` and resolves with its response id at completion. */
  warmup(request: ResponsesRequest, options?: ResponsesOptions): Promise<string>;
  /**
   * Opens the connection ahead of the first request (handshake only, with these options' headers,
   * under the retry policy); the next request reuses it. Resolves at once when a connection is
   * open or the socket uses HTTP. A failed handshake rejects with its error and leaves nothing
   * behind: the next request connects afresh. `close()` ends it with an `AbortError`.
   */
  preconnect(options?: ResponsesOptions): Promise<void>;
  /** "websocket", or "http" after the server refused the upgrade with 426. */
  readonly transport: "websocket" | "http";
  /** Closes the connection (code 1000); later calls reject. */
  close(): Promise<void>;
}

/** Sent with every handshake: the WebSocket protocol version of the Responses API. */
export const OPENAI_BETA = "responses_websockets=2026-02-06";
const CLOSE_WAIT_MS = 1_000;

/** Opens Responses over WebSocket for `client` (lazily: nothing is sent before the first request). */
export function connectResponses(
  client: CodexClient,
  options: ResponsesSocketOptions = {},
): ResponsesSocket {
  checkSocketOptions(options);
  const internals = internalsOf(client);
  if (!internals)
    throw new InvalidRequestError("connectResponses: `client` is not from createClient");
  const { endpoints, sendResponses } = internals;
  const { provider, scrubber, telemetry, logger } = endpoints;
  checkHandshakeHeaders(provider.headers, "provider.headers", "connectResponses");
  const url = urlFor(provider, "responses").replace(/^http(s?):/i, "ws$1:");
  const where = `GET ${url.split("?")[0]}`;
  const azure = isAzureResponsesEndpoint(provider);
  const shared = { azure, where, scrubber, telemetry, logger };
  let loading: Promise<WebSocketConstructor> | undefined;
  const ctx: SocketContext = {
    url,
    where,
    webSocket: () =>
      (loading ??= options.webSocket ? Promise.resolve(options.webSocket) : defaultWebSocket()),
    perMessageDeflate: options.perMessageDeflate ?? true,
    maxFrameBytes: endpoints.maxEventBytes,
    requestTimeoutMs: internals.requestTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: endpoints.streamIdleTimeoutMs,
    scrubber,
    telemetry,
    logger,
    connection: undefined,
    upgradeRequired: false,
    handshakeFailed: false,
  };
  const acquire = queue();
  let transport: "websocket" | "http" = "websocket";
  let closed = false;
  const closing = new AbortController();
  const overHttpRuns = new Set<AbortController>(); // see overHttp
  const isClosed = () => new InvalidRequestError(`${where}: this socket was closed`);

  /** The headers of a handshake opened for a call with these options (auth is added per attempt). */
  function handshakeHeaders(opts: Checked, call: string): Record<string, string> {
    checkHandshakeHeaders(opts.headers, "options.headers", call);
    const own = { ...callHeaders(opts), "OpenAI-Beta": OPENAI_BETA };
    return mergeHeaders(provider.headers, own, opts.headers);
  }

  /**
   * One request's attempts under the transport's policy (auth, retries, telemetry). close() during
   * them ends them with AbortError, whatever the last attempt ended in (a 426 from a hook included).
   */
  function attempts<T>(opts: Checked, req: SocketRequest, once: SendOnce<T>): Promise<T> {
    const { signal, timeoutMs } = req;
    const call = { endpoint: "responses" as const, where, signal, retry: opts.retry };
    return endpoints.transport.run({ ...call, requestTimeoutMs: timeoutMs }, once).catch((e) => {
      throw closed && !(e instanceof AbortError) ? abortError(signal) : e;
    });
  }

  /** The handshake only, in the queue like a request; `close()` aborts it. */
  async function preconnect(given: ResponsesOptions | undefined): Promise<void> {
    const opts = checkResponsesOptions("socket.preconnect", given);
    const headers = handshakeHeaders(opts, "socket.preconnect");
    if (closed) throw isClosed();
    const release = await acquire(opts.signal);
    const bound = anySignal(opts.signal, closing.signal);
    try {
      if (closed) throw isClosed();
      if (transport === "http") return;
      const timeoutMs = opts.requestTimeoutMs ?? ctx.requestTimeoutMs;
      const body = {} as ResponsesApiRequest;
      const req = { body, headers, signal: bound.signal, timeoutMs };
      await attempts(opts, req, (auth) => connectOnly(ctx, req, auth));
      if (closed) throw isClosed();
    } catch (error) {
      // Only a 426 moves the socket here: "on-failure" is about a request's attempts.
      const why = movesToHttp(error, false);
      if (!why) throw error;
      transport = "http";
      logger?.warn?.(`${where}: ${why}; this socket uses HTTP from now on`);
    } finally {
      bound.dispose();
      if (closed) ctx.connection?.drop();
      release();
    }
  }

  /** Sends over the socket; undefined when the socket moved to HTTP meanwhile. */
  async function send(request: ResponsesRequest, opts: Checked, warmup: boolean) {
    const headers = handshakeHeaders(opts, warmup ? "socket.warmup" : "socket.stream");
    // What is sent, and later compared with, is this snapshot: never the caller's own objects.
    const built = { ...buildResponsesBody(request, azure), ...(warmup ? { generate: false } : {}) };
    const body = snapshot(built, where);
    const release = await acquire(opts.signal);
    // close() ends the attempt wherever it is: a handshake, a backoff, the wait for a first frame.
    const bound = anySignal(opts.signal, closing.signal);
    try {
      if (closed) throw isClosed();
      if (transport === "http") return release();
      const timeoutMs = opts.requestTimeoutMs ?? ctx.requestTimeoutMs;
      const req = { body, headers, signal: bound.signal, timeoutMs };
      const sent = await attempts(opts, req, (auth, n) => sendOnce(ctx, req, auth, n));
      return answered(sent, { body, opts, warmup, release }, shared);
    } catch (error) {
      release();
      throw error;
    } finally {
      bound.dispose();
    }
  }

  /** Why this failure moves the socket to HTTP for good (see ./fallback.ts); never once closed. */
  const movesToHttp = (error: unknown, request = true) =>
    closed ? undefined : fallbackReason(options.fallbackToHttp ?? true, ctx, error, request);

  /** Over the socket, or over HTTP once the upgrade was refused with 426. */
  async function request(
    req: ResponsesRequest,
    given: ResponsesOptions | undefined,
    warmup: boolean,
  ) {
    const opts = checkResponsesCall(warmup ? "socket.warmup" : "socket.stream", req, given);
    if (closed) throw isClosed();
    if (transport === "websocket") {
      try {
        const stream = await send(req, opts, warmup);
        if (stream) return stream;
      } catch (error) {
        const why = movesToHttp(error);
        if (!why) throw error;
        transport = "http";
        logger?.warn?.(`${where}: ${why}; this socket uses HTTP from now on`);
      }
    }
    if (!warmup) return overHttp(req, opts);
    // HTTP keeps no state between requests: there is nothing to warm up, but an aborted call
    // rejects as it does over the socket.
    if (opts.signal?.aborted) throw abortError(opts.signal);
    return undefined;
  }

  /**
   * A request over HTTP, which close() ends as it ends one over the socket. Each has a controller
   * of its own in `overHttpRuns` rather than a listener on `closing`: a dozen streams at once would
   * make Node warn of a listener leak on a signal the caller cannot reach. What was made for the
   * request is let go of when its stream ends, so nothing piles up on a long-lived signal.
   */
  async function overHttp(req: ResponsesRequest, opts: Checked): Promise<ResponseStream> {
    const own = new AbortController();
    if (closing.signal.aborted) own.abort(closing.signal.reason);
    overHttpRuns.add(own);
    const bound = anySignal(opts.signal, own.signal);
    const release = () => {
      overHttpRuns.delete(own);
      bound.dispose();
    };
    try {
      return await sendResponses(req, { ...opts, signal: bound.signal, onRelease: release });
    } catch (error) {
      release();
      throw error;
    }
  }

  return {
    get transport() {
      return transport;
    },
    stream: (req, opts) => request(req, opts, false) as Promise<ResponseStream>,
    preconnect: (opts) => preconnect(opts),
    async warmup(req, opts) {
      const stream = await request(req, opts, true);
      return stream ? (await stream.collect()).responseId : "";
    },
    async close() {
      closed = true;
      const connection = ctx.connection;
      ctx.connection = undefined;
      const error = new AbortError("the socket was closed by the caller", connection?.details);
      const shut = connection?.shutdown(error, CLOSE_WAIT_MS);
      // Then whatever is not on the connection yet: a handshake, a backoff, a queued auth call.
      closing.abort(error);
      for (const run of overHttpRuns) run.abort(error);
      await shut;
    },
  };
}
