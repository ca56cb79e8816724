// One HTTP attempt: fetch once under the request timeout and the caller's signal, never following a
// redirect, then read the reply within its limit (./limits.ts) and turn anything but a 2xx of the
// expected type into an error class (../errors/map.ts). It never throws.
import {
  CodexApiError,
  InvalidRequestError,
  InvalidResponseError,
  RequestTimeoutError,
  TransportError,
  type ErrorDetails,
} from "../errors/catalogue.js";
import {
  errorForCode,
  errorFromHttp,
  readErrorBody,
  replyDetails,
  wireDetails,
} from "../errors/map.js";
import { snippet } from "../util.js";
import { race } from "./race.js";
import { ERROR_BODY_BYTES, readBounded, responseTooLarge } from "./limits.js";
import type { Scrubber } from "./redact.js";
import { serverRetryAfterMs } from "./retry.js";
import type { AttemptOutcome } from "./retry-loop.js";
import type { Reply } from "./send.js";

/** One HTTP send, fully prepared. */
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

// Names runtimes give an error when they refuse network access (Deno without --allow-net, a
// browser's CSP): sending again cannot help.
const REFUSED_BY_RUNTIME = new Set(["NotCapable", "PermissionDenied", "SecurityError"]);

/** The error for a fetch that threw: retryable, unless the runtime itself refused the request. */
function fetchFailure(where: string, error: unknown): CodexApiError {
  if (error instanceof CodexApiError) return error;
  const e = error as { name?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof e?.name === "string" && REFUSED_BY_RUNTIME.has(e.name)) {
    const message = `${where}: the runtime refused the request (${e.name}: ${String(e.message)})`;
    return new TransportError(message, { cause: error, retryable: false });
  }
  const detail = e?.cause?.code ?? (e?.cause as Error | undefined)?.message ?? e?.message ?? error;
  return new TransportError(`${where}: ${String(detail)}`, { cause: error });
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

/** Reads the reply of one attempt into a value or an error. */
async function readReply(
  a: HttpAttempt,
  response: Response,
): Promise<AttemptOutcome<Reply<unknown>>> {
  const details = replyDetails(response);
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

/** One send: a 2xx Response, or the error it ended in (never throws). */
export async function sendOnce(a: HttpAttempt): Promise<AttemptOutcome<Reply<unknown>>> {
  // Aborted when the race is lost (the caller's abort, the timeout): fetch and its body stop too.
  const controller = new AbortController();
  const exchange = async () => {
    // Called as a plain function: a browser's or workerd's fetch refuses any other `this`.
    const send = a.send;
    const response = await send(a.url, {
      method: a.method,
      headers: a.headers,
      body: a.body as BodyInit,
      signal: controller.signal,
      redirect: "manual",
    });
    return readReply(a, response);
  };
  const message = `${a.where}: no reply within ${a.timeoutMs} ms (request timeout)`;
  try {
    return await race(exchange(), {
      signal: a.signal,
      ms: a.timeoutMs,
      onTimeout: () => {
        throw new RequestTimeoutError(message);
      },
    });
  } catch (error) {
    controller.abort();
    return { error: fetchFailure(a.where, error) };
  }
}
