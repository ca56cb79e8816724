// The retry loop of every transport: auth read before each attempt, one refresh on a 401 (outside
// the budget), backoff or the server's Retry-After, telemetry, and an abortable sleep. Calls into
// the auth provider are raced against the signal and the request timeout. It knows nothing of
// HTTP: the transport hands it one function that sends once.
import { CodexApiError } from "../errors/catalogue.js";
import { abortError, detailsOf } from "../errors/map.js";
import { authHeaders, callAuth, type AuthProvider } from "./auth.js";
import { retryDelayMs, serverRetryAfterMs, shouldRetry, type RetryConfig } from "./retry.js";
import { sleep } from "./race.js";
import type { Scrubber } from "./redact.js";
import { callHook, type Endpoint, type Logger, type Telemetry } from "./telemetry.js";

/** What one call's loop needs to know. */
export interface RetryLoop {
  endpoint: Endpoint;
  /** `METHOD url`, the start of every message. */
  where: string;
  retry: RetryConfig;
  auth?: AuthProvider | undefined;
  signal?: AbortSignal | undefined;
  /** Bounds each call into the auth provider (ms; Infinity for none). */
  timeoutMs: number;
  telemetry?: Telemetry | undefined;
  logger?: Logger | undefined;
  /** Every error is scrubbed before a hook, the logger or the caller sees it. */
  scrubber: Scrubber;
}

/** One attempt's outcome: a value (and the status it came with), or the error it ended in. */
export type AttemptOutcome<T> = { value: T; status?: number } | { error: CodexApiError };

/** Sends once with these auth headers (`Authorization`, `ChatGPT-Account-ID`); never throws. */
export type SendOnce<T> = (
  auth: Record<string, string>,
  attempt: number,
) => Promise<AttemptOutcome<T>>;

/** Runs `send` until it succeeds, the policy stops retrying, or the caller aborts. */
export function withRetries<T>(loop: RetryLoop, send: SendOnce<T>): Promise<T> {
  return retrying(loop, send).catch((error: unknown) => {
    throw error instanceof CodexApiError ? loop.scrubber.error(error) : error;
  });
}

async function retrying<T>(loop: RetryLoop, send: SendOnce<T>): Promise<T> {
  const { endpoint, where, retry, auth, signal, telemetry, logger, scrubber } = loop;
  const bound = { where, signal, timeoutMs: loop.timeoutMs };
  let attempt = 1;
  let refreshed = false;
  for (;;) {
    if (signal?.aborted) throw abortError(signal);
    const started = performance.now();
    const headers = await authHeaders(auth, bound);
    const outcome = await send(headers, attempt);
    const error = "error" in outcome ? scrubber.error(outcome.error) : undefined;
    const status = error ? error.status : (outcome as { status?: number }).status;
    const durationMs = performance.now() - started;
    callHook(
      telemetry?.onRequest,
      { endpoint, attempt, status, error, durationMs },
      logger,
      "onRequest",
    );
    if (!error) return (outcome as { value: T }).value;

    if (error.status === 401 && !refreshed && auth?.onUnauthorized) {
      refreshed = true;
      const renewed = await callAuth(
        () => auth.onUnauthorized!(),
        bound,
        "auth refresh (onUnauthorized) failed after a 401",
        detailsOf(error),
      );
      if (renewed) continue; // outside the retry budget
    }
    if (!shouldRetry(error, retry) || attempt >= retry.maxAttempts) {
      error.attempts = attempt;
      throw error;
    }
    const serverDelay = error.headers ? serverRetryAfterMs(error.headers) : undefined;
    const delayMs = retryDelayMs(attempt, retry, serverDelay);
    callHook(telemetry?.onRetry, { endpoint, attempt, delayMs, error }, logger, "onRetry");
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
}
