// The error for a reply that is not a 2xx (an HTTP status and its body): the README's error table. Loaded on the first such reply (../transport/attempt.ts),
// so an app whose calls succeed does not carry it; the codes every path shares are in ./map.ts.
import { rateLimitsOf } from "../rate-limits.js";
import { isObject, snippet } from "../util.js";
import {
  AuthError,
  InvalidRequestError,
  RateLimitError,
  ServerError,
  UsageLimitReachedError,
  UsageNotIncludedError,
  type CodexApiError,
  type ErrorDetails,
} from "./catalogue.js";
import {
  errorForCode,
  parseRetryAfterText,
  readErrorFields,
  wireDetails,
  type ServerErrorFields,
} from "./map.js";

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
