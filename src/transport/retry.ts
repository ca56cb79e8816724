// Retry policy: which failures are sent again, and how long to wait before each retry.
import {
  CodexApiError,
  RateLimitError,
  ServerError,
  ServerOverloadedError,
  TransportError,
  RequestTimeoutError,
} from "../errors/catalogue.js";
import { MAX_TIMER_MS } from "../util.js";
import { serverRetryAfterMs } from "../errors/map.js";

export { MAX_TIMER_MS, serverRetryAfterMs };

/** Which failures are sent again, how often and how long to wait (`provider.retry`). */
export interface RetryConfig {
  /** Sends in all, the first included (default 5 = 1 + 4 retries). */
  maxAttempts: number;
  /** Delay before retry n is `baseDelayMs * 2^(n-1)`, times a jitter in [0.9, 1.1]. */
  baseDelayMs: number;
  /** Retry 429 replies (default false). */
  retry429: boolean;
  /** Retry 5xx replies (default true). */
  retry5xx: boolean;
  /** Retry when fetch itself failed or the request timed out (default true). */
  retryTransport: boolean;
  /** No wait is longer than this (default 30 000). */
  maxDelayMs: number;
}

/** The retry policy when `provider.retry` says nothing. */
export const DEFAULT_RETRY: RetryConfig = {
  maxAttempts: 5,
  baseDelayMs: 200,
  retry429: false,
  retry5xx: true,
  retryTransport: true,
  maxDelayMs: 30_000,
};

/** `base` (the defaults) with `overrides` applied (an undefined field keeps it); checked before. */
export function retryConfig(
  overrides: Partial<RetryConfig> = {},
  base: RetryConfig = DEFAULT_RETRY,
): RetryConfig {
  const given = Object.entries(overrides).filter(([, v]) => v !== undefined);
  return { ...base, ...Object.fromEntries(given) };
}

/** Whether the policy sends the request again after this error. */
export function shouldRetry(error: unknown, config: RetryConfig): boolean {
  // An error that says no retry can help (a runtime that refuses the request, a usage limit) is final.
  if (!(error instanceof CodexApiError) || !error.retryable) return false;
  if (error instanceof RateLimitError) return config.retry429 && error.status === 429;
  if (error instanceof ServerError) return config.retry5xx;
  // A 5xx reply whose body says server_is_overloaded / slow_down is still a 5xx reply.
  if (error instanceof ServerOverloadedError) {
    return error.status !== undefined && error.status >= 500 && config.retry5xx;
  }
  if (error instanceof TransportError || error instanceof RequestTimeoutError) {
    return config.retryTransport;
  }
  return false;
}

/** The computed backoff before retry `n` (1-based): base * 2^(n-1) * jitter, capped. */
export function backoffMs(
  n: number,
  config: RetryConfig,
  random: () => number = Math.random,
): number {
  const jitter = 0.9 + random() * 0.2;
  return Math.min(Math.round(config.baseDelayMs * 2 ** (n - 1) * jitter), config.maxDelayMs);
}

/** The wait before retry `n`: the server's delay as is when given and within the cap, else backoff. */
export function retryDelayMs(
  n: number,
  config: RetryConfig,
  serverDelayMs: number | undefined,
  random?: () => number,
): number {
  const ms =
    serverDelayMs !== undefined && serverDelayMs <= config.maxDelayMs
      ? serverDelayMs
      : backoffMs(n, config, random);
  // A timer holds at most 2^31 - 1 ms; a longer one would fire at once.
  return Math.min(ms, MAX_TIMER_MS);
}
