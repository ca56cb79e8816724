// The HTTP transport: a `fetch` wrapper handed to the generated client per call. It compresses the
// body once, then lets the retry loop (./retry-loop.ts) send it: each attempt adds the auth headers
// (last), enforces the request timeout and turns a non-2xx reply into an error class. It resolves
// only with a 2xx reply.
import {
  CodexApiError,
  InvalidResponseError,
  RequestTimeoutError,
  TransportError,
} from "../errors/catalogue.js";
import { abortError, errorFromHttp, replyDetails } from "../errors/map.js";
import { withQuery } from "../provider.js";
import { snippet } from "../util.js";
import type { AuthProvider } from "./auth.js";
import { compress, type Compression } from "./compress.js";
import { assertHeaderValues } from "./headers.js";
import { redactHeaders, type Scrubber } from "./redact.js";
import { serverRetryAfterMs, type RetryConfig } from "./retry.js";
import { withRetries, type AttemptOutcome } from "./retry-loop.js";
import type { Endpoint, Logger, Telemetry } from "./telemetry.js";

/** What the client's transport is built from (one per client). */
export interface TransportOptions {
  retry: RetryConfig;
  requestTimeoutMs: number;
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

/** One HTTP send, fully prepared. */
interface HttpAttempt {
  send: typeof fetch;
  url: string;
  method: string;
  headers: Headers;
  body: Uint8Array | string;
  stream: boolean;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  /** `METHOD url`, the start of every message. */
  where: string;
  /** Cleans any reply text that is quoted. */
  scrubber: Scrubber;
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

/**
 * A JSON reply whose body was read inside the request timeout, handed to openapi-fetch. A real
 * `new Response(text)` would build a second body stream per call; openapi-fetch only reads
 * `status`, `ok`, `headers` and `text()`.
 */
function jsonReply(response: Response, text: string): Response {
  const { status, ok, statusText, headers, url } = response;
  const reply = { status, ok, statusText, headers, url, text: () => Promise.resolve(text) };
  return Object.assign(reply, { json: () => reply.text().then(JSON.parse) }) as unknown as Response;
}

/** The client's transport. */
export interface Transport {
  /** The fetch for one call: resolves with a 2xx reply, or rejects with a CodexApiError. */
  fetchFor(call: Call): (request: Request) => Promise<Response>;
  /** Passed to openapi-fetch as its `Request` class. */
  Request: typeof Request;
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
  return String(detail);
}

/** One send: a 2xx Response, or the error it ended in (never throws). */
async function sendOnce(a: HttpAttempt): Promise<AttemptOutcome<Response>> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, a.timeoutMs);
  const onAbort = () => controller.abort();
  a.signal?.addEventListener("abort", onAbort, { once: true });
  const fail = (error: CodexApiError) => ({ error });
  try {
    // Not called as `a.send(...)`: a browser's or workerd's fetch refuses another `this`.
    const send = a.send;
    const response = await send(a.url, {
      method: a.method,
      headers: a.headers,
      body: a.body as BodyInit,
      signal: controller.signal,
      redirect: "follow",
    });
    const details = replyDetails(response);
    if (response.ok && a.stream) return { value: response, status: response.status };
    const text = await response.text();
    if (!response.ok) {
      const retryAfterMs = serverRetryAfterMs(response.headers);
      const body = a.scrubber.text(text);
      return fail(errorFromHttp(response.status, body, { ...details, retryAfterMs }, a.where));
    }
    try {
      JSON.parse(text);
    } catch {
      const said = text.trim() ? snippet(a.scrubber.text(text)) : "(empty body)";
      const message = `${a.where}: HTTP ${response.status} reply is not JSON: ${said}`;
      return fail(new InvalidResponseError(message, details));
    }
    return { value: jsonReply(response, text), status: response.status };
  } catch (error) {
    if (timedOut) {
      const message = `${a.where}: no reply within ${a.timeoutMs} ms (request timeout)`;
      return fail(new RequestTimeoutError(message, { cause: error }));
    }
    if (a.signal?.aborted) return fail(abortError(a.signal));
    if (error instanceof CodexApiError) return fail(error);
    const message = `${a.where}: ${describeFetchFailure(error)}`;
    return fail(new TransportError(message, { cause: error }));
  } finally {
    clearTimeout(timer);
    a.signal?.removeEventListener("abort", onAbort);
  }
}

/** The transport of one client: every call's policy lives here and in the retry loop. */
export function createTransport(options: TransportOptions): Transport {
  const { retry, requestTimeoutMs, auth, telemetry, logger, scrubber } = options;

  function fetchFor(call: Call) {
    return async (request: Request): Promise<Response> => {
      const { signal } = call;
      if (signal?.aborted) throw abortError(signal);
      const url = withQuery(request.url, options.queryParams);
      const where = `${request.method} ${url.split("?")[0]}`;
      const rawBody = (request as unknown as LiteRequest).body;
      const text = typeof rawBody === "string" ? rawBody : await request.text();
      const compression = call.compression ?? "none";
      const body = await compress(text, compression);
      const baseHeaders = new Headers(request.headers);
      if (compression !== "none") baseHeaders.set("Content-Encoding", compression);
      const send = options.fetch ?? globalThis.fetch;
      const loop = {
        endpoint: call.endpoint,
        where,
        retry,
        auth,
        signal,
        telemetry,
        logger,
        scrubber,
      };

      return withRetries(loop, (secrets, attempt) => {
        scrubber.addHeaders(secrets);
        assertHeaderValues(secrets);
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
          where,
          scrubber,
        });
      });
    };
  }

  return { fetchFor, Request: LiteRequest as unknown as typeof Request };
}
