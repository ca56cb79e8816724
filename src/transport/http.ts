// The HTTP transport: a `fetch` wrapper handed to the generated client per call. It checks the URL
// and compresses the body once, then lets the retry loop (./retry-loop.ts) send it: each attempt
// adds the auth headers (last, checked like every header) and runs ./attempt.ts. It resolves only
// with a 2xx reply; what no retry can fix (a bad URL or header, compression) rejects before sending.
import { InvalidRequestError } from "../errors/catalogue.js";
import { abortError } from "../errors/map.js";
import { withQuery } from "../provider.js";
import { sendOnce } from "./attempt.js";
import type { AuthProvider } from "./auth.js";
import { compress, type Compression } from "./compress.js";
import { assertHeaders } from "./headers.js";
import { redactHeaders, type Scrubber } from "./redact.js";
import type { RetryConfig } from "./retry.js";
import { withRetries } from "./retry-loop.js";
import type { Endpoint, Logger, Telemetry } from "./telemetry.js";

/** What the client's transport is built from (one per client). */
export interface TransportOptions {
  retry: RetryConfig;
  /** Per attempt (ms; Infinity for none). */
  requestTimeoutMs: number;
  /** The largest JSON reply read, in decoded bytes. */
  maxReplyBytes: number;
  queryParams?: Record<string, string> | undefined;
  auth?: AuthProvider | undefined;
  fetch?: typeof fetch | undefined;
  telemetry?: Telemetry | undefined;
  logger?: Logger | undefined;
  /** The client's scrubber: it learns each attempt's auth values. */
  scrubber: Scrubber;
}

/** One call through the transport. */
export interface Call {
  endpoint: Endpoint;
  /** A stream's timeout covers the reply's headers; a JSON call's covers its whole body. */
  stream: boolean;
  compression?: Compression;
  signal?: AbortSignal | undefined;
}

/**
 * What openapi-fetch builds per call instead of a `Request`: building one real Request there and
 * another inside fetch doubles the per-call cost. It keeps what fetch needs.
 */
export class LiteRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: BodyInit | null;
  constructor(url: string | URL, init: RequestInit = {}) {
    this.url = String(url);
    this.method = init.method ?? "GET";
    this.headers = new Headers(init.headers);
    this.body = init.body ?? null;
  }
}

/** The client's transport. */
export interface Transport {
  /** The fetch for one call: resolves with a 2xx reply, or rejects with a CodexApiError. */
  fetchFor(call: Call): (request: Request) => Promise<Response>;
  /** Passed to openapi-fetch as its `Request` class. */
  Request: typeof Request;
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
  const { retry, requestTimeoutMs, maxReplyBytes, auth, telemetry, logger, scrubber } = options;

  function fetchFor(call: Call) {
    return async (request: Request): Promise<Response> => {
      const { signal } = call;
      if (signal?.aborted) throw abortError(signal);
      const url = withQuery(request.url, options.queryParams);
      const where = `${request.method} ${url.split("?")[0]}`;
      assertUrl(url, where);
      const rawBody = (request as unknown as LiteRequest).body;
      // A GET (GET /models) has no body to compress or send.
      const text =
        rawBody === null ? undefined : typeof rawBody === "string" ? rawBody : await request.text();
      const compression = call.compression ?? "none";
      const body = text === undefined ? undefined : await compress(text, compression);
      const baseHeaders = new Headers(request.headers);
      scrubber.addHeaders(baseHeaders);
      if (compression !== "none") baseHeaders.set("Content-Encoding", compression);
      const send = options.fetch ?? globalThis.fetch;
      const loop = {
        endpoint: call.endpoint,
        where,
        retry,
        auth,
        signal,
        timeoutMs: requestTimeoutMs,
        telemetry,
        logger,
        scrubber,
      };

      return withRetries(loop, (secrets, attempt) => {
        scrubber.addHeaders(secrets);
        assertHeaders(secrets);
        const headers = new Headers(baseHeaders);
        for (const [name, value] of Object.entries(secrets)) headers.set(name, value);
        logger?.debug?.(`${where} attempt ${attempt}`, { headers: redactHeaders(headers) });
        return sendOnce({
          send,
          url,
          method: request.method,
          headers,
          body,
          stream: call.stream,
          signal,
          timeoutMs: requestTimeoutMs,
          maxReplyBytes,
          where,
          scrubber,
        });
      });
    };
  }

  return { fetchFor, Request: LiteRequest as unknown as typeof Request };
}
