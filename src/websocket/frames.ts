// Frames received: one text frame is one stream message, mapped like an SSE payload by the stream
// reader; an in-band error frame with an HTTP status is mapped like an HTTP reply of that status
// (README "Responses over WebSocket").
import { CodexApiError, TransportError, type ErrorDetails } from "../errors/catalogue.js";
import { errorFromHttp, readErrorFields } from "../errors/map.js";
import type { MessageDecoder } from "../stream/event-reader.js";
import type { SseMessage } from "../stream/sse.js";
import { serverRetryAfterMs } from "../transport/retry.js";
import { isObject } from "../util.js";

const CONNECTION_LIMIT = "websocket_connection_limit_reached";
const CONNECTION_LIMIT_TEXT =
  "Responses websocket connection limit reached (60 minutes). Create a new websocket connection to continue.";

/** A frame of `type: "error"`: its parsed payload, status and code; undefined for other frames. */
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

/** The frame's `headers` object as Headers: string, number and boolean values, others dropped. */
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
 * The error an in-band error frame stands for: `websocket_connection_limit_reached` (retryable, a new
 * connection is needed) or a non-2xx `status` (mapped like that HTTP reply, the frame as its body).
 * Undefined for any other frame, an `error` frame without a status included: the reader maps those.
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

/**
 * The reader's framing for a socket: each body chunk is one text frame. In-band HTTP-style errors
 * are thrown as they arrive; `end()` throws why the frames stopped (set by `stopWith`).
 */
export class FrameDecoder implements MessageDecoder {
  readonly messages: SseMessage[] = [];
  readonly overflow = false;
  bytes = 0;
  readonly #text = new TextDecoder();
  readonly #check: (text: string) => CodexApiError | undefined;
  #ending: CodexApiError | undefined;

  constructor(check: (text: string) => CodexApiError | undefined) {
    this.#check = check;
  }

  push(frame: Uint8Array): void {
    this.bytes += frame.length;
    const data = this.#text.decode(frame);
    const error = this.#check(data);
    if (error) throw error;
    // The hint names the framing in the reader's messages ("websocket event at byte N: …").
    this.messages.push({ data, event: "websocket" });
  }

  /** A frame ends where its bytes end: frames are pushed one at a time and mapped before the next. */
  offsetAfter(): number {
    return this.bytes;
  }

  /** Why the frames stop: thrown by `end()` once the frames before it were read. */
  stopWith(error: CodexApiError): void {
    this.#ending ??= error;
  }

  end(): void {
    if (this.#ending) throw this.#ending;
  }
}

/** UTF-8 length of `text`, without encoding it. */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++; // a surrogate pair: 4 bytes = 2 code units + 2
    if (c >= 0x80) n += c >= 0x800 ? 2 : 1;
  }
  return n;
}
