// What a server said (an error inside the stream, an error code, an error body's fields) turned into
// an error class of ./catalogue.ts; with ./http.ts (a non-2xx reply, loaded on the first one) and
// ./frames.ts (a WebSocket frame), the one place for it. The README's error table lists the outcomes.
import { isObject, timerMs } from "../util.js";
import {
  AbortError,
  CodexApiError,
  ContextWindowExceededError,
  InvalidRequestError,
  QuotaExceededError,
  RateLimitError,
  ServerOverloadedError,
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

/** The wire fields every error carries: `code`, `param` and `type`. */
export function wireDetails(fields: ServerErrorFields, details: ErrorDetails): ErrorDetails {
  return { ...details, code: fields.code, param: fields.param, type: fields.type };
}

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
