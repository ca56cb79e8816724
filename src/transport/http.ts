// The one transport policy of every endpoint: a `fetch` wrapper handed to the generated client per
// call. It adds auth (per attempt, last), query params and compression, enforces the request
// timeout, turns non-2xx replies into error classes, retries with backoff and Retry-After, and
// refreshes auth once on a 401. It resolves only with a 2xx reply.
import { authHeaders, type AuthProvider } from "./auth.js";
import {
  AbortError,
  AuthError,
  CodexApiError,
  InvalidRequestError,
  InvalidResponseError,
  RequestTimeoutError,
  TransportError,
  detailsOf,
  errorFromHttp,
  replyDetails,
  snippet,
} from "../errors/catalogue.js";
import { assertHeaderValues } from "./headers.js";
import { withQuery } from "../provider.js";
import { retryDelayMs, serverRetryAfterMs, shouldRetry, type RetryConfig } from "./retry.js";
import {
  callHook,
  redactHeaders,
  type Endpoint,
  type Logger,
  type Telemetry,
} from "./telemetry.js";

export type Compression = "none" | "gzip" | "zstd";

export interface TransportOptions {
  retry: RetryConfig;
  requestTimeoutMs: number;
  queryParams?: Record<string, string>;
  auth?: AuthProvider;
  fetch?: typeof fetch;
  telemetry?: Telemetry;
  logger?: Logger;
}

export interface Call {
  endpoint: Endpoint;
  /** A stream's timeout covers the reply's headers; a JSON call's covers its whole body. */
  stream: boolean;
  compression?: Compression;
  signal?: AbortSignal;
}

/**
 * What openapi-fetch builds per call instead of a `Request`: building one real Request there and
 * another inside fetch doubles the per-call cost (toolchain.md §6c). It keeps what fetch needs.
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

export interface Transport {
  /** The fetch for one call: resolves with a 2xx reply, or rejects with a CodexApiError. */
  fetchFor(call: Call): (request: Request) => Promise<Response>;
  /** Passed to openapi-fetch as its `Request` class. */
  Request: typeof Request;
}

const abortError = () => new AbortError("the request was aborted by the caller");

/** Waits `ms`, or rejects with AbortError as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function compress(body: string, mode: Compression): Promise<Uint8Array | string> {
  if (mode === "none") return body;
  if (mode === "gzip") {
    if (typeof CompressionStream !== "function") {
      throw new InvalidRequestError(
        "compression: gzip is not available in this runtime (no CompressionStream); use none",
      );
    }
    const stream = new Blob([body]).stream().pipeThrough(new CompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  // zstd: only where the runtime has an encoder (node:zlib from Node 22.15 / 23.8).
  type Zlib = {
    zstdCompressSync?: (b: string, o: object) => Uint8Array;
    constants?: Record<string, number>;
  };
  // A module name in a variable: bundlers for browsers and edge runtimes leave it alone.
  const zlibModule = "node:zlib";
  const zlib: Zlib | undefined = await import(/* @vite-ignore */ zlibModule).catch(() => undefined);
  const level = zlib?.constants?.["ZSTD_c_compressionLevel"];
  if (!zlib?.zstdCompressSync || level === undefined) {
    throw new InvalidRequestError(
      "compression: zstd is not available in this runtime (no zstd encoder); use gzip or none",
    );
  }
  return zlib.zstdCompressSync(body, { params: { [level]: 3 } });
}

/** The values of the auth headers (and the bare token), longest first, to scrub from reply bodies. */
function secretValues(headers: Record<string, string>): string[] {
  const values = new Set<string>();
  for (const value of Object.values(headers)) {
    values.add(value);
    const bare = value.replace(/^Bearer\s+/i, "");
    if (bare) values.add(bare);
  }
  return [...values].filter((v) => v.trim() !== "").sort((a, b) => b.length - a.length);
}

/** A reply body with any echoed secret replaced, so that no error message can carry it. */
function scrub(text: string, secrets: string[]): string {
  for (const secret of secrets)
    if (text.includes(secret)) text = text.split(secret).join("[redacted]");
  return text;
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
  return String(detail);
}

export function createTransport(options: TransportOptions): Transport {
  const { retry, requestTimeoutMs, auth, telemetry, logger } = options;

  function fetchFor(call: Call) {
    return async (request: Request): Promise<Response> => {
      const { signal } = call;
      if (signal?.aborted) throw abortError();
      const url = withQuery(request.url, options.queryParams);
      const where = `${request.method} ${url.split("?")[0]}`;
      const rawBody = (request as unknown as LiteRequest).body;
      const text = typeof rawBody === "string" ? rawBody : await request.text();
      const compression = call.compression ?? "none";
      const body = await compress(text, compression);
      const baseHeaders = new Headers(request.headers);
      if (compression !== "none") baseHeaders.set("Content-Encoding", compression);
      const send = options.fetch ?? globalThis.fetch;

      let attempt = 1;
      let refreshed = false;
      for (;;) {
        const started = performance.now();
        const headers = new Headers(baseHeaders);
        const secrets = await authHeaders(auth).catch((cause: unknown) => {
          throw new AuthError(`${where}: the auth provider failed to give a token`, { cause });
        });
        assertHeaderValues(secrets);
        for (const [name, value] of Object.entries(secrets)) headers.set(name, value);
        logger?.debug?.(`${where} attempt ${attempt}`, { headers: redactHeaders(headers) });

        const outcome = await attemptOnce(
          send,
          url,
          request.method,
          headers,
          body,
          call,
          where,
          secretValues(secrets),
        );
        const error = outcome instanceof CodexApiError ? outcome : undefined;
        const status = error ? error.status : (outcome as Response).status;
        callHook(
          telemetry?.onRequest,
          {
            endpoint: call.endpoint,
            attempt,
            ...(status === undefined ? {} : { status }),
            ...(error ? { error } : {}),
            durationMs: performance.now() - started,
          },
          logger,
          "onRequest",
        );
        if (!error) return outcome as Response;

        if (error.status === 401 && !refreshed && auth?.onUnauthorized) {
          refreshed = true;
          const renewed = await auth.onUnauthorized().catch((cause: unknown) => {
            throw new AuthError(`${where}: auth refresh (onUnauthorized) failed after a 401`, {
              ...detailsOf(error),
              cause,
            });
          });
          if (renewed) continue; // outside the retry budget
        }
        if (!shouldRetry(error, retry) || attempt >= retry.maxAttempts) {
          error.attempts = attempt;
          throw error;
        }
        const serverDelay = error.headers ? serverRetryAfterMs(error.headers) : undefined;
        const delayMs = retryDelayMs(attempt, retry, serverDelay);
        callHook(
          telemetry?.onRetry,
          { endpoint: call.endpoint, attempt, delayMs, error },
          logger,
          "onRetry",
        );
        logger?.warn?.(
          `${where} attempt ${attempt} failed (${error.message}); retrying in ${delayMs} ms`,
        );
        try {
          await sleep(delayMs, signal);
        } catch (abort) {
          (abort as CodexApiError).attempts = attempt;
          throw abort;
        }
        attempt++;
      }
    };
  }

  /** One send: a 2xx Response, or the error it ended in (never throws). */
  async function attemptOnce(
    send: typeof fetch,
    url: string,
    method: string,
    headers: Headers,
    body: Uint8Array | string,
    call: Call,
    where: string,
    secrets: string[],
  ): Promise<Response | CodexApiError> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, requestTimeoutMs);
    const onAbort = () => controller.abort();
    call.signal?.addEventListener("abort", onAbort, { once: true });
    const failure = (error: unknown): CodexApiError => {
      if (timedOut) {
        return new RequestTimeoutError(
          `${where}: no reply within ${requestTimeoutMs} ms (request timeout)`,
          {
            cause: error,
          },
        );
      }
      if (call.signal?.aborted) return abortError();
      if (error instanceof CodexApiError) return error;
      return new TransportError(`${where}: ${describeFetchFailure(error)}`, { cause: error });
    };
    try {
      const response = await send(url, {
        method,
        headers,
        body: body as BodyInit,
        signal: controller.signal,
        redirect: "follow",
      });
      const details = replyDetails(response);
      if (response.ok && call.stream) return response;
      const text = await response.text();
      if (!response.ok) {
        const retryAfterMs = serverRetryAfterMs(response.headers);
        return errorFromHttp(
          response.status,
          scrub(text, secrets),
          { ...details, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
          where,
        );
      }
      try {
        JSON.parse(text);
      } catch {
        return new InvalidResponseError(
          `${where}: HTTP ${response.status} reply is not JSON: ${text.trim() ? snippet(scrub(text, secrets)) : "(empty body)"}`,
          details,
        );
      }
      return jsonReply(response, text);
    } catch (error) {
      return failure(error);
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener("abort", onAbort);
    }
  }

  return { fetchFor, Request: LiteRequest as unknown as typeof Request };
}
