// Reads a reply that is not a stream's 2xx of type text/event-stream (./attempt.ts hands those on
// at once): a JSON reply read whole within its limit (./limits.ts), and anything but a 2xx of the
// expected type turned into an error class (../errors/http.ts). Loaded on first use: an app that
// only streams, and whose streams succeed, never loads it.
import {
  InvalidRequestError,
  InvalidResponseError,
  type CodexApiError,
  type ErrorDetails,
} from "../errors/catalogue.js";
import { errorFromHttp, readErrorBody } from "../errors/http.js";
import { errorForCode, wireDetails } from "../errors/map.js";
import { snippet } from "../util.js";
import type { Scrubber } from "./redact.js";
import { ERROR_BODY_BYTES, readBounded, responseTooLarge } from "./limits.js";
import { serverRetryAfterMs } from "./retry.js";
import type { AttemptOutcome } from "./retry-loop.js";
import type { Reply } from "./send.js";

/** One HTTP send, fully prepared (./attempt.ts sends it). */
export interface HttpAttempt {
  send: typeof fetch;
  url: string;
  method: string;
  headers: Headers;
  body: Uint8Array | string | undefined;
  /** A stream's reply is handed on at its headers; a JSON reply is read whole first. */
  stream: boolean;
  signal: AbortSignal | undefined;
  /** The request timeout (ms; Infinity for none). */
  timeoutMs: number;
  /** The largest JSON reply read, in decoded bytes. */
  maxReplyBytes: number;
  /** `METHOD url`, the start of every message. */
  where: string;
  /** Cleans any reply text that is quoted. */
  scrubber: Scrubber;
}

/** A 3xx (or a browser's opaque redirect) is never followed: it names the status and the target origin. */
function redirectError(a: HttpAttempt, response: Response, details: ErrorDetails): CodexApiError {
  const location = response.headers.get("location");
  let target = "an unknown origin";
  try {
    if (location !== null) target = new URL(location, a.url).origin;
  } catch {
    target = "an unreadable Location";
  }
  const status = response.status || "3xx";
  const message = `${a.where}: HTTP ${status} redirect to ${a.scrubber.text(target)} not followed (redirects are refused; point baseUrl at the final URL)`;
  return new InvalidRequestError(message, { ...details, code: "redirect" });
}

/** A 2xx stream reply that is not SSE: mapped by its error code when it has one, else InvalidResponseError. */
function notAStream(a: HttpAttempt, type: string, text: string, details: ErrorDetails) {
  const { fields, said } = readErrorBody(a.scrubber.text(text));
  const message = `${a.where}: HTTP ${details.status} reply is ${snippet(type)}, not text/event-stream: ${said}`;
  const d = wireDetails(fields, details);
  return errorForCode(fields.code, message, d) ?? new InvalidResponseError(message, d);
}

/** Reads the reply of one attempt into a value or an error (never throws). */
export async function readReply(
  a: HttpAttempt,
  response: Response,
  details: ErrorDetails,
): Promise<AttemptOutcome<Reply<unknown>>> {
  const { status } = response;
  // 304 answers a caller's If-None-Match (GET /models): not a redirect, a reply without a body.
  if (status === 304) {
    response.body?.cancel().catch(() => {});
    if (!a.stream) return { value: { data: undefined, response }, status };
    const message = `${a.where}: HTTP 304 (not modified) is not a stream reply`;
    return { error: new InvalidResponseError(message, details) };
  }
  if (response.type === "opaqueredirect" || (status >= 300 && status < 400)) {
    response.body?.cancel().catch(() => {});
    return { error: redirectError(a, response, details) };
  }
  if (!response.ok) {
    const { text } = await readBounded(response, ERROR_BODY_BYTES, true);
    const retryAfterMs = serverRetryAfterMs(response.headers);
    const body = a.scrubber.text(text);
    return { error: errorFromHttp(status, body, { ...details, retryAfterMs }, a.where) };
  }
  if (a.stream) {
    const type = response.headers.get("content-type");
    // A missing Content-Type is read as SSE; parameters (`; charset=utf-8`) are allowed.
    if (type === null || /^\s*text\/event-stream\s*(;|$)/i.test(type)) {
      return { value: { data: undefined, response }, status };
    }
    const { text } = await readBounded(response, ERROR_BODY_BYTES, true);
    return { error: notAStream(a, type, text, details) };
  }
  const { text, truncated } = await readBounded(response, a.maxReplyBytes);
  if (truncated) {
    return { error: responseTooLarge(a.where, "maxReplyBytes", a.maxReplyBytes, details) };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const said = text.trim() ? snippet(a.scrubber.text(text)) : "(empty body)";
    const message = `${a.where}: HTTP ${status} reply is not JSON: ${said}`;
    return { error: new InvalidResponseError(message, details) };
  }
  return { value: { data, response }, status };
}
