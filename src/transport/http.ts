// The HTTP transport: the `Send` the generated typed functions call. It builds and checks the URL,
// serializes and compresses the body once, then lets the retry loop (./retry-loop.ts) send it:
// each attempt adds the auth headers (last, checked like every header) and runs ./attempt.ts. It
// resolves only with a 2xx reply; what no retry can fix (a bad URL or header, compression) rejects
// before sending.
import { InvalidRequestError } from "../errors/catalogue.js";
import { abortError } from "../errors/map.js";
import { withQuery } from "./url.js";
import { sendOnce } from "./attempt.js";
import type { AuthProvider } from "./auth.js";
import type { Compression } from "./compress.js";
import { assertHeaders } from "./headers.js";
import { redactHeaders, type Scrubber } from "./redact.js";
import { retryConfig, type RetryConfig } from "./retry.js";
import { withRetries, type SendOnce } from "./retry-loop.js";
import type { Endpoint, Logger, Telemetry } from "./telemetry.js";
import type { Send } from "./send.js";

/** What the client's transport is built from (one per client). */
export interface TransportOptions {
  retry: RetryConfig;
  /** Per attempt (ms; Infinity for none). */
  requestTimeoutMs: number;
  /** The largest JSON reply read, in decoded bytes. */
  maxReplyBytes: number;
  /** The provider's base URL, trailing slashes trimmed. */
  baseUrl: string;
  queryParams?: Record<string, string> | undefined;
  auth?: AuthProvider | undefined;
  fetch?: typeof fetch | undefined;
  telemetry?: Telemetry | undefined;
  logger?: Logger | undefined;
  /** The client's scrubber: it learns each attempt's auth values. */
  scrubber: Scrubber;
}

/** What one call may change of the client's policy (its options, checked). */
export interface CallPolicy {
  /** How the body is compressed (default "none"). */
  compression?: Compression | undefined;
  /** Over the client's retry policy, for this call. */
  retry?: Partial<RetryConfig> | undefined;
  /** This call's request timeout (ms; default the client's). */
  requestTimeoutMs?: number | undefined;
}

/** One call that `Transport.run` sends: which endpoint, where (for messages), the caller's signal. */
export interface RunCall extends CallPolicy {
  endpoint: Endpoint;
  /** `METHOD url`, the start of every message. */
  where: string;
  signal?: AbortSignal | undefined;
}

/** The client's transport. */
export interface Transport {
  /**
   * The Send of one endpoint's calls (src/generated/client.ts): resolves with a 2xx reply, or
   * rejects with a CodexApiError.
   */
  sender(endpoint: Endpoint, call?: CallPolicy): Send;
  /**
   * Runs `attempt` under the client's retry policy, or the call's where it gives one (auth read per
   * attempt, one 401 refresh, backoff, telemetry) until it succeeds or the policy stops: a second
   * transport (the WebSocket one) hands over its attempt and nothing else.
   */
  run<T>(call: RunCall, attempt: SendOnce<T>): Promise<T>;
}

/** Throws InvalidRequestError (not retried) unless fetch can send to `url`. */
function assertUrl(url: string, where: string): void {
  try {
    new URL(url);
  } catch {
    throw new InvalidRequestError(`${where}: not a valid URL`, { code: "invalid_url" });
  }
}

/** The transport of one client: every call's policy lives here and in the retry loop. */
export function createTransport(options: TransportOptions): Transport {
  const { maxReplyBytes, auth, telemetry, logger, scrubber } = options;

  function run<T>(call: RunCall, attempt: SendOnce<T>): Promise<T> {
    const { endpoint, where, signal } = call;
    const retry = call.retry ? retryConfig(call.retry, options.retry) : options.retry;
    const timeoutMs = call.requestTimeoutMs ?? options.requestTimeoutMs;
    const loop = { endpoint, where, signal, retry, auth, timeoutMs, telemetry, logger, scrubber };
    return withRetries(loop, attempt);
  }

  function sender(endpoint: Endpoint, call: CallPolicy = {}): Send {
    const compression = call.compression ?? "none";
    const requestTimeoutMs = call.requestTimeoutMs ?? options.requestTimeoutMs;
    return async (request) => {
      const { signal, stream, method } = request;
      if (signal?.aborted) throw abortError(signal);
      // The call's own query (already wire text) after the provider's `queryParams`.
      const own = new URLSearchParams(request.query ?? []).toString();
      const path = options.baseUrl + request.path;
      const url = withQuery(own ? `${path}?${own}` : path, options.queryParams);
      const where = `${method} ${url.split("?")[0]}`;
      assertUrl(url, where);
      const baseHeaders = new Headers(request.headers);
      let body: Uint8Array | string | undefined;
      // A GET (GET /models) has no body to compress or send.
      if (request.body !== undefined) {
        body = jsonBody(request.body, where);
        // The compressor (and its check of the mode) is loaded on first use: most calls send "none".
        if (compression !== "none")
          body = await (await import("./compress.js")).compress(body, compression);
        if (!baseHeaders.has("content-type")) baseHeaders.set("Content-Type", "application/json");
        if (compression !== "none") baseHeaders.set("Content-Encoding", compression);
      }
      scrubber.addHeaders(baseHeaders);
      const send = options.fetch ?? globalThis.fetch;
      return run({ ...call, endpoint, where, signal }, (secrets, attempt) => {
        scrubber.addHeaders(secrets);
        assertHeaders(secrets);
        const headers = new Headers(baseHeaders);
        for (const [name, value] of Object.entries(secrets)) headers.set(name, value);
        logger?.debug?.(`${where} attempt ${attempt}`, { headers: redactHeaders(headers) });
        return sendOnce({
          send,
          url,
          method,
          headers,
          body,
          stream,
          signal,
          timeoutMs: requestTimeoutMs,
          maxReplyBytes,
          where,
          scrubber,
        });
      });
    };
  }

  return { sender, run };
}

/** The request body as JSON; a body JSON cannot write (a cycle, a BigInt) is an InvalidRequestError. */
function jsonBody(body: unknown, where: string): string {
  try {
    return JSON.stringify(body);
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new InvalidRequestError(`${where}: the request cannot be sent as JSON (${why})`, {
      param: "request",
      code: "invalid_option",
    });
  }
}
