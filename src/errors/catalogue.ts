// The one error hierarchy of codex-api, and the one place that turns what a server said (an HTTP
// status and body, or an error code inside the stream) into an error class. Messages say what
// failed and where; they never carry a header value, so no token can reach them.

export interface ErrorDetails {
  status?: number;
  requestId?: string;
  headers?: Headers;
  attempts?: number;
  cause?: unknown;
}

export class CodexApiError extends Error {
  /** Whether sending the same request again may succeed. */
  readonly retryable: boolean = false;
  /** HTTP status of the reply the error came from, where there was one. */
  readonly status?: number;
  /** The reply's `x-request-id`, where known. */
  readonly requestId?: string;
  /** The reply's headers, where there was a reply. */
  readonly headers?: Headers;
  /** How many times the request was sent, set when retries are over. */
  attempts?: number;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    if (details.status !== undefined) this.status = details.status;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.headers !== undefined) this.headers = details.headers;
    if (details.attempts !== undefined) this.attempts = details.attempts;
  }
}

/** fetch itself failed: DNS, connection refused or reset, TLS. */
export class TransportError extends CodexApiError {
  override readonly retryable = true;
}

/** `requestTimeoutMs` passed before the reply (or, for JSON calls, its whole body) arrived. */
export class RequestTimeoutError extends CodexApiError {
  override readonly retryable = true;
}

/** The caller aborted (its `signal`, `stream.abort()`, or `break` out of the loop). */
export class AbortError extends CodexApiError {}

/** 401 or 403. */
export class AuthError extends CodexApiError {}

/** 400, 404, 409, 422 and other 4xx; also `invalid_prompt`, bad options, bad header values. */
export class InvalidRequestError extends CodexApiError {
  readonly code?: string;
  readonly param?: string;
  constructor(message: string, details: ErrorDetails & { code?: string; param?: string } = {}) {
    super(message, details);
    if (details.code !== undefined) this.code = details.code;
    if (details.param !== undefined) this.param = details.param;
  }
}

/** 5xx. */
export class ServerError extends CodexApiError {
  override readonly retryable = true;
}

/** 429, or `rate_limit_exceeded` in the stream. */
export class RateLimitError extends CodexApiError {
  override readonly retryable = true;
  /** How long the server asked to wait, from Retry-After or "try again in 1.5s". */
  readonly retryAfterMs?: number;
  constructor(message: string, details: ErrorDetails & { retryAfterMs?: number } = {}) {
    super(message, details);
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** `context_length_exceeded`. */
export class ContextWindowExceededError extends CodexApiError {}

/** `insufficient_quota`. */
export class QuotaExceededError extends CodexApiError {}

/** `usage_not_included`. */
export class UsageNotIncludedError extends CodexApiError {}

/** `server_is_overloaded`, `slow_down`. */
export class ServerOverloadedError extends CodexApiError {
  override readonly retryable = true;
}

/** Any other `response.failed` / `error` code, or none: the stream may succeed when sent again. */
export class RetryableStreamError extends CodexApiError {
  override readonly retryable = true;
  readonly code?: string;
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    details: ErrorDetails & { code?: string; retryAfterMs?: number } = {},
  ) {
    super(message, details);
    if (details.code !== undefined) this.code = details.code;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** SSE framing, a payload that is not JSON, or a stream that closed before `response.completed`. */
export class StreamError extends CodexApiError {
  override readonly retryable: boolean;
  constructor(message: string, details: ErrorDetails & { retryable?: boolean } = {}) {
    super(message, details);
    this.retryable = details.retryable ?? false;
  }
}

/** No SSE event for `streamIdleTimeoutMs` (comments and keep-alives do not count). */
export class StreamIdleTimeoutError extends CodexApiError {
  override readonly retryable = true;
}

/** `response.incomplete`, with `incomplete_details.reason`. */
export class IncompleteResponseError extends CodexApiError {
  readonly reason: string;
  constructor(reason: string, details: ErrorDetails = {}) {
    super(`incomplete response returned, reason: ${reason}`, details);
    this.reason = reason;
  }
}

/** A 2xx JSON reply whose body is not JSON, or not of the documented shape. */
export class InvalidResponseError extends CodexApiError {}

// ------------------------------------------------------------------------------------------------
// Mapping what a server said to a class.

/** The fields of a server's error, from `{error:{...}}` or a flat `{message, code, ...}`. */
export interface ServerErrorFields {
  message?: string;
  type?: string;
  code?: string;
  param?: string;
}

/**
 * Reads error fields from a JSON value: from `value.error` when it is an object, each field
 * falling back to the same field of `value` itself (flat bodies, top-level `code`).
 */
export function readErrorFields(value: unknown): ServerErrorFields {
  if (!isObject(value)) return {};
  const nested = isObject(value["error"]) ? value["error"] : {};
  const fields: ServerErrorFields = {};
  for (const key of ["message", "type", "code", "param"] as const) {
    const v = typeof nested[key] === "string" ? nested[key] : value[key];
    if (typeof v === "string") fields[key] = v;
  }
  return fields;
}

/**
 * "try again in 1.898s", "in 28ms", "Try again in 35 seconds" -> milliseconds (rounded), or
 * undefined when the message names no delay.
 */
export function parseRetryAfterText(message: string): number | undefined {
  const m = /try again in\s*(\d+(?:\.\d+)?)\s*(ms|seconds?|s)\b/i.exec(message);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Math.round(m[2]!.toLowerCase() === "ms" ? n : n * 1000);
}

/**
 * The class for an error code a server sent (in `response.failed`, an `error` event, or an HTTP
 * error body), or undefined when the code is not one with a class of its own.
 */
export function errorForCode(
  code: string | undefined,
  message: string,
  details: ErrorDetails,
): CodexApiError | undefined {
  switch (code) {
    case "context_length_exceeded":
      return new ContextWindowExceededError(message || "context window exceeded", details);
    case "insufficient_quota":
      return new QuotaExceededError(message || "quota exceeded", details);
    case "usage_not_included":
      return new UsageNotIncludedError(message || "usage not included in this plan", details);
    case "invalid_prompt":
      return new InvalidRequestError(message || "invalid request", { ...details, code });
    case "server_is_overloaded":
    case "slow_down":
      return new ServerOverloadedError(message || "server overloaded", details);
    case "rate_limit_exceeded": {
      const retryAfterMs = parseRetryAfterText(message);
      return new RateLimitError(message || "rate limit exceeded", {
        ...details,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    default:
      return undefined;
  }
}

/** The error for a failure reported inside a stream (`response.failed` or an `error` event). */
export function streamFailure(fields: ServerErrorFields, details: ErrorDetails): CodexApiError {
  const message = fields.message ?? "";
  const known = errorForCode(fields.code, message, details);
  if (known) return known;
  const retryAfterMs = parseRetryAfterText(message);
  return new RetryableStreamError(
    `stream failed${fields.code ? ` (${fields.code})` : ""}${message ? `: ${message}` : ""}`,
    {
      ...details,
      ...(fields.code === undefined ? {} : { code: fields.code }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  );
}

/**
 * The error for a non-2xx reply. A body code with a class of its own wins over the status class.
 * `bodyText` may be anything (an HTML gateway page too); its first 200 characters are quoted when
 * it carries no message.
 */
export function errorFromHttp(
  status: number,
  bodyText: string,
  details: ErrorDetails & { retryAfterMs?: number },
  where?: string,
): CodexApiError {
  let fields: ServerErrorFields = {};
  try {
    fields = readErrorFields(JSON.parse(bodyText));
  } catch {
    // not JSON: described below by its first characters
  }
  const d = { ...details, status };
  const said = fields.message ?? (bodyText.trim() ? snippet(bodyText) : "(empty body)");
  const message = `${where ? `${where}: ` : ""}HTTP ${status}: ${said}`;
  const known = errorForCode(fields.code, message, d);
  if (known && !(known instanceof RateLimitError)) return known;
  if (status === 401 || status === 403) return new AuthError(message, d);
  if (status === 429 || known) {
    const retryAfterMs = details.retryAfterMs ?? parseRetryAfterText(said);
    return new RateLimitError(message, {
      ...d,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status >= 500) return new ServerError(message, d);
  return new InvalidRequestError(message, {
    ...d,
    ...(fields.code === undefined ? {} : { code: fields.code }),
    ...(fields.param === undefined ? {} : { param: fields.param }),
  });
}

/** The details of a reply: its status, headers and `x-request-id`. */
export function replyDetails(response: { status: number; headers: Headers }): ErrorDetails {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  return {
    status: response.status,
    headers: response.headers,
    ...(requestId === undefined ? {} : { requestId }),
  };
}

/** The reply details an error carries, to hand on to an error built from it. */
export function detailsOf(error: CodexApiError): ErrorDetails {
  const { status, requestId, headers } = error;
  return {
    ...(status === undefined ? {} : { status }),
    ...(requestId === undefined ? {} : { requestId }),
    ...(headers === undefined ? {} : { headers }),
  };
}

/** The first 200 characters of a body, on one line. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
