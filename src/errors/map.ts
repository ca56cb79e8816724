// The one place that turns what a server said (an HTTP status and body, or an error inside the
// stream) into an error class of ./catalogue.ts. The README's error table lists the outcomes.
import { rateLimitsOf } from "../rate-limits.js";
import { isObject, snippet, timerMs } from "../util.js";
import {
  AbortError,
  AuthError,
  CodexApiError,
  ContextWindowExceededError,
  InvalidRequestError,
  QuotaExceededError,
  RateLimitError,
  RetryableStreamError,
  ServerError,
  ServerOverloadedError,
  TransportError,
  UsageLimitReachedError,
  UsageNotIncludedError,
  type ErrorDetails,
} from "./catalogue.js";

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
  // A 400-digit number is Infinity: never a delay no timer can hold.
  return timerMs(m[2]!.toLowerCase() === "ms" ? n : n * 1000);
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
    case "rate_limit_exceeded":
      return new RateLimitError(message || "rate limit exceeded", {
        ...details,
        retryAfterMs: parseRetryAfterText(message),
      });
    default:
      return undefined;
  }
}

/**
 * The fields of an error frame of any shape: an object is read like an error body (a top-level
 * `type` of "error" is the frame's kind, not the error's); anything else is quoted as the message.
 */
export function errorFrameFields(frame: unknown): ServerErrorFields {
  if (!isObject(frame)) {
    const text = typeof frame === "string" ? frame : JSON.stringify(frame);
    return { message: `error event: ${snippet(String(text))}` };
  }
  const fields = readErrorFields(frame);
  if (fields.type === "error") delete fields.type;
  return fields;
}

/** The wire fields every error carries: `code`, `param` and `type`. */
export function wireDetails(fields: ServerErrorFields, details: ErrorDetails): ErrorDetails {
  return { ...details, code: fields.code, param: fields.param, type: fields.type };
}

/** The error for a failure reported inside a stream (`response.failed` or an `error` event). */
export function streamFailure(fields: ServerErrorFields, details: ErrorDetails): CodexApiError {
  const message = fields.message ?? "";
  const d = wireDetails(fields, details);
  const known = errorForCode(fields.code, message, d);
  if (known) return known;
  return new RetryableStreamError(
    `stream failed${fields.code ? ` (${fields.code})` : ""}${message ? `: ${message}` : ""}`,
    { ...d, retryAfterMs: parseRetryAfterText(message) },
  );
}

/**
 * An error reply's text read as JSON (`body`, undefined when it is not JSON), its error fields, and
 * what it said: the server's message, else its first 200 characters, else "(empty body)".
 */
export function readErrorBody(bodyText: string): {
  body: unknown;
  fields: ServerErrorFields;
  said: string;
} {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    // not JSON: described by its first characters
  }
  const fields = readErrorFields(body);
  const said = fields.message ?? (bodyText.trim() ? snippet(bodyText) : "(empty body)");
  return { body, fields, said };
}

/**
 * The error for a non-2xx reply. A body code with a class of its own wins over the status class.
 * `bodyText` may be anything (an HTML gateway page too); its first 200 characters are quoted when
 * it carries no message.
 */
export function errorFromHttp(
  status: number,
  bodyText: string,
  details: ErrorDetails,
  where?: string,
): CodexApiError {
  const { body, fields, said } = readErrorBody(bodyText);
  const d = wireDetails(fields, { ...details, status });
  const message = `${where ? `${where}: ` : ""}HTTP ${status}: ${said}`;
  if (status === 429 && (fields.type ?? fields.code) === "usage_limit_reached") {
    return usageLimitReached(message, body, d);
  }
  if (status === 429 && fields.type === "usage_not_included") {
    return new UsageNotIncludedError(message, d);
  }
  const known = errorForCode(fields.code, message, d);
  if (known && !(known instanceof RateLimitError)) return known;
  if (status === 401 || status === 403) return new AuthError(message, { ...d, ...authDetails(d) });
  if (status === 429 || known) {
    const retryAfterMs = details.retryAfterMs ?? parseRetryAfterText(said);
    return new RateLimitError(message, {
      ...d,
      retryAfterMs,
      rateLimits: d.headers && rateLimitsOf(d.headers),
    });
  }
  if (status >= 500) return new ServerError(message, d);
  return new InvalidRequestError(message, d);
}

const CONNECTION_LIMIT = "websocket_connection_limit_reached";
const CONNECTION_LIMIT_TEXT =
  "Responses websocket connection limit reached (60 minutes). Create a new websocket connection to continue.";

/**
 * Whether a stream payload is an error frame: an `event: error` message, or a JSON object without
 * a string `type` that carries an `error` object (`{type: "error"}` payloads are error events).
 */
export function isErrorFrame(payload: unknown, hint: string | undefined): boolean {
  if (hint === "error") return true;
  const typed = typeof (payload as { type?: unknown } | null)?.type === "string";
  return !typed && isObject(payload) && isObject(payload["error"]);
}

/** A WebSocket frame of `type: "error"`: its payload, status and code; undefined for other frames. */
export function errorFrame(
  text: string,
): { payload: Record<string, unknown>; status?: number; code?: string } | undefined {
  // Only a frame that mentions "error" is parsed here; every other one is parsed once, by the reader.
  if (!text.includes('"error"')) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(payload) || payload["type"] !== "error") return undefined;
  const status = payload["status"] ?? payload["status_code"];
  const { code } = readErrorFields(payload["error"]);
  return {
    payload,
    ...(Number.isInteger(status) ? { status: status as number } : {}),
    ...(code ? { code } : {}),
  };
}

/** A frame's `headers` object as Headers: string, number and boolean values, others dropped. */
function frameHeaders(value: unknown): Headers {
  const headers = new Headers();
  if (!isObject(value)) return headers;
  for (const [name, v] of Object.entries(value)) {
    if (!["string", "number", "boolean"].includes(typeof v)) continue;
    try {
      headers.set(name, String(v));
    } catch {
      // not a valid header name or value: dropped
    }
  }
  return headers;
}

/**
 * The error an in-band WebSocket error frame stands for: `websocket_connection_limit_reached`
 * (retryable, a new connection is needed) or a non-2xx `status` (mapped like that HTTP reply, the
 * frame as its body). Undefined for any other frame, an `error` frame without a status included:
 * the reader maps those like an SSE `error` event.
 */
export function inBandError(
  text: string,
  details: ErrorDetails,
  where: string,
): CodexApiError | undefined {
  const frame = errorFrame(text);
  if (!frame) return undefined;
  if (frame.code === CONNECTION_LIMIT) {
    const { message } = readErrorFields(frame.payload["error"]);
    return new TransportError(`${where}: ${message || CONNECTION_LIMIT_TEXT}`, {
      ...details,
      code: CONNECTION_LIMIT,
    });
  }
  const { status } = frame;
  if (status === undefined || (status >= 200 && status < 300)) return undefined;
  const headers = frameHeaders(frame.payload["headers"]);
  const requestId = headers.get("x-request-id") ?? details.requestId;
  const retryAfterMs = serverRetryAfterMs(headers);
  return errorFromHttp(status, text, { headers, requestId, retryAfterMs }, where);
}

/** A 429 `usage_limit_reached`: plan, reset time, active limit and the headers' snapshot. */
function usageLimitReached(message: string, body: unknown, d: ErrorDetails): CodexApiError {
  const error =
    isObject(body) && isObject(body["error"]) ? body["error"] : isObject(body) ? body : {};
  const planType = typeof error["plan_type"] === "string" ? error["plan_type"] : undefined;
  const resetsAt = Number.isSafeInteger(error["resets_at"])
    ? (error["resets_at"] as number)
    : undefined;
  const limitName = d.headers?.get("x-codex-active-limit")?.trim() || undefined;
  const when = resetsAt === undefined ? "" : `, resets at ${resetTime(resetsAt)}`;
  const plan = planType ? ` (plan ${planType})` : "";
  return new UsageLimitReachedError(`usage limit reached${plan}${when}: ${message}`, {
    ...d,
    planType,
    resetsAt,
    limitName,
    rateLimits: d.headers && rateLimitsOf(d.headers),
  });
}

// The largest time a Date holds (ms from the epoch either way): past it toISOString throws.
const MAX_DATE_MS = 8.64e15;

/** Unix seconds as an ISO time, or as the plain number when no Date can hold it. */
function resetTime(seconds: number): string {
  const ms = seconds * 1000;
  return Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `unix time ${seconds}`;
}

/** 401 details: the code inside the base64 JSON of `x-error-json`, `x-openai-authorization-error`. */
function authDetails(d: ErrorDetails): ErrorDetails {
  const authorizationError = d.headers?.get("x-openai-authorization-error") ?? undefined;
  let identityErrorCode: string | undefined;
  try {
    const encoded = d.headers?.get("x-error-json");
    const json: unknown = encoded ? JSON.parse(atob(encoded.trim())) : undefined;
    const code = isObject(json) && isObject(json["error"]) ? json["error"]["code"] : undefined;
    if (typeof code === "string") identityErrorCode = code;
  } catch {
    // not base64 JSON: left out
  }
  return { authorizationError, identityErrorCode };
}

/**
 * What the server asked for: `retry-after-ms` (milliseconds), then `retry-after` (seconds or an
 * HTTP date). Undefined when absent or unparseable.
 */
export function serverRetryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  // Clamped to what a timer holds: `retry-after-ms: 1e400`'s digits are Infinity.
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return timerMs(Number(ms));
  const after = headers.get("retry-after");
  if (after === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(after)) return timerMs(Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : timerMs(Math.max(0, date - now));
}

/** The details of a reply: its status, headers and `x-request-id`. */
export function replyDetails(response: { status: number; headers: Headers }): ErrorDetails {
  return {
    status: response.status,
    headers: response.headers,
    requestId: response.headers.get("x-request-id") ?? undefined,
  };
}

/** The reply details an error carries, to hand on to an error built from it. */
export function detailsOf(error: CodexApiError): ErrorDetails {
  const { status, requestId, headers } = error;
  return { status, requestId, headers };
}

/** The AbortError for a caller's abort; its `cause` is the signal's reason. */
export function abortError(
  signal: AbortSignal | undefined,
  details: ErrorDetails = {},
): AbortError {
  return new AbortError("the request was aborted by the caller", {
    ...details,
    cause: signal?.reason,
  });
}
