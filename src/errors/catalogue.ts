// The one error hierarchy of codex-api. Every class has a literal `name` (minified bundles still say
// `ServerError`) and a static `retryable` default; one base constructor copies the details, so a class
// is a line or two. Which class a server's reply becomes is decided in ./map.ts only.
import type { RateLimitSnapshot } from "../rate-limits.js";

/** What an error may carry besides its message; every field is optional and set only when known. */
export interface ErrorDetails {
  /** HTTP status of the reply the error came from. */
  status?: number;
  /** The reply's `x-request-id`. */
  requestId?: string;
  /** The reply's headers. */
  headers?: Headers;
  /** How many times the request was sent, set when retries are over. */
  attempts?: number;
  cause?: unknown;
  /** Overrides the class's `retryable` default. */
  retryable?: boolean;
  /** The server's error `code`, `param` and `type`, as sent. */
  code?: string;
  param?: string;
  type?: string;
  /** How long the server asked to wait (Retry-After, or "try again in 1.5s"). */
  retryAfterMs?: number;
  /** `incomplete_details.reason` of `response.incomplete`. */
  reason?: string;
  /** The rate-limit snapshot of the reply's headers (429s). */
  rateLimits?: RateLimitSnapshot;
  /** Usage limits (429 `usage_limit_reached`): the plan, reset time (unix seconds) and active limit. */
  planType?: string;
  resetsAt?: number;
  limitName?: string;
  /** 401: the code of the `x-error-json` header, and `x-openai-authorization-error`. */
  identityErrorCode?: string;
  authorizationError?: string;
}

/** The base of every error the client throws. Messages never contain a secret. */
export class CodexApiError extends Error {
  /** Whether sending the same request again may succeed, by default for this class. */
  static readonly retryable: boolean = false;
  override readonly name: string = "CodexApiError";
  /** Whether sending the same request again may succeed. */
  readonly retryable: boolean;
  declare readonly status?: number;
  declare readonly requestId?: string;
  declare readonly headers?: Headers;
  declare readonly code?: string;
  declare readonly param?: string;
  declare readonly type?: string;
  declare attempts?: number;
  /** Of a stream whose response id was known when it ended (README "Background streams and resume"). */
  declare responseId?: string;
  /** With `responseId`: the sequence number of the last event the caller moved past. */
  declare lastSequenceNumber?: number;

  constructor(message: string, details: ErrorDetails = {}) {
    const { cause, retryable, ...fields } = details;
    super(message, cause === undefined ? undefined : { cause });
    this.retryable = retryable ?? (new.target as typeof CodexApiError).retryable;
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) (this as Record<string, unknown>)[key] = value;
    }
  }
}

/** fetch itself failed: DNS, connection refused or reset, TLS. */
export class TransportError extends CodexApiError {
  static override readonly retryable: boolean = true;
  override readonly name: string = "TransportError";
}

/** `requestTimeoutMs` passed before the reply (or, for JSON calls, its whole body) arrived. */
export class RequestTimeoutError extends CodexApiError {
  static override readonly retryable: boolean = true;
  override readonly name: string = "RequestTimeoutError";
}

/** The caller aborted (its `signal`, `stream.abort()`, or `break` out of the loop); `cause` is the reason. */
export class AbortError extends CodexApiError {
  override readonly name: string = "AbortError";
}

/** 401 or 403. */
export class AuthError extends CodexApiError {
  override readonly name: string = "AuthError";
  declare readonly identityErrorCode?: string;
  declare readonly authorizationError?: string;
}

/** 400, 404, 409, 422 and other 4xx; also `invalid_prompt`, bad options, bad header values. */
export class InvalidRequestError extends CodexApiError {
  override readonly name: string = "InvalidRequestError";
}

/** 5xx. */
export class ServerError extends CodexApiError {
  static override readonly retryable: boolean = true;
  override readonly name: string = "ServerError";
}

/** 429, or `rate_limit_exceeded` in the stream. */
export class RateLimitError extends CodexApiError {
  static override readonly retryable: boolean = true;
  override readonly name: string = "RateLimitError";
  /** How long the server asked to wait, from Retry-After or "try again in 1.5s". */
  declare readonly retryAfterMs?: number;
  /** The snapshot parsed from the 429's rate-limit headers. */
  declare readonly rateLimits?: RateLimitSnapshot;
}

/** A 429 `usage_limit_reached`: the plan's usage is spent until `resetsAt`; retrying does not help. */
export class UsageLimitReachedError extends RateLimitError {
  static override readonly retryable: boolean = false;
  override readonly name: string = "UsageLimitReachedError";
  declare readonly planType?: string;
  /** Unix seconds. */
  declare readonly resetsAt?: number;
  /** From `x-codex-active-limit`. */
  declare readonly limitName?: string;
}

/** `context_length_exceeded`. */
export class ContextWindowExceededError extends CodexApiError {
  override readonly name: string = "ContextWindowExceededError";
}

/** `insufficient_quota`. */
export class QuotaExceededError extends CodexApiError {
  override readonly name: string = "QuotaExceededError";
}

/** `usage_not_included`. */
export class UsageNotIncludedError extends CodexApiError {
  override readonly name: string = "UsageNotIncludedError";
}

/** `server_is_overloaded`, `slow_down`. */
export class ServerOverloadedError extends CodexApiError {
  static override readonly retryable: boolean = true;
  override readonly name: string = "ServerOverloadedError";
}

/** Any other `response.failed` / `error` code, or none: the stream may succeed when sent again. */
export class RetryableStreamError extends CodexApiError {
  static override readonly retryable: boolean = true;
  override readonly name: string = "RetryableStreamError";
  declare readonly retryAfterMs?: number;
}

/** SSE framing, a payload that is not JSON, or a stream that closed before `response.completed` (retryable). */
export class StreamError extends CodexApiError {
  override readonly name: string = "StreamError";
}

/** No event for `streamIdleTimeoutMs` (SSE comments, keep-alives and pings do not count). */
export class StreamIdleTimeoutError extends CodexApiError {
  static override readonly retryable: boolean = true;
  override readonly name: string = "StreamIdleTimeoutError";
}

/** `response.incomplete`, with `incomplete_details.reason`. */
export class IncompleteResponseError extends CodexApiError {
  override readonly name: string = "IncompleteResponseError";
  declare readonly reason: string;
}

/** A 2xx reply that is not of the documented shape, or too large (`code: "response_too_large"`). */
export class InvalidResponseError extends CodexApiError {
  override readonly name: string = "InvalidResponseError";
}
